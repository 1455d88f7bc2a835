// The live quote of a bet on the slip: the server's view of what the bet would be now —
// lines × unit stake, total stake, current prices, potential payout, the stake range the
// player may bet (the most it would accept: a re-offer) and every reason it would be refused
// — asked for again shortly after the slip or a price changes. Nothing is reserved by it.
import { useEffect, useRef, useState } from 'react';
import { type ApiClient, ApiError } from '../../api/client.ts';
import type { Result } from '../../api/operations.ts';
import { describeError } from '../../api/problems.ts';
import { useI18n } from '../../lib/i18n.tsx';
import type { OddsFormat } from '../../lib/odds.ts';
import type { BetRequest } from './stakes.ts';

export type Quote = Result<'POST /api/v1/betslip/quote'>;
export type QuoteBody = Omit<BetRequest['body'], 'acceptPriceChanges'>;

export interface QuoteState {
  quote: Quote | null;
  error: unknown;
  loading: boolean;
}

/** Quotes `body` (null: nothing to quote) a moment after it last changed. */
export function useQuote(
  client: ApiClient,
  body: QuoteBody | null,
  oddsFormat: OddsFormat,
  enabled: boolean,
  delayMs = 300,
): QuoteState {
  const [state, setState] = useState<QuoteState>({ quote: null, error: null, loading: false });
  const key = body && enabled ? JSON.stringify([body, oddsFormat]) : null;
  const generation = useRef(0);
  useEffect(() => {
    const mine = ++generation.current;
    if (key === null) {
      setState({ quote: null, error: null, loading: false });
      return;
    }
    const [request, format] = JSON.parse(key) as [QuoteBody, OddsFormat];
    setState((s) => ({ ...s, loading: true }));
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      client
        .call('POST /api/v1/betslip/quote', {
          body: request,
          query: { oddsFormat: format },
          signal: controller.signal,
        })
        .then(
          (quote) => {
            if (mine === generation.current) setState({ quote, error: null, loading: false });
          },
          (error: unknown) => {
            if (mine === generation.current && !controller.signal.aborted)
              setState({ quote: null, error, loading: false });
          },
        );
    }, delayMs);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [client, key, delayMs]);
  return state;
}

/** Refusal codes a different stake would cure: the quote's maximum stake is the re-offer. */
const STAKE_CODES = new Set(['stake_out_of_range', 'payout_too_high', 'liability_limit_reached']);

/** The lines, total stake, payout, refusals and re-offer of a quote, as the slip shows them. */
export function QuoteSummary({
  state,
  onUseStake,
}: {
  state: QuoteState;
  /** Puts a stake (minor units, per line) on the slip: the re-offered maximum. */
  onUseStake: (minor: string) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const { quote, error, loading } = state;
  if (!quote) {
    if (error)
      return (
        <p className="field-error" role="alert">
          {describeError(error, i18n)}
        </p>
      );
    return loading ? (
      <p className="quote muted" aria-live="polite">
        {t('quote.checking')}
      </p>
    ) : null;
  }
  const money = (minor: string) => i18n.money(minor, quote.currency);
  const reoffer =
    quote.refusals.some((r) => STAKE_CODES.has(r.code)) &&
    BigInt(quote.maxStake) > 0n &&
    BigInt(quote.maxStake) < BigInt(quote.stakePerLine);
  return (
    <div className="quote" data-testid="quote" aria-live="polite" aria-busy={loading || undefined}>
      <dl className="quote-figures">
        {quote.lines > 1 ? (
          <div>
            <dt>{t('quote.lines')}</dt>
            <dd data-testid="quote-lines">
              {t('quote.linesTimes', { lines: quote.lines, stake: money(quote.stakePerLine) })}
            </dd>
          </div>
        ) : null}
        <div>
          <dt>{t('quote.totalStake')}</dt>
          <dd data-testid="quote-total">{money(quote.totalStake)}</dd>
        </div>
        {quote.price ? (
          <div>
            <dt>{t('quote.price')}</dt>
            <dd className="odds">{quote.price}</dd>
          </div>
        ) : null}
        <div>
          <dt>{t('quote.payout')}</dt>
          <dd data-testid="quote-payout">{money(quote.potentialPayout)}</dd>
        </div>
      </dl>
      {quote.eachWay ? (
        <p className="hint">
          {quote.legs
            .filter((l) => l.eachWay)
            .map((l) =>
              t('quote.eachWayTerms', {
                selection: l.selectionName,
                places: l.eachWay?.places ?? 0,
                fraction: l.eachWay?.fraction ?? '',
              }),
            )
            .join(' ')}
        </p>
      ) : null}
      {quote.inPlay && quote.delaySeconds > 0 ? (
        <p className="callout callout-warn" data-testid="in-play-delay">
          {t('quote.inPlayDelay', { seconds: quote.delaySeconds })}
        </p>
      ) : null}
      {quote.refusals.length > 0 ? (
        <ul className="quote-refusals" data-testid="quote-refusals">
          {quote.refusals.map((r) => (
            <li key={`${r.code}-${r.detail}`} className="field-error">
              {describeError(new ApiError(r.status, r, null), i18n, quote.currency)}
            </li>
          ))}
        </ul>
      ) : null}
      {reoffer ? (
        <p className="reoffer">
          {t('quote.maxStake', { max: money(quote.maxStake) })}{' '}
          <button type="button" className="secondary" onClick={() => onUseStake(quote.maxStake)}>
            {t('quote.useMax')}
          </button>
        </p>
      ) : BigInt(quote.maxStake) > 0n && quote.acceptable ? (
        <p className="hint">
          {t('quote.range', { min: money(quote.minStake), max: money(quote.maxStake) })}
        </p>
      ) : null}
    </div>
  );
}
