// Cash out: ask for the bet's value now (a quote valid a few seconds), show it, and cash out
// at it on confirmation — with an idempotency key kept across retries, like every money move.
// A value that moved meanwhile is shown again for a new decision, never taken silently.
import { useState } from 'react';
import type { Result } from '../../api/client.ts';
import { ApiError, isOutcomeUnknown } from '../../api/client.ts';
import { describeError } from '../../api/problems.ts';
import type { Bet } from '../../api/types.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { withIdempotencyKey } from '../../lib/keys.ts';
import { useAuth } from '../../ui/auth.tsx';
import { useBusy } from '../../ui/hooks.ts';
import { useNotify } from '../../ui/notices.tsx';

type Quote = Result<'POST /api/v1/bets/{id}/cash-out/quote'>;

export function CashOut({ bet, onCashedOut }: { bet: Bet; onCashedOut: (bet: Bet) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const notify = useNotify();
  const [busy, run] = useBusy();
  const [quote, setQuote] = useState<Quote | null>(null);
  const [error, setError] = useState<string | null>(null);
  const money = (minor: string) => i18n.money(minor, bet.currency);

  const ask = () =>
    run(async () => {
      setError(null);
      try {
        setQuote(
          await client.call('POST /api/v1/bets/{id}/cash-out/quote', {
            path: { id: bet.id },
            body: {},
          }),
        );
      } catch (failure) {
        setQuote(null);
        setError(describeError(failure, i18n, bet.currency));
      }
    });

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
                body: {},
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
            {t('cashOut.offer', { value: money(quote.value) })}{' '}
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
        <button type="button" className="secondary small" onClick={ask} disabled={busy}>
          {t('cashOut.ask')}
        </button>
      )}
      {error ? <p className="field-error">{error}</p> : null}
    </div>
  );
}
