// Risk settings per player, set by staff with `players:limits`: a stake factor on every
// maximum stake (0.5 halves them; 0 stops the player betting) and a cash-out block.
import type { Queryable, Tx } from '../../platform/db/db.ts';
import { emit } from '../../platform/events/outbox.ts';
import { NO_RISK_SETTINGS, type PlayerRisk } from './slip.ts';

export interface PlayerRiskView {
  playerId: string;
  /** Decimal factor with up to four decimals, e.g. "0.5", "1", "2.25". */
  stakeFactor: string;
  cashOutBlocked: boolean;
  note: string | null;
  updatedBy: string | null;
  updatedAt: string | null;
}

export const formatFactor = (bps: number) => {
  const whole = Math.trunc(bps / 10_000);
  const fraction = String(bps % 10_000)
    .padStart(4, '0')
    .replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
};

export const parseFactor = (text: string) => {
  const [whole = '0', fraction = ''] = text.split('.');
  return Number(whole) * 10_000 + Number(fraction.padEnd(4, '0'));
};

export async function playerRisk(q: Queryable, playerId: string): Promise<PlayerRisk> {
  const [row] = await q.query<RiskRow>(playerRiskSql('$1'), [playerId]);
  return toPlayerRisk(row);
}

interface RiskRow {
  stake_factor_bps: number;
  cash_out_blocked: boolean;
}

/** The query of `playerRisk`, for a caller's own statement; `player` is its placeholder. */
export function playerRiskSql(player: string): string {
  return `SELECT stake_factor_bps, cash_out_blocked FROM betting.player_limits WHERE player_id = ${player}`;
}

/** A player's risk settings from their row (none: the defaults). */
export function toPlayerRisk(row: RiskRow | undefined): PlayerRisk {
  return row
    ? { stakeFactorBps: row.stake_factor_bps, cashOutBlocked: row.cash_out_blocked }
    : NO_RISK_SETTINGS;
}

export async function getPlayerRisk(q: Queryable, playerId: string): Promise<PlayerRiskView> {
  const [row] = await q.query<{
    stake_factor_bps: number;
    cash_out_blocked: boolean;
    note: string | null;
    updated_by: string;
    updated_at: Date;
  }>(
    `SELECT stake_factor_bps, cash_out_blocked, note, updated_by, updated_at
     FROM betting.player_limits WHERE player_id = $1`,
    [playerId],
  );
  return {
    playerId,
    stakeFactor: formatFactor(row?.stake_factor_bps ?? NO_RISK_SETTINGS.stakeFactorBps),
    cashOutBlocked: row?.cash_out_blocked ?? false,
    note: row?.note ?? null,
    updatedBy: row?.updated_by ?? null,
    updatedAt: row ? row.updated_at.toISOString() : null,
  };
}

export async function setPlayerRisk(
  tx: Tx,
  playerId: string,
  patch: {
    stakeFactorBps?: number | undefined;
    cashOutBlocked?: boolean | undefined;
    note?: string | undefined;
  },
  staffId: string,
): Promise<PlayerRiskView> {
  await tx.query(
    `INSERT INTO betting.player_limits (player_id, stake_factor_bps, cash_out_blocked, note, updated_by)
     VALUES ($1, COALESCE($2, 10000), COALESCE($3, false), $4, $5)
     ON CONFLICT (player_id) DO UPDATE SET
       stake_factor_bps = COALESCE($2, betting.player_limits.stake_factor_bps),
       cash_out_blocked = COALESCE($3, betting.player_limits.cash_out_blocked),
       note = COALESCE($4, betting.player_limits.note),
       updated_by = $5, updated_at = now()`,
    [
      playerId,
      patch.stakeFactorBps ?? null,
      patch.cashOutBlocked ?? null,
      patch.note ?? null,
      staffId,
    ],
  );
  const view = await getPlayerRisk(tx, playerId);
  await emit(tx, { type: 'player.risk_changed', aggregateId: playerId, payload: { ...view } });
  return view;
}
