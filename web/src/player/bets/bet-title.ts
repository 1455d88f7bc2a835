// How a bet is named and its state told: one place for every bet type and status, so that
// new types (system, builder, each-way) and states (pending, cashed out) read the same
// everywhere.
import type { Bet } from '../../api/types.ts';
import type { I18n, MessageKey } from '../../lib/i18n.tsx';

const STATUS: Record<string, MessageKey> = {
  pending: 'bets.status.pending',
  open: 'bets.status.open',
  won: 'bets.status.won',
  lost: 'bets.status.lost',
  void: 'bets.status.void',
  cashed_out: 'bets.status.cashed_out',
  rejected: 'bets.status.rejected',
};

/** "Single", "Multiple (3)", "Yankee (11 bets)", "Each-way single" … */
export function betTitle(bet: Bet, t: I18n['t']): string {
  let title: string;
  if (bet.kind === 'multiple') title = t('bets.multiple', { count: bet.legs.length });
  else if (bet.kind === 'system') {
    title = t('bets.system', { system: bet.system ?? '', lines: bet.lines });
  } else if (bet.kind === 'builder') title = t('bets.builder', { count: bet.legs.length });
  else title = t('bets.single');
  return bet.eachWay ? t('bets.eachWay', { bet: title }) : title;
}

/** A status in words; an unknown new status shows as the API names it. */
export function statusLabel(status: string, t: I18n['t']): string {
  const key = STATUS[status];
  return key ? t(key) : status.replaceAll('_', ' ');
}
