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

/** A system's name as people know it: "Yankee", "Lucky 15", "2 from 4". */
export function systemLabel(system: string, t: I18n['t']): string {
  const m = /^([0-9]+)\/([0-9]+)$/.exec(system);
  if (m) return t('slip.systemOf', { size: m[1] ?? '', of: m[2] ?? '' });
  return system
    .split('_')
    .map((w) =>
      w.startsWith('lucky') ? `Lucky ${w.slice(5)}` : `${w[0]?.toUpperCase() ?? ''}${w.slice(1)}`,
    )
    .join(' ');
}

/** "Single", "Multiple (3)", "Yankee (11 bets)", "Each-way single" … */
export function betTitle(bet: Bet, t: I18n['t']): string {
  let title: string;
  if (bet.kind === 'multiple') title = t('bets.multiple', { count: bet.legs.length });
  else if (bet.kind === 'system') {
    title = t('bets.system', { system: systemLabel(bet.system ?? '', t), lines: bet.lines });
  } else if (bet.kind === 'builder') title = t('bets.builder', { count: bet.legs.length });
  else title = t('bets.single');
  return bet.eachWay ? t('bets.eachWay', { bet: title }) : title;
}

/** A status in words; an unknown new status shows as the API names it. */
export function statusLabel(status: string, t: I18n['t']): string {
  const key = STATUS[status];
  return key ? t(key) : status.replaceAll('_', ' ');
}
