// The bet slip: its lines; singles, a multiple, a system bet (by name or n-of-k, staked per
// line) or a bet builder; each-way on outrights; stakes with the potential payout computed
// exactly (BigInt, as the server does) and a live quote from the server (lines × unit stake,
// refusals, the largest stake it would take); the price-change policy, and placing. A
// changed price shows old → new and must be accepted by placing again; lines that failed stay.
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { ApiError } from '../../api/client.ts';
import { describeError } from '../../api/problems.ts';
import type { Bet } from '../../api/types.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { currencyExponent, minorToDecimal } from '../../lib/money.ts';
import { combinedPrice } from '../../lib/odds.ts';
import { href } from '../../lib/router.ts';
import { useAuth } from '../../ui/auth.tsx';
import { SelectField } from '../../ui/forms.tsx';
import { useBusy, useLoader } from '../../ui/hooks.ts';
import { useNotify } from '../../ui/notices.tsx';
import { useAccountData } from '../account/account-data.tsx';
import { betTitle, systemLabel } from '../bets/bet-title.ts';
import { useOddsFormat } from '../odds-format.tsx';
import {
  type Boost,
  boostApplied,
  boostOffered,
  boostPrice,
  overBoostMax,
  usableBoosts,
} from './boosts.ts';
import { placeBets } from './place.ts';
import { QuoteSummary, useQuote } from './quote.tsx';
import { useSlip } from './slip.tsx';
import {
  canCombine,
  canEachWay,
  effectiveMode,
  effectiveSystem,
  type Leg,
  modeAvailable,
  type PricePolicy,
  SLIP_MODES,
  type SlipMode,
  type SlipState,
  systemOptions,
} from './slip-state.ts';
import { betRequests, checkStake, combinedBody, potentialPayout, singleBody } from './stakes.ts';

const MODE_LABEL = {
  singles: 'slip.singles',
  multiple: 'slip.multiple',
  system: 'slip.system',
  builder: 'slip.builder',
} as const satisfies Record<SlipMode, string>;

/** The live quote of one bet on the slip (nothing while its stake is not valid). */
function LiveQuote({
  body,
  stake,
  currency,
  onStake,
}: {
  body: ReturnType<typeof singleBody> | null;
  stake: string;
  currency: string;
  onStake: (text: string) => void;
}) {
  const { client, me } = useAuth();
  const { format } = useOddsFormat();
  const check = checkStake(stake, currency);
  const state = useQuote(
    client,
    body && check.ok ? { ...body, stake: check.minor } : null,
    format,
    me?.kind === 'player',
  );
  return (
    <QuoteSummary
      state={state}
      onUseStake={(minor) => onStake(minorToDecimal(minor, currencyExponent(currency)))}
    />
  );
}

/** What pays the stake: cash, cash then bonus money, or one of the player's free bets. */
function Funding({ single }: { single: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client, me } = useAuth();
  const { state, dispatch } = useSlip();
  const mode = effectiveMode(state);
  const bonus = useLoader(
    (signal) => client.call('GET /api/v1/promotions/wallet', { signal }),
    [client, me?.id],
    { enabled: me?.kind === 'player', refreshMs: 60_000 },
  );
  const w = bonus.data;
  if (!w) return null;
  const freeBets = w.freeBets.filter((f) => f.status === 'active');
  const hasBonus = BigInt(w.bonusBalance) > 0n;
  if (!hasBonus && freeBets.length === 0) return null;
  const options = [
    { value: 'cash', label: t('slip.payCash') },
    ...(hasBonus
      ? [
          {
            value: 'bonus',
            label: t('slip.payBonus', { bonus: i18n.money(w.bonusBalance, w.currency) }),
          },
        ]
      : []),
    ...(single
      ? freeBets.map((f) => ({
          value: `free:${f.id}`,
          label: t('slip.payFreeBet', {
            amount: i18n.money(f.amount, f.currency),
            date: i18n.date(f.expiresAt),
          }),
        }))
      : []),
  ];
  const value = options.some((o) => o.value === state.funding) ? state.funding : 'cash';
  return (
    <SelectField
      label={t('slip.payWith')}
      value={value}
      onChange={(e) => {
        const funding = e.target.value;
        dispatch({ type: 'funding', funding });
        const free = freeBets.find((f) => `free:${f.id}` === funding);
        if (!free) return;
        // A free bet is staked whole.
        const text = minorToDecimal(free.amount, currencyExponent(free.currency));
        const only = state.legs[0];
        if (mode !== 'singles') dispatch({ type: 'stake', selectionId: null, text });
        else if (only) dispatch({ type: 'stake', selectionId: only.selectionId, text });
      }}
      options={options}
    />
  );
}

function stakeLabel(state: SlipState, mode: SlipMode, t: ReturnType<typeof useI18n>['t']) {
  return mode === 'system' || (state.eachWay && canEachWay(state.legs, mode))
    ? t('slip.stakePerLine')
    : t('slip.stake');
}

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

/** A single's odds boost: offered (take it) or taken (give it up), with its maximum stake. */
function BoostOffer({
  leg,
  offered,
  applied,
  stake,
  currency,
}: {
  leg: Leg;
  offered: Boost | undefined;
  applied: Boost | undefined;
  stake: string;
  currency: string;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const { dispatch } = useSlip();
  const { format } = useOddsFormat();
  const boost = applied ?? offered;
  if (!boost) return null;
  const check = checkStake(stake, currency);
  const tooHigh = applied !== undefined && check.ok && overBoostMax(applied, check.minor);
  const max = i18n.money(boost.maxStake, currency);
  const id = `boost-${leg.selectionId}`;
  return (
    <div className="slip-boost" data-testid="slip-boost">
      <p id={id}>
        <span className="badge">{t('slip.boost')}</span> <strong>{boost.name}</strong>{' '}
        {applied ? null : (
          <>
            <del>
              <span className="visually-hidden">{t('slip.was')} </span>
              {leg.price}
            </del>{' '}
            <span className="odds">{boostPrice(boost, format)}</span>{' '}
          </>
        )}
        <span className="muted">{t('slip.boostMaxStake', { max })}</span>
      </p>
      {tooHigh ? <p className="field-error">{t('slip.boostTooHigh', { max })}</p> : null}
      {applied ? (
        <button
          type="button"
          className="link"
          aria-describedby={id}
          onClick={() => dispatch({ type: 'boost', selectionId: leg.selectionId, boostId: null })}
        >
          {t('slip.boostRemove', { selection: leg.selectionName })}
        </button>
      ) : (
        <button
          type="button"
          className="secondary small"
          aria-describedby={id}
          onClick={() =>
            dispatch({ type: 'boost', selectionId: leg.selectionId, boostId: boost.id })
          }
        >
          {t('slip.boostApply', { selection: leg.selectionName })}
        </button>
      )}
    </div>
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
            {bet.status === 'pending' ? (
              <span className="badge badge-pending" data-testid="bet-pending">
                {t('bets.pendingInPlay')}
              </span>
            ) : null}
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
  // The odds boosts the player can take now (refused ones show in the quote).
  const promotions = useLoader(
    (signal) => client.call('GET /api/v1/promotions', { signal }),
    [client, me?.id],
    { enabled: me?.kind === 'player', refreshMs: 60_000 },
  );
  const boosts = useMemo(() => usableBoosts(promotions.data ?? []), [promotions.data]);

  const mode = effectiveMode(state);
  const system = effectiveSystem(state);
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
    const { requests, invalid: bad } = betRequests(state, currency, format, boosts);
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
        if (result.placed.some((p) => p.request.body.boostId)) void promotions.reload();
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
            <fieldset className="segmented segmented-4">
              <legend className="visually-hidden">{t('slip.betType')}</legend>
              {SLIP_MODES.map((m) => (
                <label key={m} className={mode === m ? 'selected' : undefined}>
                  <input
                    type="radio"
                    name="slip-mode"
                    value={m}
                    checked={mode === m}
                    disabled={!modeAvailable(legs, m)}
                    onChange={() => dispatch({ type: 'mode', mode: m })}
                  />
                  {t(MODE_LABEL[m])}
                </label>
              ))}
            </fieldset>
          ) : null}
          {legs.length >= 2 && !canCombine(legs) ? (
            <p className="hint">{t('slip.sameEvent')}</p>
          ) : null}
          {mode === 'system' ? (
            <SelectField
              label={t('slip.systemType')}
              value={system ?? ''}
              onChange={(e) => dispatch({ type: 'system', system: e.target.value })}
              options={systemOptions(legs).map((value) => ({
                value,
                label: systemLabel(value, t),
              }))}
            />
          ) : null}
          {canEachWay(legs, mode) ? (
            <label className="check">
              <input
                type="checkbox"
                checked={state.eachWay}
                onChange={(e) => dispatch({ type: 'eachWay', eachWay: e.target.checked })}
              />{' '}
              {t('slip.eachWay')}
            </label>
          ) : null}
          <ul className="slip-legs">
            {legs.map((leg) => {
              const offered = boostOffered(state, leg, boosts);
              const applied = boostApplied(state, leg, boosts);
              return (
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
                    {applied ? (
                      <p className="slip-leg-price slip-leg-boosted">
                        <del>
                          <span className="visually-hidden">{t('slip.was')} </span>
                          {leg.price}
                        </del>{' '}
                        <span className="odds">{boostPrice(applied, format)}</span>
                        <span className="visually-hidden"> {t('slip.boostedPrice')}</span>
                      </p>
                    ) : (
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
                    )}
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
                    <BoostOffer
                      leg={leg}
                      offered={offered}
                      applied={applied}
                      stake={state.stakes[leg.selectionId] ?? ''}
                      currency={currency}
                    />
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
                        legs={[applied ? { ...leg, price: boostPrice(applied, 'decimal') } : leg]}
                        currency={currency}
                      />
                      <LiveQuote
                        body={singleBody(state, leg, applied)}
                        stake={state.stakes[leg.selectionId] ?? ''}
                        currency={currency}
                        onStake={(text) =>
                          dispatch({ type: 'stake', selectionId: leg.selectionId, text })
                        }
                      />
                    </div>
                  ) : null}
                </li>
              );
            })}
          </ul>
          {mode !== 'singles' ? (
            <div className="slip-multiple stack" data-testid="slip-combined">
              <p>
                {mode === 'system' && system
                  ? t('slip.systemSummary', {
                      system: systemLabel(system, t),
                      count: legs.length,
                    })
                  : mode === 'builder'
                    ? t('slip.builderOf', { count: legs.length })
                    : t('slip.multipleOf', { count: legs.length })}{' '}
                {mode === 'multiple' ? (
                  <span className="muted">
                    {t('slip.combinedOdds')}{' '}
                    <span className="odds">
                      {combinedPrice(
                        legs.map((l) => l.price),
                        format,
                      ) ?? '–'}
                    </span>
                  </span>
                ) : null}
              </p>
              <StakeInput
                id="stake-multiple"
                label={stakeLabel(state, mode, t)}
                value={state.multipleStake}
                currency={currency}
                invalid={invalid.includes('multiple')}
                onChange={(text) => dispatch({ type: 'stake', selectionId: null, text })}
              />
              {mode === 'multiple' && !state.eachWay ? (
                <Payout stake={state.multipleStake} legs={legs} currency={currency} />
              ) : null}
              <LiveQuote
                body={combinedBody(state)}
                stake={state.multipleStake}
                currency={currency}
                onStake={(text) => dispatch({ type: 'stake', selectionId: null, text })}
              />
            </div>
          ) : null}
          <Funding single={mode !== 'singles' || legs.length === 1} />
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
