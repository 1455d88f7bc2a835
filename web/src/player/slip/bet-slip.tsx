// The bet slip: its lines, singles or a multiple, stakes with the potential payout computed
// exactly (BigInt, as the server does), the price-change policy, and placing. A changed
// price shows old → new and must be accepted by placing again; lines that failed stay.
import { type FormEvent, useEffect, useState } from 'react';
import { ApiError } from '../../api/client.ts';
import { describeError } from '../../api/problems.ts';
import type { Bet } from '../../api/types.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { currencyExponent } from '../../lib/money.ts';
import { combinedPrice } from '../../lib/odds.ts';
import { href } from '../../lib/router.ts';
import { useAuth } from '../../ui/auth.tsx';
import { SelectField } from '../../ui/forms.tsx';
import { useBusy } from '../../ui/hooks.ts';
import { useNotify } from '../../ui/notices.tsx';
import { useAccountData } from '../account/account-data.tsx';
import { betTitle } from '../bets/bet-title.ts';
import { useOddsFormat } from '../odds-format.tsx';
import { placeBets } from './place.ts';
import { useSlip } from './slip.tsx';
import { canCombine, effectiveMode, type Leg, type PricePolicy } from './slip-state.ts';
import { betRequests, checkStake, potentialPayout } from './stakes.ts';

function StakeInput({
  id,
  label,
  value,
  currency,
  invalid,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  currency: string;
  invalid: boolean;
  onChange: (text: string) => void;
}) {
  const { t } = useI18n();
  const check = checkStake(value, currency);
  const bad = invalid || (value.trim() !== '' && !check.ok);
  const exponent = currencyExponent(currency);
  return (
    <div className="field stake-field">
      <label htmlFor={id}>
        {label} <span className="muted">({currency})</span>
      </label>
      <input
        id={id}
        type="text"
        inputMode="decimal"
        autoComplete="off"
        placeholder={exponent === 0 ? '5' : `5.${'0'.repeat(exponent)}`}
        value={value}
        aria-invalid={bad || undefined}
        aria-describedby={bad ? `${id}-error` : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      {bad ? (
        <p id={`${id}-error`} className="field-error">
          {exponent === 0 ? t('slip.stakeHintWhole') : t('slip.stakeHint', { decimals: exponent })}
        </p>
      ) : null}
    </div>
  );
}

function Payout({ stake, legs, currency }: { stake: string; legs: Leg[]; currency: string }) {
  const i18n = useI18n();
  const check = checkStake(stake, currency);
  const value = check.ok ? potentialPayout(check.minor, legs) : null;
  return (
    <p className="payout">
      {i18n.t('slip.payout')}{' '}
      <output className="payout-value">{value === null ? '–' : i18n.money(value, currency)}</output>
    </p>
  );
}

function Receipt({ bets, onDone }: { bets: Bet[]; onDone: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <div className="receipt stack" role="status">
      <p className="callout callout-ok">
        <strong>
          {bets.length === 1 ? t('slip.placedOne') : t('slip.placedMany', { count: bets.length })}
        </strong>
      </p>
      <ul className="receipt-bets">
        {bets.map((bet) => (
          <li key={bet.id}>
            {bet.kind === 'single' ? bet.legs[0]?.selectionName : betTitle(bet, t)} ·{' '}
            {t('bets.stake')} {i18n.money(bet.stake, bet.currency)} · {t('bets.potentialPayout')}{' '}
            {i18n.money(bet.potentialPayout, bet.currency)}
          </li>
        ))}
      </ul>
      <div className="actions">
        <a className="button secondary" href={href('bets')}>
          {t('slip.seeMyBets')}
        </a>
        <button type="button" className="link" onClick={onDone}>
          {t('slip.continue')}
        </button>
      </div>
    </div>
  );
}

export function BetSlip({ headingLevel = 2 }: { headingLevel?: 1 | 2 }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client, me } = useAuth();
  const { currency, refresh } = useAccountData();
  const { state, dispatch } = useSlip();
  const { format } = useOddsFormat();
  const notify = useNotify();
  const [busy, run] = useBusy();
  const [invalid, setInvalid] = useState<string[]>([]);
  const [lineErrors, setLineErrors] = useState<Record<string, string>>({});
  const [receipt, setReceipt] = useState<Bet[] | null>(null);

  const mode = effectiveMode(state);
  const legs = state.legs;
  // A new selection starts a new slip: the receipt of the last one goes.
  useEffect(() => {
    if (legs.length > 0) setReceipt(null);
  }, [legs.length]);
  const changed = legs.some((l) => l.previousPrice !== null);
  const closed = legs.some((l) => !l.open);
  const Heading = headingLevel === 1 ? 'h1' : 'h2';

  const place = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const { requests, invalid: bad } = betRequests(state, currency, format);
    setInvalid(bad);
    if (bad.length > 0 || requests.length === 0) {
      notify(t('slip.fixStakes'), 'error');
      return;
    }
    void run(async () => {
      const result = await placeBets(client, requests);
      const errors: Record<string, string> = {};
      for (const { request, error } of result.failed) {
        for (const id of request.selectionIds) errors[id] = describeError(error, i18n, currency);
      }
      setLineErrors(errors);
      for (const { request } of result.placed) {
        for (const id of request.selectionIds) dispatch({ type: 'remove', selectionId: id });
      }
      if (result.changed.length > 0) dispatch({ type: 'changed', current: result.changed });
      if (result.placed.length > 0) {
        setReceipt(result.placed.map((p) => p.bet));
        void refresh();
      }
      const [first] = result.failed;
      if (first) {
        const oddsChanged = first.error instanceof ApiError && first.error.code === 'odds_changed';
        notify(
          oddsChanged ? t('slip.oddsChanged') : describeError(first.error, i18n, currency),
          'error',
        );
      } else {
        notify(
          result.placed.length === 1
            ? t('slip.placedOne')
            : t('slip.placedMany', { count: result.placed.length }),
          'success',
        );
      }
    });
  };

  const placeLabel = changed
    ? t('slip.acceptAndPlace')
    : mode === 'singles' && legs.length > 1
      ? t('slip.placeSingles')
      : t('slip.place');

  return (
    <section className="slip" aria-labelledby="slip-heading" data-testid="bet-slip">
      <Heading id="slip-heading" className="slip-title" tabIndex={-1}>
        {t('slip.title')}
        {legs.length > 0 ? <span className="badge">{legs.length}</span> : null}
      </Heading>
      {receipt ? <Receipt bets={receipt} onDone={() => setReceipt(null)} /> : null}
      {legs.length === 0 && !receipt ? <p className="muted">{t('slip.empty')}</p> : null}
      {legs.length > 0 ? (
        <form className="stack" onSubmit={place} noValidate>
          {legs.length >= 2 ? (
            <fieldset className="segmented">
              <legend className="visually-hidden">{t('slip.betType')}</legend>
              {(['singles', 'multiple'] as const).map((m) => (
                <label key={m} className={mode === m ? 'selected' : undefined}>
                  <input
                    type="radio"
                    name="slip-mode"
                    value={m}
                    checked={mode === m}
                    disabled={m === 'multiple' && !canCombine(legs)}
                    onChange={() => dispatch({ type: 'mode', mode: m })}
                  />
                  {m === 'singles' ? t('slip.singles') : t('slip.multiple')}
                </label>
              ))}
            </fieldset>
          ) : null}
          {legs.length >= 2 && !canCombine(legs) ? (
            <p className="hint">{t('slip.sameEvent')}</p>
          ) : null}
          <ul className="slip-legs">
            {legs.map((leg) => (
              <li
                key={leg.selectionId}
                className={`slip-leg${leg.previousPrice ? ' slip-leg-changed' : ''}${leg.open ? '' : ' slip-leg-closed'}`}
              >
                <div className="slip-leg-head">
                  <div className="slip-leg-text">
                    <strong>{leg.selectionName}</strong>
                    <span className="muted">
                      {leg.marketName} · {leg.eventName}
                    </span>
                  </div>
                  <p className="slip-leg-price">
                    {leg.previousPrice ? (
                      <>
                        <del>
                          <span className="visually-hidden">{t('slip.was')} </span>
                          {leg.previousPrice}
                        </del>{' '}
                      </>
                    ) : null}
                    <span className="odds">{leg.price}</span>
                    {leg.previousPrice ? (
                      <span className="visually-hidden"> {t('slip.newPrice')}</span>
                    ) : null}
                  </p>
                  <button
                    type="button"
                    className="remove"
                    onClick={() => dispatch({ type: 'remove', selectionId: leg.selectionId })}
                    aria-label={t('slip.remove', {
                      selection: leg.selectionName,
                      event: leg.eventName,
                    })}
                  >
                    ×
                  </button>
                </div>
                {leg.open ? null : <p className="field-error">{t('slip.closed')}</p>}
                {lineErrors[leg.selectionId] ? (
                  <p className="field-error">{lineErrors[leg.selectionId]}</p>
                ) : null}
                {mode === 'singles' ? (
                  <div className="slip-leg-stake">
                    <StakeInput
                      id={`stake-${leg.selectionId}`}
                      label={t('slip.stake')}
                      value={state.stakes[leg.selectionId] ?? ''}
                      currency={currency}
                      invalid={invalid.includes(leg.selectionId)}
                      onChange={(text) =>
                        dispatch({ type: 'stake', selectionId: leg.selectionId, text })
                      }
                    />
                    <Payout
                      stake={state.stakes[leg.selectionId] ?? ''}
                      legs={[leg]}
                      currency={currency}
                    />
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
          {mode === 'multiple' ? (
            <div className="slip-multiple stack">
              <p>
                {t('slip.multipleOf', { count: legs.length })}{' '}
                <span className="muted">
                  {t('slip.combinedOdds')}{' '}
                  <span className="odds">
                    {combinedPrice(
                      legs.map((l) => l.price),
                      format,
                    ) ?? '–'}
                  </span>
                </span>
              </p>
              <StakeInput
                id="stake-multiple"
                label={t('slip.stake')}
                value={state.multipleStake}
                currency={currency}
                invalid={invalid.includes('multiple')}
                onChange={(text) => dispatch({ type: 'stake', selectionId: null, text })}
              />
              <Payout stake={state.multipleStake} legs={legs} currency={currency} />
            </div>
          ) : null}
          <SelectField
            label={t('slip.policy')}
            value={state.policy}
            onChange={(e) => dispatch({ type: 'policy', policy: e.target.value as PricePolicy })}
            options={[
              { value: 'none', label: t('slip.policyNone') },
              { value: 'higher', label: t('slip.policyHigher') },
              { value: 'any', label: t('slip.policyAny') },
            ]}
          />
          {me?.kind === 'player' ? (
            <div className="actions">
              <button
                type="submit"
                className="primary wide"
                disabled={busy || closed}
                aria-busy={busy || undefined}
              >
                {busy ? t('slip.placing') : placeLabel}
              </button>
              <button type="button" className="link" onClick={() => dispatch({ type: 'clear' })}>
                {t('slip.clear')}
              </button>
            </div>
          ) : (
            <p className="callout">
              <a href={href('login')}>{t('slip.signInToBet')}</a>
            </p>
          )}
        </form>
      ) : null}
    </section>
  );
}
