// Free bets: a token worth an amount, staked whole on one bet whose every leg meets its
// minimum odds and eligible sports and market types, before it expires. The token carries no
// money until it is used: placement then moves its amount from the house to the stake
// (bet-promotions.ts), and settlement takes the stake back, so a win pays the winnings only.
import { v7 as uuidv7 } from 'uuid';
import type { Queryable, Tx } from '../../platform/db/db.ts';

export interface FreeBet {
  id: string;
  playerId: string;
  currency: string;
  amount: bigint;
  minOdds: number | null;
  sports: string[];
  marketTypes: string[];
  expiresAt: Date;
  status: 'active' | 'used' | 'expired';
  betId: string | null;
  source: string;
  createdAt: Date;
}

interface Row {
  id: string;
  player_id: string;
  currency: string;
  amount: bigint;
  min_odds: number | null;
  sports: string[];
  market_types: string[];
  expires_at: Date;
  status: FreeBet['status'];
  bet_id: string | null;
  source: string;
  created_at: Date;
}

const COLUMNS =
  'id, player_id, currency, amount, min_odds, sports, market_types, expires_at, status, bet_id, source, created_at';

const toFreeBet = (r: Row): FreeBet => ({
  id: r.id,
  playerId: r.player_id,
  currency: r.currency.trim(),
  amount: r.amount,
  minOdds: r.min_odds,
  sports: r.sports,
  marketTypes: r.market_types,
  expiresAt: r.expires_at,
  status: r.status,
  betId: r.bet_id,
  source: r.source,
  createdAt: r.created_at,
});

export interface NewFreeBet {
  playerId: string;
  currency: string;
  amount: bigint;
  minOdds: number | null;
  sports: string[];
  marketTypes: string[];
  expiryDays: number;
  source: string;
}

export async function issueFreeBet(tx: Tx, input: NewFreeBet): Promise<FreeBet> {
  const [row] = await tx.query<Row>(
    `INSERT INTO promotions.free_bets (id, player_id, currency, amount, min_odds, sports, market_types, expires_at, source)
     VALUES ($1, $2, $3, $4, $5, $6::uuid[], $7::text[], now() + make_interval(days => $8), $9)
     RETURNING ${COLUMNS}`,
    [
      uuidv7(),
      input.playerId,
      input.currency,
      input.amount,
      input.minOdds,
      input.sports,
      input.marketTypes,
      input.expiryDays,
      input.source,
    ],
  );
  return toFreeBet(row!);
}

/** A player's free bet, locked (placement uses it at most once). */
export async function lockFreeBet(
  tx: Tx,
  playerId: string,
  id: string,
): Promise<(FreeBet & { expired: boolean }) | undefined> {
  const [row] = await tx.query<Row & { expired: boolean }>(
    `SELECT ${COLUMNS}, expires_at <= now() AS expired FROM promotions.free_bets
     WHERE id = $1 AND player_id = $2 FOR UPDATE`,
    [id, playerId],
  );
  return row ? { ...toFreeBet(row), expired: row.expired } : undefined;
}

export async function markFreeBetUsed(tx: Tx, id: string, betId: string): Promise<void> {
  await tx.query(
    `UPDATE promotions.free_bets SET status = 'used', bet_id = $2 WHERE id = $1 AND status = 'active'`,
    [id, betId],
  );
}

/** A void or rejected free bet gives the token back, unless it has expired meanwhile. */
export async function reinstateFreeBet(tx: Tx, id: string): Promise<void> {
  await tx.query(
    `UPDATE promotions.free_bets
     SET status = CASE WHEN expires_at > now() THEN 'active' ELSE 'expired' END, bet_id = NULL
     WHERE id = $1 AND status = 'used'`,
    [id],
  );
}

/** A resettlement that undoes a void takes the token back for its bet, if it is still unused. */
export async function reclaimFreeBet(tx: Tx, id: string, betId: string): Promise<void> {
  await tx.query(
    `UPDATE promotions.free_bets SET status = 'used', bet_id = $2
     WHERE id = $1 AND status IN ('active', 'expired')`,
    [id, betId],
  );
}

export async function listFreeBets(
  q: Queryable,
  playerId: string,
  status?: FreeBet['status'],
): Promise<FreeBet[]> {
  const rows = await q.query<Row>(
    `SELECT ${COLUMNS} FROM promotions.free_bets
     WHERE player_id = $1 AND ($2::text IS NULL OR status = $2)
     ORDER BY created_at DESC, id DESC LIMIT 200`,
    [playerId, status ?? null],
  );
  return rows.map(toFreeBet);
}

/** Marks unused free bets past their expiry as expired; returns how many. */
export async function expireFreeBets(q: Queryable): Promise<number> {
  const rows = await q.query(
    `UPDATE promotions.free_bets SET status = 'expired'
     WHERE status = 'active' AND expires_at <= now() RETURNING 1`,
  );
  return rows.length;
}
