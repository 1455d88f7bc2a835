// A player's cash movements as the wallet and the support desk show them: the filter (a period,
// which the server filters, and a kind of movement, filtered here), the query the period makes,
// and the table of movements.
import { type ReactNode, useMemo, useState } from 'react';
import type { CashMovement } from '../api/types.ts';
import { type I18n, type MessageKey, useI18n } from '../lib/i18n.tsx';
import { SelectField, TextField } from './forms.tsx';
import {
  defaultFilter,
  type HistoryFilter,
  KIND_FILTERS,
  type KindFilter,
  kindMatches,
  PERIODS,
  type Period,
  periodRange,
} from './history-filter.ts';

const KINDS: Record<string, MessageKey> = {
  deposit: 'wallet.kind.deposit',
  withdrawal: 'wallet.kind.withdrawal',
  withdrawal_reversal: 'wallet.kind.withdrawal_reversal',
  bet_stake: 'wallet.kind.bet_stake',
  bet_stake_return: 'wallet.kind.bet_stake_return',
  bet_winnings: 'wallet.kind.bet_winnings',
};

export function kindLabel(kind: string, t: I18n['t']): string {
  const key = KINDS[kind];
  return key ? t(key) : kind.replaceAll('_', ' ');
}

export interface TransactionFilter {
  filter: HistoryFilter;
  set: (patch: Partial<HistoryFilter>) => void;
  /** The period as the listing's `from` / `to` query. */
  query: { from?: string; to?: string };
  /** Changes when the query does (for a list's dependencies). */
  key: string;
  /** Whether a movement passes the kind filter. */
  shows: (movement: CashMovement) => boolean;
}

export function useTransactionFilter(): TransactionFilter {
  const [filter, setFilter] = useState<HistoryFilter>(defaultFilter);
  // Fixed when the filter changes: a rolling period must not move on every render.
  const query = useMemo(() => {
    const range = periodRange(filter);
    return {
      ...(range.from === null ? {} : { from: new Date(range.from).toISOString() }),
      ...(range.to === null ? {} : { to: new Date(range.to).toISOString() }),
    };
  }, [filter]);
  return {
    filter,
    set: (patch) => setFilter((f) => ({ ...f, ...patch })),
    query,
    key: JSON.stringify(query),
    shows: (movement) => kindMatches(movement.kind, filter.kind),
  };
}

/** The period (with dates for a custom one) and kind fields; `children` go after them. */
export function TransactionFilters({
  filter: { filter, set },
  label,
  children,
}: {
  filter: TransactionFilter;
  label: string;
  children?: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label={label}>
      <SelectField
        label={t('wallet.period')}
        value={filter.period}
        onChange={(e) => set({ period: e.target.value as Period })}
        options={PERIODS.map((p) => ({ value: p, label: t(`wallet.period.${p}`) }))}
      />
      {filter.period === 'custom' ? (
        <>
          <TextField
            label={t('wallet.from')}
            type="date"
            value={filter.from}
            onChange={(e) => set({ from: e.target.value })}
          />
          <TextField
            label={t('wallet.to')}
            type="date"
            value={filter.to}
            onChange={(e) => set({ to: e.target.value })}
          />
        </>
      ) : null}
      <SelectField
        label={t('wallet.kindFilter')}
        value={filter.kind}
        onChange={(e) => set({ kind: e.target.value as KindFilter })}
        options={KIND_FILTERS.map((k) => ({ value: k, label: t(`wallet.kinds.${k}`) }))}
      />
      {children}
    </form>
  );
}

// References are long and have no spaces: they wrap rather than widen a phone's page.
const WRAP = { overflowWrap: 'anywhere' } as const;

/** When, what and how much; the ledger reference too where staff need it. */
export function TransactionsTable({
  items,
  caption,
  testId,
  className = 'table',
  references = false,
}: {
  items: CashMovement[];
  caption: string;
  testId: string;
  className?: string;
  references?: boolean;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <table className={className} data-testid={testId}>
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('wallet.when')}</th>
          <th scope="col">{t('wallet.what')}</th>
          <th scope="col" className="num">
            {t('field.amount')}
          </th>
          {references ? <th scope="col">{t('support.reference')}</th> : null}
        </tr>
      </thead>
      <tbody>
        {items.map((tx) => (
          <tr key={tx.id}>
            <td>
              <time dateTime={tx.at}>{i18n.dateTime(tx.at)}</time>
            </td>
            <td>{kindLabel(tx.kind, t)}</td>
            <td className={`num ${tx.amount.startsWith('-') ? 'negative' : 'positive'}`}>
              {i18n.money(tx.amount, tx.currency)}
            </td>
            {references ? (
              <td style={WRAP}>
                <code className="small">{tx.reference}</code>
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
