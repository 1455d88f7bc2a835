// Clear messages for the API's problem codes (docs/api.md, "Errors"), in the reader's
// language, with the problem's extra members (limits, balances, retry times) filled in.
import type { I18n, MessageKey } from '../lib/i18n.tsx';
import { en } from '../lib/messages/en.ts';
import { ApiError, NetworkError } from './client.ts';

const isAmount = (value: unknown): value is string =>
  typeof value === 'string' && /^-?[0-9]+$/.test(value);

const FIELD_KEYS: Record<string, MessageKey> = {
  email: 'field.email',
  password: 'field.password',
  displayName: 'field.displayName',
  dateOfBirth: 'field.dateOfBirth',
  country: 'field.country',
  currency: 'field.currency',
  amount: 'field.amount',
  stake: 'field.stake',
  code: 'field.code',
  name: 'field.name',
};

function fieldName(i18n: I18n, raw: unknown): string {
  const name = String(raw ?? '')
    .replace(/^\/?(body\/)?/, '')
    .split('/')[0];
  const key = name ? FIELD_KEYS[name] : undefined;
  return key ? i18n.t(key) : name || i18n.t('field.request');
}

/**
 * The text a person sees for a failed call: a translated message for known codes, else the
 * server's `detail` — never the raw document. `currency` formats amounts in the problem.
 */
export function describeError(error: unknown, i18n: I18n, currency = 'EUR'): string {
  const { t } = i18n;
  if (error instanceof NetworkError) return t('problem.network');
  if (!(error instanceof ApiError)) return t('problem.unexpected');
  const p = error.problem;
  const money = (value: unknown) => (isAmount(value) ? i18n.money(value, currency) : '–');
  const list = (value: unknown) => (Array.isArray(value) ? value.join(', ') : '');
  switch (error.code) {
    case 'insufficient_funds':
      return isAmount(p.balance)
        ? t('problem.insufficient_funds.balance', { balance: money(p.balance) })
        : t('problem.insufficient_funds');
    case 'stake_out_of_range':
      return t('problem.stake_out_of_range', { min: money(p.minStake), max: money(p.maxStake) });
    case 'payout_too_high':
      return t('problem.payout_too_high', { maxStake: money(p.maxStake) });
    case 'amount_out_of_range':
      return t('problem.amount_out_of_range', { min: money(p.min), max: money(p.max) });
    case 'too_many_attempts':
    case 'rate_limited': {
      const seconds = Number(p.retryAfter);
      return Number.isFinite(seconds) && seconds > 0
        ? t('problem.too_many_attempts.wait', { seconds })
        : t('problem.too_many_attempts');
    }
    case 'validation_failed': {
      const fields = Array.isArray(p.errors)
        ? [...new Set(p.errors.map((e) => fieldName(i18n, (e as { path?: unknown })?.path)))]
        : [];
      return fields.length > 0
        ? t('problem.validation_failed.fields', { fields: fields.join(', ') })
        : t('problem.validation_failed');
    }
    case 'weak_password':
    case 'invalid_display_name':
    case 'invalid_country':
    case 'invalid_date':
    case 'underage':
    case 'currency_not_supported':
      return t(`problem.${error.code}`);
    case 'permission_not_held':
    case 'target_holds_more_permissions':
      return t(`problem.${error.code}`, { permissions: list(p.permissions) });
    case 'boost_stake_too_high':
      return t('problem.boost_stake_too_high', { maxStake: money(p.maxStake) });
    case 'api_key_limit_reached':
      return t('problem.api_key_limit_reached', { max: String(p.max ?? '') });
    case 'internal_error':
      return t('problem.internal_error', { reference: error.requestId ?? '–' });
    default: {
      const key = `problem.${error.code}`;
      if (key in en) return t(key as MessageKey);
      if (error.problem.detail) return String(error.problem.detail);
      return error.status >= 500 ? t('problem.server') : t('problem.refused');
    }
  }
}
