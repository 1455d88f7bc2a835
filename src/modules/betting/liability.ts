// Liability: the sum of the potential net losses (potential payout − stake) of the open and
// pending bets on each selection and each market, kept in the placement transaction.
//
// A single row per selection would be the one row every bet on a popular selection updates:
// bets would queue on its lock. So each selection and market has LIABILITY_SHARDS rows, and a
// bet updates only the row of its player's shard (a player's own bets already queue on their
// wallet lock, so that costs nothing). A cap is shared out as budgets between the shards
// (Σ budget = cap); a bet that fits its shard's budget never pushes the total over the cap,
// without looking at the other shards. A bet that does not fit — the cap is close, or this shard
// used its budget up — locks every shard of that key in order, checks the exact total against
// the cap and shares out what is left again. Caps are therefore exact, and only bets near a cap
// queue on one another.
import { createHash } from 'node:crypto';
import type { Queryable, Tx } from '../../platform/db/db.ts';

export const LIABILITY_SHARDS = 16;

export type LiabilityScope = 'market' | 'selection';

export interface LiabilityKey {
  scope: LiabilityScope;
  id: string;
  /** The cap for this key (null: none; exposure is still counted). */
  cap: bigint | null;
}

/** The shard of a player's bets. */
export function shardOf(playerId: string): number {
  return createHash('sha256').update(playerId).digest().readUInt16BE(0) % LIABILITY_SHARDS;
}

/**
 * `shardOf` in SQL, of the uuid expression `playerId`. The shard count divides 256, so the
 * hash's second byte alone decides it.
 */
export const shardSql = (playerId: string) =>
  `(get_byte(sha256(convert_to(${playerId}::text, 'UTF8')), 1) % ${LIABILITY_SHARDS})`;

const keyOrder = (a: { scope: string; id: string }, b: { scope: string; id: string }) =>
  a.scope.localeCompare(b.scope) || a.id.localeCompare(b.id);

/** The keys of a bet's legs: each selection and each market once. */
export function liabilityKeys(
  legs: readonly {
    selectionId: string;
    marketId: string;
    maxSelectionLiability: bigint | null;
    maxMarketLiability: bigint | null;
  }[],
): LiabilityKey[] {
  const keys = new Map<string, LiabilityKey>();
  for (const leg of legs) {
    keys.set(`selection:${leg.selectionId}`, {
      scope: 'selection',
      id: leg.selectionId,
      cap: leg.maxSelectionLiability,
    });
    keys.set(`market:${leg.marketId}`, {
      scope: 'market',
      id: leg.marketId,
      cap: leg.maxMarketLiability,
    });
  }
  return [...keys.values()].sort(keyOrder);
}

/** Creates the shard rows of keys that have none, their budgets shared out from the cap. */
async function ensureRows(tx: Tx, keys: readonly LiabilityKey[]): Promise<void> {
  await tx.query(
    `INSERT INTO betting.liability (scope, id, shard, exposure, cap, budget)
     SELECT k.scope, k.id, g, 0, k.cap,
            CASE WHEN k.cap IS NULL THEN NULL
                 ELSE k.cap / $4 + CASE WHEN g < k.cap % $4 THEN 1 ELSE 0 END END
     FROM unnest($1::text[], $2::uuid[], $3::bigint[]) AS k(scope, id, cap)
       CROSS JOIN generate_series(0, $4 - 1) AS g
     ORDER BY k.scope, k.id, g
     ON CONFLICT DO NOTHING`,
    [keys.map((k) => k.scope), keys.map((k) => k.id), keys.map((k) => k.cap), LIABILITY_SHARDS],
  );
}

/**
 * The fast path: adds `amount` to this shard of every key whose budget has room (and whose
 * budgets were shared out from the current cap); returns the keys it updated.
 */
async function addWithinBudgets(
  tx: Tx,
  keys: readonly LiabilityKey[],
  shard: number,
  amount: bigint,
): Promise<Set<string>> {
  const rows = await tx.query<{ scope: string; id: string }>(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::bigint[]) AS k(scope, id, cap)
     ), fits AS (
       SELECT l.scope, l.id FROM betting.liability l JOIN input k ON k.scope = l.scope AND k.id = l.id
       WHERE l.shard = $4 AND l.cap IS NOT DISTINCT FROM k.cap
         AND (l.budget IS NULL OR l.exposure + $5 <= l.budget)
       ORDER BY l.scope, l.id FOR UPDATE OF l
     )
     UPDATE betting.liability l SET exposure = l.exposure + $5 FROM fits f
     WHERE l.scope = f.scope AND l.id = f.id AND l.shard = $4
     RETURNING l.scope, l.id`,
    [keys.map((k) => k.scope), keys.map((k) => k.id), keys.map((k) => k.cap), shard, amount],
  );
  return new Set(rows.map((r) => `${r.scope}:${r.id}`));
}

/**
 * The slow path for one key: locks all its shards, checks the exact total and shares out the
 * room left. Returns the room there was (for the reoffer) when `amount` does not fit. With
 * `force` (a resettlement reopening a bet) it never refuses, and a key over its cap is left
 * with no room in any shard.
 */
async function addAgainstTotal(
  tx: Tx,
  key: { scope: LiabilityScope; id: string; cap?: bigint | null },
  shard: number,
  amount: bigint,
  force = false,
): Promise<{ ok: true } | { ok: false; room: bigint }> {
  const rows = await tx.query<{ shard: number; exposure: bigint; cap: bigint | null }>(
    `SELECT shard, exposure, cap FROM betting.liability WHERE scope = $1 AND id = $2 ORDER BY shard FOR UPDATE`,
    [key.scope, key.id],
  );
  const cap = key.cap === undefined ? (rows[0]?.cap ?? null) : key.cap;
  const total = rows.reduce((sum, r) => sum + r.exposure, 0n);
  if (!force && cap !== null && total + amount > cap) {
    return { ok: false, room: cap > total ? cap - total : 0n };
  }
  const exposures = rows.map((r) => (r.shard === shard ? r.exposure + amount : r.exposure));
  let budgets: (bigint | null)[];
  if (cap === null) {
    budgets = rows.map(() => null);
  } else {
    const left = cap - total - amount;
    const room = left > 0n ? left : 0n;
    const n = BigInt(rows.length);
    budgets = exposures.map((e, i) => e + room / n + (BigInt(i) < room % n ? 1n : 0n));
  }
  await tx.query(
    `UPDATE betting.liability l SET exposure = u.exposure, budget = u.budget, cap = $3
     FROM unnest($4::smallint[], $5::bigint[], $6::bigint[]) AS u(shard, exposure, budget)
     WHERE l.scope = $1 AND l.id = $2 AND l.shard = u.shard`,
    [key.scope, key.id, cap, rows.map((r) => r.shard), exposures, budgets],
  );
  return { ok: true };
}

/**
 * Reserves a bet's potential net loss on each of its keys. Returns undefined when it fits,
 * or the smallest room left among the keys it did not fit (for the reoffer); the caller then
 * refuses the bet and the transaction rolls back.
 */
export async function reserveLiability(
  tx: Tx,
  playerId: string,
  keys: readonly LiabilityKey[],
  amount: bigint,
): Promise<{ room: bigint; key: LiabilityKey } | undefined> {
  if (keys.length === 0) return undefined;
  const shard = shardOf(playerId);
  const sorted = [...keys].sort(keyOrder);
  let done = await addWithinBudgets(tx, sorted, shard, amount);
  if (done.size < sorted.length) {
    // First bets on these keys: make their rows, then try the fast path again.
    await ensureRows(
      tx,
      sorted.filter((k) => !done.has(`${k.scope}:${k.id}`)),
    );
    const retried = await addWithinBudgets(
      tx,
      sorted.filter((k) => !done.has(`${k.scope}:${k.id}`)),
      shard,
      amount,
    );
    done = new Set([...done, ...retried]);
  }
  let tightest: { room: bigint; key: LiabilityKey } | undefined;
  for (const key of sorted) {
    if (done.has(`${key.scope}:${key.id}`)) continue;
    const outcome = await addAgainstTotal(tx, key, shard, amount);
    if (!outcome.ok && (!tightest || outcome.room < tightest.room))
      tightest = { room: outcome.room, key };
  }
  return tightest;
}

/**
 * Changes the exposure of bets' keys without checking caps: releases a settled, cashed-out or
 * rejected bet's reservation (negative), or restores it for a bet a resettlement reopened
 * (positive). A release leaves its room in its shard's budget (rows locked in key order, like
 * placements do); a restore goes through the slow path, which shares the budgets out again so
 * that they still sum to the cap.
 */
export async function adjustLiability(
  tx: Tx,
  changes: readonly {
    playerId: string;
    keys: readonly { scope: LiabilityScope; id: string }[];
    delta: bigint;
  }[],
): Promise<void> {
  const sums = new Map<
    string,
    { scope: LiabilityScope; id: string; shard: number; delta: bigint }
  >();
  for (const change of changes) {
    if (change.delta === 0n) continue;
    const shard = shardOf(change.playerId);
    for (const key of change.keys) {
      const name = `${key.scope}:${key.id}:${shard}`;
      const entry = sums.get(name) ?? { ...key, shard, delta: 0n };
      entry.delta += change.delta;
      sums.set(name, entry);
    }
  }
  const entries = [...sums.values()].sort((a, b) => keyOrder(a, b) || a.shard - b.shard);
  const releases = entries.filter((e) => e.delta < 0n);
  if (releases.length > 0) {
    await tx.query(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::uuid[], $3::smallint[], $4::bigint[]) AS u(scope, id, shard, delta)
       ), locked AS (
         SELECT l.scope, l.id, l.shard, u.delta FROM betting.liability l
         JOIN input u ON u.scope = l.scope AND u.id = l.id AND u.shard = l.shard
         ORDER BY l.scope, l.id, l.shard FOR UPDATE OF l
       )
       UPDATE betting.liability l SET exposure = l.exposure + k.delta
       FROM locked k WHERE l.scope = k.scope AND l.id = k.id AND l.shard = k.shard`,
      [
        releases.map((e) => e.scope),
        releases.map((e) => e.id),
        releases.map((e) => e.shard),
        releases.map((e) => e.delta),
      ],
    );
  }
  const restores = entries.filter((e) => e.delta > 0n);
  if (restores.length > 0) {
    await ensureRows(
      tx,
      restores.map((e) => ({ scope: e.scope, id: e.id, cap: null })),
    );
    for (const e of restores) await addAgainstTotal(tx, e, e.shard, e.delta, true);
  }
}

/** The exposure (sum over shards) of keys, for quotes and reports. */
export async function exposureOf(
  q: Queryable,
  keys: readonly { scope: LiabilityScope; id: string }[],
): Promise<Map<string, bigint>> {
  if (keys.length === 0) return new Map();
  const rows = await q.query<{ scope: string; id: string; exposure: bigint }>(
    `SELECT l.scope, l.id, sum(l.exposure)::bigint AS exposure FROM betting.liability l
     JOIN unnest($1::text[], $2::uuid[]) AS k(scope, id) ON k.scope = l.scope AND k.id = l.id
     GROUP BY l.scope, l.id`,
    [keys.map((k) => k.scope), keys.map((k) => k.id)],
  );
  return new Map(rows.map((r) => [`${r.scope}:${r.id}`, r.exposure]));
}
