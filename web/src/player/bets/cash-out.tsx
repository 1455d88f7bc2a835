// Cash out: ask for the bet's value now (a quote valid a few seconds), show it, and cash out
// at it on confirmation — with an idempotency key kept across retries, like every money move.
// A value that moved meanwhile is shown again for a new decision, never taken silently.
// Part of the stake may be cashed out (the rest stays on); a target value cashes the bet out
// by itself once its value reaches it.
import { type FormEvent, useState } from 'react';
import type { Result } from '../../api/client.ts';
import { ApiError, isOutcomeUnknown } from '../../api/client.ts';
import { describeError } from '../../api/problems.ts';
import type { Bet } from '../../api/types.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { withIdempotencyKey } from '../../lib/keys.ts';
import { currencyExponent, minorToDecimal } from '../../lib/money.ts';
import { useAuth } from '../../ui/auth.tsx';
import { useBusy } from '../../ui/hooks.ts';
import { useNotify } from '../../ui/notices.tsx';
import { checkStake } from '../slip/stakes.ts';

type Quote = Result<'POST /api/v1/bets/{id}/cash-out/quote'>;

export function CashOut({ bet, onCashedOut }: { bet: Bet; onCashedOut: (bet: Bet) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const notify = useNotify();
  const [busy, run] = useBusy();
  const [quote, setQuote] = useState<Quote | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [part, setPart] = useState('');
  const money = (minor: string) => i18n.money(minor, bet.currency);
  const openStake = bet.cashOut ? String(BigInt(bet.stake) - BigInt(bet.cashOut.stake)) : bet.stake;
  /** The part of the stake to cash out (minor units), or undefined for all of it. */
  const partStake = (): string | undefined | null => {
    if (part.trim() === '') return undefined;
    const check = checkStake(part, bet.currency);
    return check.ok ? check.minor : null;
  };
  const quoteBody = (): { stake?: string } => {
    const stake = partStake();
    return stake ? { stake } : {};
  };

  const ask = (event?: FormEvent) => {
    event?.preventDefault();
    return run(async () => {
      setError(null);
      if (partStake() === null) {
        setError(t('cashOut.partInvalid'));
        return;
      }
      try {
        setQuote(
          await client.call('POST /api/v1/bets/{id}/cash-out/quote', {
            path: { id: bet.id },
            body: quoteBody(),
          }),
        );
      } catch (failure) {
        setQuote(null);
        setError(describeError(failure, i18n, bet.currency));
      }
    });
  };

  const confirm = () =>
    run(async () => {
      if (!quote) return;
      const body = { quoteId: quote.quoteId, acceptValueChanges: 'none' as const };
      try {
        const cashed = await withIdempotencyKey(
          `cash-out:${bet.id}`,
          body,
          (idempotencyKey) =>
            client.call('POST /api/v1/bets/{id}/cash-out', {
              path: { id: bet.id },
              body,
              idempotencyKey,
            }),
          isOutcomeUnknown,
        );
        setQuote(null);
        notify(
          t('cashOut.done', { value: money(cashed.cashOut?.value ?? quote.value) }),
          'success',
        );
        onCashedOut(cashed);
      } catch (failure) {
        const code = failure instanceof ApiError ? failure.code : '';
        if (code === 'cash_out_value_changed' || code === 'cash_out_quote_expired') {
          // A fresh offer at today's value, for the player to decide again.
          setError(describeError(failure, i18n, bet.currency));
          try {
            setQuote(
              await client.call('POST /api/v1/bets/{id}/cash-out/quote', {
                path: { id: bet.id },
                body: quoteBody(),
              }),
            );
          } catch {
            setQuote(null);
          }
          return;
        }
        setQuote(null);
        setError(
          isOutcomeUnknown(failure)
            ? t('cashOut.unknown')
            : describeError(failure, i18n, bet.currency),
        );
      }
    });

  return (
    <div className="cash-out" data-testid="cash-out">
      {quote ? (
        <div className="cash-out-offer" role="status">
          <p>
            {quote.stake === openStake
              ? t('cashOut.offer', { value: money(quote.value) })
              : t('cashOut.offerPart', {
                  value: money(quote.value),
                  stake: money(quote.stake),
                  full: money(quote.fullValue),
                })}{' '}
            <span className="hint">{t('cashOut.valid')}</span>
          </p>
          <div className="actions">
            <button type="button" onClick={confirm} disabled={busy} aria-busy={busy || undefined}>
              {t('cashOut.confirm', { value: money(quote.value) })}
            </button>
            <button type="button" className="secondary" onClick={() => setQuote(null)}>
              {t('common.cancel')}
            </button>
          </div>
        </div>
      ) : (
        <form className="cash-out-ask" onSubmit={ask}>
          <div className="field">
            <label htmlFor={`cash-out-part-${bet.id}`}>
              {t('cashOut.part', { stake: money(openStake) })}
            </label>
            <input
              id={`cash-out-part-${bet.id}`}
              inputMode="decimal"
              autoComplete="off"
              placeholder={minorToDecimal(openStake, currencyExponent(bet.currency))}
              value={part}
              onChange={(e) => setPart(e.target.value)}
            />
          </div>
          <button type="submit" className="secondary small" disabled={busy}>
            {t('cashOut.ask')}
          </button>
        </form>
      )}
      {error ? <p className="field-error">{error}</p> : null}
    </div>
  );
}

/** A cash-out target: the bet is cashed out in full once its value reaches it. */
export function AutoCashOut({ bet, onSaved }: { bet: Bet; onSaved: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const notify = useNotify();
  const [busy, run] = useBusy();
  const exponent = currencyExponent(bet.currency);
  const [text, setText] = useState(
    bet.autoCashOut ? minorToDecimal(bet.autoCashOut, exponent) : '',
  );
  const [error, setError] = useState<string | null>(null);
  const save = (value: string | null) =>
    run(async () => {
      setError(null);
      try {
        await client.call('PUT /api/v1/bets/{id}/auto-cash-out', {
          path: { id: bet.id },
          body: { value },
        });
        notify(
          value === null
            ? t('autoCashOut.cleared')
            : t('autoCashOut.saved', { value: i18n.money(value, bet.currency) }),
          'success',
        );
        if (value === null) setText('');
        onSaved();
      } catch (failure) {
        setError(describeError(failure, i18n, bet.currency));
      }
    });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const check = checkStake(text, bet.currency);
    if (!check.ok) {
      setError(t('autoCashOut.invalid'));
      return;
    }
    void save(check.minor);
  };
  const id = `auto-cash-out-${bet.id}`;
  return (
    <form className="auto-cash-out" onSubmit={submit}>
      <div className="field">
        <label htmlFor={id}>{t('autoCashOut.label')}</label>
        <input
          id={id}
          inputMode="decimal"
          autoComplete="off"
          value={text}
          aria-describedby={`${id}-hint`}
          aria-invalid={error ? true : undefined}
          onChange={(e) => setText(e.target.value)}
        />
        <p id={`${id}-hint`} className="hint">
          {bet.autoCashOut
            ? t('autoCashOut.current', { value: i18n.money(bet.autoCashOut, bet.currency) })
            : t('autoCashOut.hint')}
        </p>
      </div>
      <div className="actions">
        <button type="submit" className="secondary small" disabled={busy}>
          {t('autoCashOut.save')}
        </button>
        {bet.autoCashOut ? (
          <button type="button" className="link" disabled={busy} onClick={() => void save(null)}>
            {t('autoCashOut.clear')}
          </button>
        ) : null}
      </div>
      {error ? <p className="field-error">{error}</p> : null}
    </form>
  );
}
