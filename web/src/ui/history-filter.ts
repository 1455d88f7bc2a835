// Which cash movements the wallet history shows: a period (the last 30 days, three months …
// or between two dates), which the server filters, and a kind of movement, filtered here.

export type Period = '30d' | '90d' | '180d' | '365d' | 'custom';
export type KindFilter = 'all' | 'payments' | 'bets' | 'winnings';

export const PERIODS: readonly Period[] = ['30d', '90d', '180d', '365d', 'custom'];
export const KIND_FILTERS: readonly KindFilter[] = ['all', 'payments', 'bets', 'winnings'];

const PERIOD_DAYS: Record<Exclude<Period, 'custom'>, number> = {
  '30d': 30,
  '90d': 90,
  '180d': 180,
  '365d': 365,
};

export interface HistoryFilter {
  period: Period;
  /** Dates as typed in date inputs (YYYY-MM-DD, local time), for the custom period. */
  from: string;
  to: string;
  kind: KindFilter;
}

export const defaultFilter = (): HistoryFilter => ({
  period: '90d',
  from: '',
  to: '',
  kind: 'all',
});

/** The period as instants [from, to) in milliseconds; null bounds are open. */
export function periodRange(
  filter: HistoryFilter,
  now: number = Date.now(),
): { from: number | null; to: number | null } {
  if (filter.period !== 'custom') {
    return { from: now - PERIOD_DAYS[filter.period] * 86_400_000, to: null };
  }
  const day = (text: string) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    if (!m) return null;
    const date = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    return Number.isNaN(date.getTime()) ? null : date.getTime();
  };
  const from = day(filter.from);
  const to = day(filter.to);
  // "to" is inclusive: up to the end of that day.
  return { from, to: to === null ? null : to + 86_400_000 };
}

/** Whether a movement of this kind is shown under the kind filter. */
export function kindMatches(kind: string, filter: KindFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'payments':
      return kind.startsWith('deposit') || kind.startsWith('withdrawal');
    case 'bets':
      return kind.startsWith('bet_stake') || kind.startsWith('cash_out');
    case 'winnings':
      return kind.startsWith('bet_winnings') || kind.startsWith('cash_out');
  }
}
