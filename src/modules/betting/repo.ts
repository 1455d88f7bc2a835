import { cursorTime, decodeCursor, encodeCursor } from '../../platform/cursor.ts';
// SQL on betting's own tables.
import type { Queryable, Tx } from '../../platform/db/db.ts';
import { betNotFound } from './errors.ts';
import { type BetRow, type BetStatus, type BetView, type LegRow, presentBet } from './views.ts';

const BET_COLUMNS = `id, kind, status, currency, stake, potential_payout, payout, accept_price_changes,
  placed_at, settled_at`;

async function legsOf(q: Queryable, betIds: string[]): Promise<Map<string, LegRow[]>> {
  const rows = await q.query<LegRow>(
    `SELECT bet_id, leg_no, selection_id, market_id, event_id, event_name, market_name, selection_name,
            price, requested_price
     FROM betting.bet_legs WHERE bet_id = ANY($1::uuid[])`,
    [betIds],
  );
  const map = new Map<string, LegRow[]>();
  for (const row of rows) {
    const list = map.get(row.bet_id);
    if (list) list.push(row);
    else map.set(row.bet_id, [row]);
  }
  return map;
}

/** A player's own bet; another player's bet is "not found", never "forbidden". */
export async function getBet(q: Queryable, playerId: string, betId: string): Promise<BetView> {
  const [bet] = await q.query<BetRow>(
    `SELECT ${BET_COLUMNS} FROM betting.bets WHERE id = $1 AND player_id = $2`,
    [betId, playerId],
  );
  if (!bet) throw betNotFound();
  return presentBet(bet, (await legsOf(q, [betId])).get(betId) ?? []);
}

export async function listBets(
  q: Queryable,
  playerId: string,
  query: { status?: 'open' | 'settled' | undefined; limit: number; cursor?: string | undefined },
): Promise<{ items: BetView[]; nextCursor: string | null }> {
  const before = query.cursor ? decodeCursor(query.cursor) : null;
  const bets = await q.query<BetRow & { cursor_at: string }>(
    `SELECT ${BET_COLUMNS},
            ${cursorTime('placed_at')} AS cursor_at
     FROM betting.bets
     WHERE player_id = $1
       AND ($2::text IS NULL OR ($2 = 'open') = (status = 'open'))
       AND ($3::text IS NULL OR (placed_at, id) < ($3::text::timestamptz, $4::uuid))
     ORDER BY placed_at DESC, id DESC LIMIT $5`,
    [playerId, query.status ?? null, before?.time ?? null, before?.id ?? null, query.limit + 1],
  );
  const page = bets.slice(0, query.limit);
  const legs = await legsOf(
    q,
    page.map((b) => b.id),
  );
  const last = page.at(-1);
  return {
    items: page.map((b) => presentBet(b, legs.get(b.id) ?? [])),
    nextCursor: bets.length > query.limit && last ? encodeCursor(last.cursor_at, last.id) : null,
  };
}

export interface OpenBet {
  id: string;
  playerId: string;
  currency: string;
  stake: bigint;
  legs: { selectionId: string; price: number }[];
}

/**
 * Locks the next open bets with a leg on `marketId`, in id order after `afterId`.
 * SKIP LOCKED lets concurrent settlers split the work instead of waiting on each other;
 * `skipLocked: false` waits for them instead (bets they settle are then no longer open).
 */
export async function lockOpenBetsOnMarket(
  tx: Tx,
  marketId: string,
  afterId: string | null,
  limit: number,
  skipLocked = true,
): Promise<OpenBet[]> {
  const bets = await tx.query<{ id: string; player_id: string; currency: string; stake: bigint }>(
    `SELECT b.id, b.player_id, b.currency, b.stake FROM betting.bets b
     WHERE b.status = 'open'
       AND b.id IN (SELECT bet_id FROM betting.bet_legs WHERE market_id = $1)
       AND ($2::uuid IS NULL OR b.id > $2)
     ORDER BY b.id LIMIT $3 FOR UPDATE OF b${skipLocked ? ' SKIP LOCKED' : ''}`,
    [marketId, afterId, limit],
  );
  const legs = await legsOf(
    tx,
    bets.map((b) => b.id),
  );
  return bets.map((b) => ({
    id: b.id,
    playerId: b.player_id,
    currency: b.currency,
    stake: b.stake,
    legs: (legs.get(b.id) ?? [])
      .sort((x, y) => x.leg_no - y.leg_no)
      .map((l) => ({ selectionId: l.selection_id, price: l.price })),
  }));
}

export interface SettledBet {
  id: string;
  status: Exclude<BetStatus, 'open'>;
  payout: bigint;
}

/** Marks locked open bets settled; returns the ids that were still open (all, normally). */
export async function markSettled(tx: Tx, settled: SettledBet[]): Promise<Set<string>> {
  if (settled.length === 0) return new Set();
  const rows = await tx.query<{ id: string }>(
    `UPDATE betting.bets b SET status = s.status, payout = s.payout, settled_at = now()
     FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS s(id, status, payout)
     WHERE b.id = s.id AND b.status = 'open'
     RETURNING b.id`,
    [settled.map((s) => s.id), settled.map((s) => s.status), settled.map((s) => s.payout)],
  );
  return new Set(rows.map((r) => r.id));
}

/** Ids of markets that still have open bets among `marketIds` (the settlement sweep). */
export async function marketsWithOpenBets(q: Queryable, marketIds: string[]): Promise<string[]> {
  const rows = await q.query<{ market_id: string }>(
    `SELECT DISTINCT l.market_id FROM betting.bet_legs l JOIN betting.bets b ON b.id = l.bet_id
     WHERE l.market_id = ANY($1::uuid[]) AND b.status = 'open'`,
    [marketIds],
  );
  return rows.map((r) => r.market_id);
}

/** Bets with a leg on a market, by status. */
export async function countBetsOnMarket(
  q: Queryable,
  marketId: string,
): Promise<{ open: number; won: number; lost: number; void: number }> {
  const rows = await q.query<{ status: BetStatus; n: bigint }>(
    `SELECT b.status, count(*) AS n FROM betting.bets b
     WHERE b.id IN (SELECT bet_id FROM betting.bet_legs WHERE market_id = $1) GROUP BY b.status`,
    [marketId],
  );
  const counts = { open: 0, won: 0, lost: 0, void: 0 };
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}
