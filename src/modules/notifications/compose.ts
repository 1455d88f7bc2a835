// Which events notify whom, in which language, with which template. Composing is pure once
// the recipient is known; an event that cannot be composed (no such account, a payload
// without the fields its template needs) is a poison message, reported as `Unrenderable`.
import type { Queryable } from '../../platform/db/db.ts';
import type { OutboxEvent } from '../../platform/events/outbox.ts';
import { isUuid } from '../../platform/uuid.ts';
import { type AccountRow, findAccounts } from '../identity/index.ts';
import type { Channel } from './channels.ts';
import {
  type Locale,
  localeFor,
  type Rendered,
  render,
  type TemplateData,
  type TemplateName,
} from './templates.ts';

/** Event type → template. Email for all of them; SMS and push wait for a contact registry. */
export const TEMPLATE_OF_EVENT: Record<string, TemplateName> = {
  'identity.email_verified': 'welcome',
  'identity.email_verification_requested': 'email_verification',
  'identity.password_reset_requested': 'password_reset',
  'identity.sign_in_locked': 'sign_in_locked',
  'wallet.deposit.completed': 'deposit_receipt',
  'wallet.withdrawal.completed': 'withdrawal_receipt',
  'wallet.withdrawal.failed': 'withdrawal_failed',
  'bet.settled': 'bet_settled',
  'responsible.limit_changed': 'limit_changed',
  'responsible.self_excluded': 'self_exclusion',
};

export const NOTIFIED_EVENT_TYPES = Object.keys(TEMPLATE_OF_EVENT);

/** An event that cannot become a message; retrying will not change that. */
export class Unrenderable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Unrenderable';
  }
}

export interface Composed {
  channel: Channel;
  template: TemplateName;
  locale: Locale;
  accountId: string;
  to: string;
  rendered: Rendered;
}

const DOOR_PATH: Record<string, string> = {
  player: '',
  staff: '/backoffice',
  partner: '/partners',
};
export interface ComposeOptions {
  publicUrl: string;
  defaultLocale: string;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function need(value: string | undefined, field: string, event: OutboxEvent): string {
  if (value === undefined) throw new Unrenderable(`${event.type} ${event.id}: no ${field}`);
  return value;
}

/** Whom the event is about (throws `Unrenderable` when it names nobody usable). */
function recipientOf(event: OutboxEvent): string {
  const p = event.payload as Record<string, unknown>;
  const accountId = need(
    text(p.accountId) ?? text(p.ownerId) ?? text(p.playerId),
    'account id',
    event,
  );
  if (!isUuid(accountId)) throw new Unrenderable(`${event.type} ${event.id}: bad account id`);
  return accountId.toLowerCase();
}

const orUnrenderable = <T>(fn: () => T): T | Unrenderable => {
  try {
    return fn();
  } catch (error) {
    if (error instanceof Unrenderable) return error;
    throw error;
  }
};

/**
 * The messages each event asks for (none for events nobody is told about), or the
 * `Unrenderable` that says why it cannot have any; the recipients are read in one query.
 */
export async function composeAll(
  q: Queryable,
  events: readonly OutboxEvent[],
  options: ComposeOptions,
): Promise<(Composed[] | Unrenderable)[]> {
  const recipients = events.map((event) =>
    TEMPLATE_OF_EVENT[event.type] ? orUnrenderable(() => recipientOf(event)) : undefined,
  );
  const ids = [...new Set(recipients.filter((r): r is string => typeof r === 'string'))];
  const accounts = ids.length > 0 ? await findAccounts(q, ids) : new Map<string, AccountRow>();
  return events.map((event, i) => {
    const recipient = recipients[i];
    if (typeof recipient !== 'string') return recipient ?? [];
    return orUnrenderable(() => composeFor(event, recipient, accounts.get(recipient), options));
  });
}

function composeFor(
  event: OutboxEvent,
  accountId: string,
  account: AccountRow | undefined,
  options: ComposeOptions,
): Composed[] {
  const template = TEMPLATE_OF_EVENT[event.type]!;
  const p = event.payload as Record<string, unknown>;
  if (!account) throw new Unrenderable(`${event.type} ${event.id}: no account ${accountId}`);

  const locale = localeFor(account.country, options.defaultLocale);
  const data: TemplateData = { name: text(p.displayName) ?? account.display_name };
  switch (template) {
    case 'email_verification':
      data.link = `${options.publicUrl}/#/verify-email?token=${need(text(p.token), 'token', event)}`;
      break;
    case 'password_reset':
      data.link = `${options.publicUrl}${DOOR_PATH[text(p.kind) ?? account.kind] ?? ''}/#/reset-password?token=${need(text(p.token), 'token', event)}`;
      break;
    case 'deposit_receipt':
    case 'withdrawal_receipt':
    case 'withdrawal_failed':
      data.amount = need(text(p.amount), 'amount', event);
      data.currency = need(text(p.currency), 'currency', event);
      break;
    case 'bet_settled':
      data.stake = need(text(p.stake), 'stake', event);
      data.payout = text(p.payout) ?? '0';
      data.currency = need(text(p.currency), 'currency', event);
      data.status = need(text(p.status), 'status', event);
      break;
    case 'limit_changed': {
      const limit = (p.limit ?? {}) as Record<string, unknown>;
      data.limit = {
        kind: need(text(limit.kind), 'limit.kind', event),
        period: need(text(limit.period), 'limit.period', event),
        amount: text(limit.amount) ?? null,
        ...(text(limit.effectiveAt) ? { effectiveAt: text(limit.effectiveAt)! } : {}),
      };
      data.currency = text(limit.currency) ?? account.currency ?? undefined;
      break;
    }
    case 'self_exclusion':
      data.until = text(p.until) ?? null;
      break;
    default:
      break;
  }
  const to = text(p.email) ?? account.email;
  let rendered: Rendered;
  try {
    rendered = render(template, locale, data);
  } catch (error) {
    // e.g. a currency code Intl does not know: the event is malformed, not the database.
    throw new Unrenderable(`${event.type} ${event.id}: ${(error as Error).message}`);
  }
  return [{ channel: 'email', template, locale, accountId, to, rendered }];
}
