// The loyalty scheme: points rates per sport and bet kind, tiers by lifetime points, and how
// points redeem into free bets or bonus money. The whole scheme is saved at once (PUT); the
// form checks what the server would refuse, and shows the server's own refusals beside the
// field they name.
import { type FormEvent, useEffect, useState } from 'react';
import { ApiError } from '../../api/client.ts';
import { describeError } from '../../api/problems.ts';
import { useI18n } from '../../lib/i18n.tsx';
import type { MessageKey } from '../../lib/messages/en.ts';
import { useAuth } from '../../ui/auth.tsx';
import { SelectField, SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy, useLoader } from '../../ui/hooks.ts';
import { useNotify } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';
import { problemFields } from '../problem-fields.ts';
import {
  BET_KINDS,
  draftFromConfig,
  type LoyaltyDraft,
  type LoyaltyErrors,
  loyaltyBody,
} from './loyalty-form.ts';

export function LoyaltyPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const notify = useNotify();
  const [busy, run] = useBusy();
  const scheme = useLoader(
    (signal) => client.call('GET /api/v1/admin/loyalty', { signal }),
    [client],
  );
  // Sports by name for the rates; if they cannot be read, a sport is typed as its ID.
  const sports = useLoader((signal) => client.call('GET /api/v1/sports', { signal }), [client]);
  const [draft, setDraft] = useState<LoyaltyDraft | null>(null);
  const [errors, setErrors] = useState<LoyaltyErrors>({});
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    if (scheme.data) setDraft(draftFromConfig(scheme.data));
  }, [scheme.data]);

  const errorAt = (path: string): string | undefined => {
    const key = errors[path];
    if (key) return t(key);
    return serverErrors[path] || undefined;
  };

  const sportOptions = (current: string) => {
    const known = sports.data ?? [];
    return [
      { value: '', label: t('loyalty.anySport') },
      ...known.map((sport) => ({ value: sport.id, label: sport.name })),
      ...(current && !known.some((sport) => sport.id === current)
        ? [{ value: current, label: current }]
        : []),
    ];
  };

  const update = (change: (d: LoyaltyDraft) => LoyaltyDraft) =>
    setDraft((d) => (d ? change(d) : d));
  // Rows of the rates and tiers lists, edited in place.
  type List = 'rates' | 'tiers';
  const setRow = <L extends List>(list: L, i: number, patch: Partial<LoyaltyDraft[L][number]>) =>
    update((d) => ({ ...d, [list]: d[list].map((x, j) => (j === i ? { ...x, ...patch } : x)) }));
  const removeRow = (list: List, i: number) =>
    update((d) => ({ ...d, [list]: d[list].filter((_, j) => j !== i) }));
  const setSport = (i: number, sportId: string) => setRow('rates', i, { sportId });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!draft) return;
    setServerErrors({});
    setFailure(null);
    const result = loyaltyBody(draft);
    if (!result.ok) {
      setErrors(result.errors);
      setFailure(t('loyalty.fix'));
      return;
    }
    setErrors({});
    void run(async () => {
      try {
        const saved = await client.call('PUT /api/v1/admin/loyalty', { body: result.body });
        scheme.setData(saved);
        notify(t('loyalty.saved'), 'success');
      } catch (error) {
        if (error instanceof ApiError) setServerErrors(problemFields(error.problem));
        setFailure(describeError(error, i18n));
      }
    });
  };

  const listError = (path: string) => {
    const message = errorAt(path);
    return message ? (
      <p className="field-error" role="alert">
        {message}
      </p>
    ) : null;
  };

  return (
    <div className="page stack">
      <PageHeading>{t('loyalty.title')}</PageHeading>
      {scheme.error ? (
        <p className="callout callout-error" role="alert">
          {describeError(scheme.error, i18n)}{' '}
          <button type="button" className="link" onClick={() => void scheme.reload()}>
            {t('common.retry')}
          </button>
        </p>
      ) : null}
      {!draft && scheme.loading ? <p className="muted">{t('common.loading')}</p> : null}
      {draft ? (
        <form className="stack" onSubmit={submit} noValidate>
          <fieldset className="panel stack">
            <legend>{t('loyalty.rates')}</legend>
            <p className="hint">{t('loyalty.ratesHint')}</p>
            {listError('rates')}
            {draft.rates.map((rate, i) => {
              const n = i + 1;
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
                <fieldset key={i} className="two-columns">
                  <legend className="visually-hidden">{t('loyalty.rateN', { n })}</legend>
                  {sports.data ? (
                    <SelectField
                      label={t('loyalty.sport')}
                      value={rate.sportId}
                      onChange={(e) => setSport(i, e.target.value)}
                      options={sportOptions(rate.sportId)}
                    />
                  ) : (
                    <TextField
                      label={t('loyalty.sportId')}
                      hint={t('loyalty.sportHint')}
                      value={rate.sportId}
                      error={errorAt(`rates/${i}/sportId`)}
                      onChange={(e) => setSport(i, e.target.value)}
                    />
                  )}
                  {sports.data ? listError(`rates/${i}/sportId`) : null}
                  <SelectField
                    label={t('loyalty.betKind')}
                    value={rate.betKind}
                    onChange={(e) =>
                      setRow('rates', i, { betKind: e.target.value as typeof rate.betKind })
                    }
                    options={[
                      { value: '', label: t('loyalty.anyKind') },
                      ...BET_KINDS.map((k) => ({
                        value: k,
                        label: t(`loyalty.kind.${k}` as MessageKey),
                      })),
                    ]}
                  />
                  {listError(`rates/${i}/betKind`)}
                  <TextField
                    label={t('loyalty.pointsPerHundred')}
                    inputMode="numeric"
                    required
                    value={rate.pointsPerHundred}
                    error={errorAt(`rates/${i}/pointsPerHundred`)}
                    onChange={(e) => setRow('rates', i, { pointsPerHundred: e.target.value })}
                  />
                  <div>
                    <button
                      type="button"
                      className="secondary"
                      disabled={draft.rates.length <= 1}
                      onClick={() => removeRow('rates', i)}
                    >
                      {t('loyalty.removeRate', { n })}
                    </button>
                  </div>
                </fieldset>
              );
            })}
            <div>
              <button
                type="button"
                className="secondary"
                disabled={draft.rates.length >= 500}
                onClick={() =>
                  update((d) => ({
                    ...d,
                    rates: [...d.rates, { sportId: '', betKind: 'single', pointsPerHundred: '1' }],
                  }))
                }
              >
                {t('loyalty.addRate')}
              </button>
            </div>
          </fieldset>

          <fieldset className="panel stack">
            <legend>{t('loyalty.tiers')}</legend>
            <p className="hint">{t('loyalty.tiersHint')}</p>
            {listError('tiers')}
            {draft.tiers.map((tier, i) => {
              const n = i + 1;
              const set = (field: 'name' | 'minPoints' | 'multiplier', value: string) =>
                setRow('tiers', i, { [field]: value });
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
                <fieldset key={i} className="two-columns">
                  <legend className="visually-hidden">{t('loyalty.tierN', { n })}</legend>
                  <TextField
                    label={t('loyalty.tierName')}
                    required
                    maxLength={40}
                    value={tier.name}
                    error={errorAt(`tiers/${i}/name`)}
                    onChange={(e) => set('name', e.target.value)}
                  />
                  <TextField
                    label={t('loyalty.minPoints')}
                    inputMode="numeric"
                    required
                    value={tier.minPoints}
                    error={errorAt(`tiers/${i}/minPoints`)}
                    onChange={(e) => set('minPoints', e.target.value)}
                  />
                  <TextField
                    label={t('loyalty.multiplier')}
                    inputMode="decimal"
                    required
                    value={tier.multiplier}
                    error={errorAt(`tiers/${i}/multiplierBps`)}
                    onChange={(e) => set('multiplier', e.target.value)}
                  />
                  <div>
                    <button
                      type="button"
                      className="secondary"
                      disabled={draft.tiers.length <= 1}
                      onClick={() => removeRow('tiers', i)}
                    >
                      {t('loyalty.removeTier', { n })}
                    </button>
                  </div>
                </fieldset>
              );
            })}
            <div>
              <button
                type="button"
                className="secondary"
                disabled={draft.tiers.length >= 20}
                onClick={() =>
                  update((d) => ({
                    ...d,
                    tiers: [...d.tiers, { name: '', minPoints: '', multiplier: '1' }],
                  }))
                }
              >
                {t('loyalty.addTier')}
              </button>
            </div>
          </fieldset>

          <fieldset className="panel two-columns">
            <legend>{t('loyalty.redemption')}</legend>
            {(
              [
                ['pointsPerHundred', 'loyalty.redeemRate', 'numeric'],
                ['minRedeemPoints', 'loyalty.minRedeem', 'numeric'],
                ['freeBetExpiryDays', 'loyalty.freeBetExpiry', 'numeric'],
                ['freeBetMinOdds', 'loyalty.freeBetMinOdds', 'decimal'],
                ['bonusWageringMultiplier', 'loyalty.bonusWagering', 'numeric'],
                ['bonusExpiryDays', 'loyalty.bonusExpiry', 'numeric'],
              ] as const
            ).map(([field, label, mode]) => (
              <TextField
                key={field}
                label={t(label)}
                inputMode={mode}
                required={field !== 'freeBetMinOdds'}
                hint={field === 'freeBetMinOdds' ? t('loyalty.freeBetMinOddsHint') : undefined}
                value={draft.redemption[field]}
                error={errorAt(`redemption/${field}`)}
                onChange={(e) =>
                  update((d) => ({
                    ...d,
                    redemption: { ...d.redemption, [field]: e.target.value },
                  }))
                }
              />
            ))}
          </fieldset>

          {failure ? (
            <p className="callout callout-error" role="alert">
              {failure}
            </p>
          ) : null}
          <div className="actions">
            <SubmitButton busy={busy} busyLabel={t('common.saving')}>
              {t('loyalty.save')}
            </SubmitButton>{' '}
            <button
              type="button"
              className="secondary"
              disabled={busy || !scheme.data}
              onClick={() => {
                if (scheme.data) setDraft(draftFromConfig(scheme.data));
                setErrors({});
                setServerErrors({});
                setFailure(null);
              }}
            >
              {t('loyalty.reset')}
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}
