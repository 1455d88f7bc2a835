// SQL on betting's own tables.
import { NIL as NIL_UUID } from 'uuid';
import { cursorTime, decodeCursor, encodeCursor } from '../../platform/cursor.ts';
import type { Queryable, Tx } from '../../platform/db/db.ts';
import { betNotFound } from './errors.ts';
import { shardSql } from './liability.ts';
import type { BetShape, PlaceTerms } from './pricing.ts';
import { type BetKind, sizesOf } from './systems.ts';
import {
  BET_COLUMNS,
  type BetRow,
  type BetStatus,
  type BetView,
  type LegRow,
  presentBet,
} from './views.ts';

export async function legsOf(q: Queryable, betIds: string[]): Promise<Map<string, LegRow[]>> {
  const rows = await q.query<LegRow>(
    `SELECT bet_id, leg_no, selection_id, market_id, event_id, event_name, market_name, selection_name,
            price, requested_price, in_play
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

/** Any bet, for staff. */
export async function getAnyBet(
  q: Queryable,
  betId: string,
): Promise<BetView & { playerId: string }> {
  const [bet] = await q.query<BetRow & { player_id: string }>(
    `SELECT ${BET_COLUMNS}, player_id FROM betting.bets WHERE id = $1`,
    [betId],
  );
  if (!bet) throw betNotFound();
  return {
    ...presentBet(bet, (await legsOf(q, [betId])).get(betId) ?? []),
    playerId: bet.player_id,
  };
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
       AND ($2::text IS NULL OR ($2 = 'open') = (status IN ('open', 'pending')))
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

/** A bet as settlement, cash out and the pending-bet check see it, with its legs. */
export interface BetForMoney {
  id: string;
  playerId: string;
  currency: string;
  kind: BetKind;
  status: BetStatus;
  stake: bigint;
  /** The stake not cashed out. */
  openStake: bigint;
  cashedOutStake: bigint;
  cashedOutValue: bigint;
  payout: bigint | null;
  potentialPayout: bigint;
  settlementVersion: number;
  placedAt: Date;
  liability: bigint;
  acceptPriceChanges: 'none' | 'higher' | 'any';
  autoCashOutValue: bigint | null;
  voidedBy: string | null;
  shape: BetShape;
  legs: {
    legNo: number;
    selectionId: string;
    marketId: string;
    price: number;
    requestedPrice: number;
    eachWay: PlaceTerms | null;
    inPlay: boolean;
  }[];
}

interface MoneyRow {
  id: string;
  player_id: string;
  currency: string;
  kind: BetKind;
  system: string | null;
  each_way: boolean;
  lines: number;
  stake_per_line: bigint;
  status: BetStatus;
  stake: bigint;
  cashed_out_stake: bigint;
  cashed_out_value: bigint;
  payout: bigint | null;
  potential_payout: bigint;
  builder_price: number | null;
  settlement_version: number;
  placed_at: Date;
  liability: bigint;
  accept_price_changes: 'none' | 'higher' | 'any';
  auto_cash_out_value: bigint | null;
  voided_by: string | null;
}

const MONEY_COLUMNS = `b.id, b.player_id, b.currency, b.kind, b.system, b.each_way, b.lines, b.stake_per_line,
  b.status, b.stake, b.cashed_out_stake, b.cashed_out_value, b.payout, b.potential_payout, b.builder_price,
  b.settlement_version, b.placed_at, b.liability, b.accept_price_changes, b.auto_cash_out_value, b.voided_by`;

async function withLegs(q: Queryable, rows: MoneyRow[]): Promise<BetForMoney[]> {
  if (rows.length === 0) return [];
  const legRows = await q.query<{
    bet_id: string;
    leg_no: number;
    selection_id: string;
    market_id: string;
    price: number;
    requested_price: number;
    each_way_places: number | null;
    each_way_num: number | null;
    each_way_den: number | null;
    in_play: boolean;
  }>(
    `SELECT bet_id, leg_no, selection_id, market_id, price, requested_price, each_way_places, each_way_num,
            each_way_den, in_play
     FROM betting.bet_legs WHERE bet_id = ANY($1::uuid[]) ORDER BY bet_id, leg_no`,
    [rows.map((r) => r.id)],
  );
  const byBet = new Map<string, BetForMoney['legs']>();
  for (const l of legRows) {
    const list = byBet.get(l.bet_id) ?? [];
    list.push({
      legNo: l.leg_no,
      selectionId: l.selection_id,
      marketId: l.market_id,
      price: l.price,
      requestedPrice: l.requested_price,
      eachWay:
        l.each_way_places !== null && l.each_way_num !== null && l.each_way_den !== null
          ? { places: l.each_way_places, num: l.each_way_num, den: l.each_way_den }
          : null,
      inPlay: l.in_play,
    });
    byBet.set(l.bet_id, list);
  }
  return rows.map((b) => {
    const legs = byBet.get(b.id) ?? [];
    return {
      id: b.id,
      playerId: b.player_id,
      currency: b.currency,
      kind: b.kind,
      status: b.status,
      stake: b.stake,
      openStake: b.stake - b.cashed_out_stake,
      cashedOutStake: b.cashed_out_stake,
      cashedOutValue: b.cashed_out_value,
      payout: b.payout,
      potentialPayout: b.potential_payout,
      settlementVersion: b.settlement_version,
      placedAt: b.placed_at,
      liability: b.liability,
      acceptPriceChanges: b.accept_price_changes,
      autoCashOutValue: b.auto_cash_out_value,
      voidedBy: b.voided_by,
      shape: {
        kind: b.kind,
        sizes: sizesOf(b.kind, legs.length, b.system),
        eachWay: b.each_way,
        stakePerLine: b.stake_per_line,
        builderPrice: b.builder_price,
        prices: legs.map((l) => l.price),
      },
      legs,
    };
  });
}

/**
 * Locks the bets settlement may change — open, or settled (won, lost, void) and not voided by
 * staff — among the next `window` legs on `marketId` after the bet `afterId`, in id order; with
 * `share`, only the bets of part `share.part` of `share.parts`: those of the players whose
 * liability shard is `part` modulo `parts` (parts of a power of two up to the shard count then
 * share no player's accounts and no liability row). `next` is where the following window
 * starts, null when this one reached the market's last leg. It waits for bets others hold (a
 * cash out, a pending check): a job that skipped one would never come back.
 */
export async function lockBetsOnMarket(
  tx: Tx,
  marketId: string,
  afterId: string | null,
  window: number,
  share: { part: number; parts: number } = { part: 0, parts: 1 },
): Promise<{ bets: BetForMoney[]; next: string | null }> {
  // The window first, on the legs index alone: a filter on the players' shards inside one
  // statement with the ORDER BY … LIMIT hides how many rows pass it, and the planner then
  // scans and sorts every bet of the market for each batch.
  const [range] = await tx.query<{ last: string | null; legs: number }>(
    `SELECT bet_id AS last, (count(*) OVER ())::int AS legs FROM (
       SELECT bet_id FROM betting.bet_legs WHERE market_id = $1 AND bet_id > $2
       ORDER BY bet_id LIMIT $3) w
     ORDER BY bet_id DESC LIMIT 1`,
    [marketId, afterId ?? NIL_UUID, window],
  );
  if (!range?.last) return { bets: [], next: null };
  const rows = await tx.query<MoneyRow>(
    `SELECT ${MONEY_COLUMNS} FROM betting.bets b
     WHERE b.status IN ('open', 'won', 'lost', 'void') AND b.voided_by IS NULL
       AND b.id IN (SELECT bet_id FROM betting.bet_legs
                    WHERE market_id = $1 AND bet_id > $2 AND bet_id <= $3)
       AND b.id > $2 AND b.id <= $3
       AND ($4::int = 1 OR ${shardSql('b.player_id')} % $4::int = $5::int)
     ORDER BY b.id FOR UPDATE OF b`,
    [marketId, afterId ?? NIL_UUID, range.last, share.parts, share.part],
  );
  return {
    bets: await withLegs(tx, rows),
    next: range.legs === window ? range.last : null,
  };
}

/** Locks bets by id (ascending), whatever their state. */
export async function lockBets(tx: Tx, betIds: readonly string[]): Promise<BetForMoney[]> {
  const rows = await tx.query<MoneyRow>(
    `SELECT ${MONEY_COLUMNS} FROM betting.bets b WHERE b.id = ANY($1::uuid[]) ORDER BY b.id FOR UPDATE OF b`,
    [betIds],
  );
  return withLegs(tx, rows);
}

/** Reads bets by id without locking (quotes, auto cash-out candidates). */
export async function readBets(q: Queryable, betIds: readonly string[]): Promise<BetForMoney[]> {
  const rows = await q.query<MoneyRow>(
    `SELECT ${MONEY_COLUMNS} FROM betting.bets b WHERE b.id = ANY($1::uuid[]) ORDER BY b.id`,
    [betIds],
  );
  return withLegs(q, rows);
}

/**
 * A change settlement makes to a locked bet: reverse its current settlement, record a new one,
 * or both (a resettlement); `status` … `liability` are the bet's state afterwards.
 */
export interface BetChange {
  betId: string;
  /** The bet's settlement version before the change (a guard: the row is locked anyway). */
  fromVersion: number;
  reverse?: { version: number } | undefined;
  settle?:
    | { version: number; status: 'won' | 'lost' | 'void'; payout: bigint; openStake: bigint }
    | undefined;
  status: BetStatus;
  payout: bigint | null;
  settlementVersion: number;
  liability: bigint;
  /** Who caused it (the staff member who recorded or corrected the result) and why. */
  by: string | null;
  reason: string | null;
}

/** Writes settlement changes of locked bets, with their history. */
export async function applyBetChanges(tx: Tx, changes: readonly BetChange[]): Promise<void> {
  if (changes.length === 0) return;
  const updated = await tx.query<{ id: string }>(
    `UPDATE betting.bets b SET status = c.status, payout = c.payout,
       settled_at = CASE WHEN c.status IN ('open', 'pending') THEN NULL ELSE now() END,
       settlement_version = c.version, liability = c.liability,
       accept_after = CASE WHEN c.status = 'pending' THEN b.accept_after END
     FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::int[], $5::bigint[], $6::int[])
       AS c(id, status, payout, version, liability, from_version)
     WHERE b.id = c.id AND b.settlement_version = c.from_version
     RETURNING b.id`,
    [
      changes.map((c) => c.betId),
      changes.map((c) => c.status),
      changes.map((c) => c.payout),
      changes.map((c) => c.settlementVersion),
      changes.map((c) => c.liability),
      changes.map((c) => c.fromVersion),
    ],
  );
  if (updated.length !== changes.length)
    throw new Error('a locked bet changed its settlement version under the lock');
  const reversals = changes.filter((c) => c.reverse);
  if (reversals.length > 0) {
    await tx.query(
      `UPDATE betting.settlements s SET reversed_at = now(), reversed_by = r.by, reversal_reason = r.reason
       FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::text[]) AS r(bet_id, version, by, reason)
       WHERE s.bet_id = r.bet_id AND s.version = r.version AND s.reversed_at IS NULL`,
      [
        reversals.map((c) => c.betId),
        reversals.map((c) => c.reverse!.version),
        reversals.map((c) => c.by),
        reversals.map((c) => c.reason),
      ],
    );
  }
  const settled = changes.filter((c) => c.settle);
  if (settled.length > 0) {
    await tx.query(
      `INSERT INTO betting.settlements (bet_id, version, status, payout, open_stake, settled_by, reason)
       SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::bigint[], $5::bigint[], $6::uuid[], $7::text[])`,
      [
        settled.map((c) => c.betId),
        settled.map((c) => c.settle!.version),
        settled.map((c) => c.settle!.status),
        settled.map((c) => c.settle!.payout),
        settled.map((c) => c.settle!.openStake),
        settled.map((c) => c.by),
        settled.map((c) => c.reason),
      ],
    );
  }
}

/** Marks a locked bet as voided by staff: settlement leaves it alone from now on. */
export async function markVoidedByStaff(
  tx: Tx,
  betId: string,
  staffId: string,
  reason: string,
): Promise<void> {
  await tx.query('UPDATE betting.bets SET voided_by = $2, status_reason = $3 WHERE id = $1', [
    betId,
    staffId,
    reason,
  ]);
}

/** The settlement history of a bet, oldest first. */
export async function settlementHistory(q: Queryable, betId: string) {
  const rows = await q.query<{
    version: number;
    status: string;
    payout: bigint;
    open_stake: bigint;
    settled_by: string | null;
    reason: string | null;
    settled_at: Date;
    reversed_by: string | null;
    reversal_reason: string | null;
    reversed_at: Date | null;
  }>(
    `SELECT version, status, payout, open_stake, settled_by, reason, settled_at, reversed_by, reversal_reason,
            reversed_at
     FROM betting.settlements WHERE bet_id = $1 ORDER BY version`,
    [betId],
  );
  return rows.map((r) => ({
    version: r.version,
    status: r.status,
    payout: r.payout.toString(),
    openStake: r.open_stake.toString(),
    settledBy: r.settled_by,
    reason: r.reason,
    settledAt: r.settled_at.toISOString(),
    reversedBy: r.reversed_by,
    reversalReason: r.reversal_reason,
    reversedAt: r.reversed_at ? r.reversed_at.toISOString() : null,
  }));
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
  for (const row of rows) {
    if (row.status in counts) counts[row.status as keyof typeof counts] = Number(row.n);
  }
  return counts;
}
