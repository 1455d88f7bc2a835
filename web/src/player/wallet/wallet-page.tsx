// The wallet: balance and money in bets, deposits and withdrawals (each with an idempotency
// key kept across retries of the same amount), and the history of cash movements over a period
// (the server filters by date, up to 12 months by default), by kind, and as a CSV download.
import { type FormEvent, useEffect, useState } from 'react';
import { isOutcomeUnknown } from '../../api/client.ts';
import { describeError } from '../../api/problems.ts';
import type { Payment } from '../../api/types.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { withIdempotencyKey } from '../../lib/keys.ts';
import { AMOUNT, currencyExponent, parseMajorToMinor } from '../../lib/money.ts';
import { useAuth } from '../../ui/auth.tsx';
import { SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy, useCursorList } from '../../ui/hooks.ts';
import { useNotify } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';
import {
  TransactionFilters,
  TransactionsTable,
  useTransactionFilter,
} from '../../ui/transactions.tsx';
import { useAccountData } from '../account/account-data.tsx';

function MoneyForm({
  direction,
  onDone,
}: {
  direction: 'deposit' | 'withdrawal';
  onDone: () => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const { currency } = useAccountData();
  const notify = useNotify();
  const [busy, run] = useBusy();
  const [amount, setAmount] = useState('');
  const [error, setError] = useState<string | null>(null);
  const exponent = currencyExponent(currency);
  const deposit = direction === 'deposit';

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const minor = parseMajorToMinor(amount, exponent);
    if (minor === null || !AMOUNT.test(minor)) {
      setError(
        exponent === 0
          ? t('wallet.amountHintWhole')
          : t('wallet.amountHint', { decimals: exponent }),
      );
      return;
    }
    setError(null);
    const body = { amount: minor };
    void run(async () => {
      try {
        const payment: Payment = await withIdempotencyKey(
          direction,
          body,
          (idempotencyKey) =>
            deposit
              ? client.call('POST /api/v1/wallet/deposits', { body, idempotencyKey })
              : client.call('POST /api/v1/wallet/withdrawals', { body, idempotencyKey }),
          isOutcomeUnknown,
        );
        const shown = i18n.money(payment.amount, payment.currency);
        if (payment.status === 'completed') {
          notify(
            deposit
              ? t('wallet.deposited', { amount: shown })
              : t('wallet.withdrawn', { amount: shown }),
            'success',
          );
          setAmount('');
        } else if (payment.status === 'pending') {
          notify(t('wallet.pending', { amount: shown }), 'info');
          setAmount('');
        } else {
          notify(t('wallet.failed', { reason: payment.failureReason ?? '–' }), 'error');
        }
        onDone();
      } catch (failure) {
        notify(
          isOutcomeUnknown(failure)
            ? t('wallet.unknownOutcome')
            : describeError(failure, i18n, currency),
          'error',
        );
      }
    });
  };

  const id = deposit ? 'deposit' : 'withdraw';
  return (
    <form className="panel stack" onSubmit={submit} aria-labelledby={`${id}-heading`} noValidate>
      <h2 id={`${id}-heading`}>{deposit ? t('wallet.deposit') : t('wallet.withdraw')}</h2>
      {deposit ? (
        <fieldset className="quick-amounts">
          <legend className="visually-hidden">{t('wallet.quickAmounts')}</legend>
          {['10', '20', '50', '100'].map((value) => (
            <button key={value} type="button" className="chip" onClick={() => setAmount(value)}>
              {i18n.money(value + '0'.repeat(exponent), currency)}
            </button>
          ))}
        </fieldset>
      ) : (
        <p className="hint">{t('wallet.withdrawHint')}</p>
      )}
      <TextField
        id={`${id}-amount`}
        label={`${t('field.amount')} (${currency})`}
        inputMode="decimal"
        autoComplete="off"
        value={amount}
        onChange={(e) => setAmount(e.target.value)}
        error={error}
        required
      />
      <SubmitButton busy={busy} busyLabel={t('common.sending')}>
        {deposit ? t('wallet.depositSubmit') : t('wallet.withdrawSubmit')}
      </SubmitButton>
    </form>
  );
}

function History({ version }: { version: number }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const notify = useNotify();
  const filter = useTransactionFilter();
  const { query } = filter;
  const list = useCursorList(
    (cursor, signal) =>
      client.call('GET /api/v1/history/transactions', {
        query: { ...query, limit: 100, ...(cursor ? { cursor } : {}) },
        signal,
      }),
    [client, version, filter.key],
  );
  const { items, hasMore, loading, error, loadMore } = list;
  const shown = items.filter(filter.shows);
  const [busy, run] = useBusy();
  const download = () =>
    run(async () => {
      // The file needs the player's token: fetched here, saved from memory.
      const token = client.tokens.get()?.accessToken;
      const params = new URLSearchParams(query).toString();
      const response = await fetch(
        `/api/v1/history/transactions/export${params ? `?${params}` : ''}`,
        {
          headers: token ? { authorization: `Bearer ${token}` } : {},
          cache: 'no-store',
        },
      );
      if (!response.ok) {
        notify(t('wallet.exportFailed'), 'error');
        return;
      }
      const url = URL.createObjectURL(await response.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = 'ibet-transactions.csv';
      a.click();
      window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
    });
  return (
    <section className="panel stack" aria-labelledby="history-heading">
      <h2 id="history-heading">{t('wallet.history')}</h2>
      <TransactionFilters filter={filter} label={t('wallet.filters')}>
        <button type="button" className="secondary" disabled={busy} onClick={() => void download()}>
          {t('wallet.export')}
        </button>
      </TransactionFilters>
      {loading && items.length === 0 ? (
        <p className="muted" role="status">
          {t('common.loading')}
        </p>
      ) : null}
      {error ? <p className="callout callout-error">{describeError(error, i18n)}</p> : null}
      {!loading && shown.length === 0 ? <p className="muted">{t('wallet.noneInFilter')}</p> : null}
      <TransactionsTable
        items={shown}
        caption={t('wallet.history')}
        testId="wallet-history"
        className="table history"
      />
      {hasMore ? (
        <button
          type="button"
          className="secondary"
          onClick={() => void loadMore()}
          disabled={loading}
        >
          {t('wallet.olderMovements')}
        </button>
      ) : null}
    </section>
  );
}

export function WalletPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const { wallet, refresh } = useAccountData();
  const [version, setVersion] = useState(0);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  const changed = () => {
    void refresh();
    setVersion((v) => v + 1);
  };
  return (
    <div className="page">
      <PageHeading>{t('wallet.title')}</PageHeading>
      <section className="panel" aria-label={t('wallet.balances')}>
        <dl className="balances">
          <div>
            <dt>{t('wallet.balance')}</dt>
            <dd data-testid="wallet-balance">
              {wallet ? i18n.money(wallet.balance, wallet.currency) : '–'}
            </dd>
          </div>
          <div>
            <dt>{t('wallet.inBets')}</dt>
            <dd>{wallet ? i18n.money(wallet.inBets, wallet.currency) : '–'}</dd>
          </div>
        </dl>
      </section>
      <p>
        <a href="#/promotions">{t('promo.bonus')}</a>
      </p>
      <div className="two-columns">
        <MoneyForm direction="deposit" onDone={changed} />
        <MoneyForm direction="withdrawal" onDone={changed} />
      </div>
      <History version={version} />
    </div>
  );
}
