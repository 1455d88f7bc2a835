// Setting deposit, loss and session-time limits. Tightening (a lower amount, or a first
// limit) binds at once; loosening (a higher amount, or removing the limit) waits out the
// jurisdiction's cooling-off and meanwhile the old limit binds. A second loosening while one
// waits is refused (`limit_cooling_off`); a tightening cancels the waiting one.
import type { Db, Queryable, Tx } from '../../platform/db/db.ts';
import { emit } from '../../platform/events/outbox.ts';
import { type AuditEntry, audit, type RequestContext } from '../audit/index.ts';
import { clockOffset, clockSql } from './clock.ts';
import { invalidLimit, limitCoolingOff } from './errors.ts';
import { LIMIT_PERIODS } from './jurisdictions.ts';
import { lockPlayer, readPlayer } from './players.ts';

export type LimitKind = 'deposit' | 'loss' | 'session';
export type LimitPeriodName = 'day' | 'week' | 'month' | 'session';

export interface LimitView {
  kind: LimitKind;
  period: LimitPeriodName;
  /** Minor units (deposit, loss) or minutes (session). */
  amount: string;
  /** A loosening waiting out its cooling-off: the new amount (null: removal) and from when. */
  pending: { amount: string | null; from: string } | null;
}

interface LimitRow {
  kind: LimitKind;
  period: LimitPeriodName;
  amount: bigint;
  pending_amount: bigint | null;
  pending_removal: boolean;
  pending_from: Date | null;
}

/** A session's longest duration, in minutes. */
export const MAX_SESSION_MINUTES = 24 * 60;

const PERIOD_ORDER: Record<LimitPeriodName, number> = { day: 0, week: 1, month: 2, session: 3 };

function present(row: LimitRow): LimitView {
  return {
    kind: row.kind,
    period: row.period,
    amount: row.amount.toString(),
    pending: row.pending_from
      ? { amount: row.pending_amount?.toString() ?? null, from: row.pending_from.toISOString() }
      : null,
  };
}

/** The player's limits as they bind now (loosenings that are due count as applied). */
export async function listLimits(q: Queryable, playerId: string): Promise<LimitView[]> {
  const rows = await q.query<LimitRow>(
    `WITH c AS (SELECT ${clockSql(2)} AS at)
     SELECT kind, period,
            CASE WHEN pending_from <= c.at THEN pending_amount ELSE amount END AS amount,
            CASE WHEN pending_from <= c.at THEN NULL ELSE pending_amount END AS pending_amount,
            CASE WHEN pending_from <= c.at THEN false ELSE pending_removal END AS pending_removal,
            CASE WHEN pending_from <= c.at THEN NULL ELSE pending_from END AS pending_from
     FROM compliance.limits, c WHERE player_id = $1`,
    [playerId, clockOffset()],
  );
  return rows
    .filter((r) => r.amount !== null)
    .sort((a, b) => a.kind.localeCompare(b.kind) || PERIOD_ORDER[a.period] - PERIOD_ORDER[b.period])
    .map(present);
}

export interface SetLimit {
  kind: LimitKind;
  period: LimitPeriodName;
  /** null removes the limit (after the cooling-off). */
  amount: bigint | null;
}

export interface LimitChange {
  limit: LimitView | null;
  /** `immediate`: binds now; `pending`: after the cooling-off; `unchanged`: nothing to do. */
  effect: 'immediate' | 'pending' | 'unchanged';
}

export interface LimitDeps {
  db: Db;
  countries: Readonly<Record<string, string>>;
}

/** Applies a loosening whose cooling-off is over (in the caller's transaction). */
async function foldDue(tx: Tx, playerId: string, kind: LimitKind, period: LimitPeriodName) {
  await tx.query(
    `DELETE FROM compliance.limits
     WHERE player_id = $1 AND kind = $2 AND period = $3 AND pending_removal AND pending_from <= ${clockSql(4)}`,
    [playerId, kind, period, clockOffset()],
  );
  await tx.query(
    `UPDATE compliance.limits
     SET amount = pending_amount, pending_amount = NULL, pending_from = NULL, set_at = now()
     WHERE player_id = $1 AND kind = $2 AND period = $3 AND pending_amount IS NOT NULL
       AND pending_from <= ${clockSql(4)}`,
    [playerId, kind, period, clockOffset()],
  );
}

/**
 * Sets one limit for a player (by the player, or by staff with `players:limits`). Throws
 * `invalid_limit` for a period the jurisdiction does not offer and `limit_cooling_off` when a
 * loosening is already waiting.
 */
export async function setLimit(
  deps: LimitDeps,
  playerId: string,
  change: SetLimit,
  who: { actor: AuditEntry['actor']; context?: RequestContext | undefined },
): Promise<LimitChange> {
  return deps.db.transaction(async (tx) => {
    const player = await lockPlayer(tx, playerId, deps.countries);
    const { pack } = player;
    if (change.kind === 'session') {
      if (change.period !== 'session')
        throw invalidLimit('A session limit has the period "session".');
      if (change.amount !== null && (change.amount < 1n || change.amount > MAX_SESSION_MINUTES))
        throw invalidLimit(`A session limit is 1 to ${MAX_SESSION_MINUTES} minutes.`, {
          maxMinutes: MAX_SESSION_MINUTES,
        });
    } else {
      const offered = pack.limitPeriods as readonly string[];
      if (
        !offered.includes(change.period) ||
        !(LIMIT_PERIODS as readonly string[]).includes(change.period)
      )
        throw invalidLimit(`Limits here are per ${offered.join(', ')}.`, { periods: offered });
      if (change.amount !== null && change.amount < 1n)
        throw invalidLimit('A limit is at least one minor unit; send null to remove it.');
    }
    await tx.query(
      'UPDATE compliance.players SET limits_prompt_answered = coalesce(limits_prompt_answered, now()) WHERE player_id = $1',
      [playerId],
    );
    await foldDue(tx, playerId, change.kind, change.period);
    const [current] = await tx.query<LimitRow>(
      `SELECT kind, period, amount, pending_amount, pending_removal, pending_from
       FROM compliance.limits WHERE player_id = $1 AND kind = $2 AND period = $3`,
      [playerId, change.kind, change.period],
    );
    const before = current ? present(current) : null;
    const loosens =
      current !== undefined && (change.amount === null || change.amount > current.amount);
    let effect: LimitChange['effect'];
    if (!current) {
      if (change.amount === null) return { limit: null, effect: 'unchanged' };
      await tx.query(
        `INSERT INTO compliance.limits (player_id, kind, period, amount) VALUES ($1, $2, $3, $4)`,
        [playerId, change.kind, change.period, change.amount],
      );
      effect = 'immediate';
    } else if (loosens) {
      if (current.pending_from) throw limitCoolingOff(current.pending_from);
      if (pack.coolingOffHours === 0) {
        if (change.amount === null) {
          await tx.query(
            'DELETE FROM compliance.limits WHERE player_id = $1 AND kind = $2 AND period = $3',
            [playerId, change.kind, change.period],
          );
        } else {
          await tx.query(
            `UPDATE compliance.limits SET amount = $4, set_at = now()
             WHERE player_id = $1 AND kind = $2 AND period = $3`,
            [playerId, change.kind, change.period, change.amount],
          );
        }
        effect = 'immediate';
      } else {
        await tx.query(
          `UPDATE compliance.limits
           SET pending_amount = $4, pending_removal = $5,
               pending_from = ${clockSql(6)} + make_interval(hours => $7)
           WHERE player_id = $1 AND kind = $2 AND period = $3`,
          [
            playerId,
            change.kind,
            change.period,
            change.amount,
            change.amount === null,
            clockOffset(),
            pack.coolingOffHours,
          ],
        );
        effect = 'pending';
      }
    } else if (change.amount === current.amount && !current.pending_from) {
      return { limit: before, effect: 'unchanged' };
    } else {
      // Tighter (or the same amount, which cancels a waiting loosening): binds at once.
      await tx.query(
        `UPDATE compliance.limits
         SET amount = $4, pending_amount = NULL, pending_removal = false, pending_from = NULL, set_at = now()
         WHERE player_id = $1 AND kind = $2 AND period = $3`,
        [playerId, change.kind, change.period, change.amount],
      );
      effect = 'immediate';
    }
    const after = (await listLimits(tx, playerId)).find(
      (l) => l.kind === change.kind && l.period === change.period,
    );
    await audit(tx, {
      actor: who.actor,
      action: 'responsible.limit_set',
      target: { type: 'account', id: playerId },
      details: { kind: change.kind, period: change.period, effect, before, after: after ?? null },
      context: who.context,
    });
    await announceLimit(tx, playerId, change.kind, change.period, {
      amount: effect === 'pending' ? (change.amount?.toString() ?? null) : (after?.amount ?? null),
      effectiveAt: effect === 'pending' ? (after?.pending?.from ?? null) : null,
    });
    return { limit: after ?? null, effect };
  });
}

/** The outbox event behind the "limit changed" mail (deposit and loss limits). */
async function announceLimit(
  tx: Tx,
  playerId: string,
  kind: LimitKind,
  period: LimitPeriodName,
  limit: { amount: string | null; effectiveAt: string | null },
) {
  const [wallet] = await tx.query<{ currency: string }>(
    `SELECT currency FROM wallet.accounts WHERE owner_id = $1 AND kind = 'player_cash' LIMIT 1`,
    [playerId],
  );
  await emit(tx, {
    type: kind === 'session' ? 'responsible.session_limit_changed' : 'responsible.limit_changed',
    aggregateId: playerId,
    payload: {
      accountId: playerId,
      limit: {
        kind,
        period,
        amount: limit.amount,
        ...(limit.effectiveAt ? { effectiveAt: limit.effectiveAt } : {}),
        ...(wallet ? { currency: wallet.currency } : {}),
      },
    },
  });
}

/**
 * Scheduled: applies loosenings whose cooling-off is over, each with its audit record and
 * its "limit changed" mail. Returns how many it applied.
 */
export async function activateDueLimits(db: Db, batch = 500): Promise<number> {
  return db.transaction(async (tx) => {
    const due = await tx.query<{
      player_id: string;
      kind: LimitKind;
      period: LimitPeriodName;
      pending_amount: bigint | null;
    }>(
      `SELECT player_id, kind, period, pending_amount FROM compliance.limits
       WHERE pending_from <= ${clockSql(1)}
       ORDER BY pending_from LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [clockOffset(), batch],
    );
    for (const row of due) {
      await foldDue(tx, row.player_id, row.kind, row.period);
      await audit(tx, {
        actor: null,
        action: 'responsible.limit_activated',
        target: { type: 'account', id: row.player_id },
        details: {
          by: 'scheduler',
          kind: row.kind,
          period: row.period,
          amount: row.pending_amount?.toString() ?? null,
        },
      });
      await announceLimit(tx, row.player_id, row.kind, row.period, {
        amount: row.pending_amount?.toString() ?? null,
        effectiveAt: null,
      });
    }
    return due.length;
  });
}

/** The player answered the limits prompt without setting a limit. */
export async function declineLimitsPrompt(
  deps: LimitDeps,
  playerId: string,
  context?: RequestContext,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    await lockPlayer(tx, playerId, deps.countries);
    await tx.query(
      'UPDATE compliance.players SET limits_prompt_answered = coalesce(limits_prompt_answered, now()) WHERE player_id = $1',
      [playerId],
    );
    await audit(tx, {
      actor: { id: playerId, kind: 'player' },
      action: 'responsible.limits_prompt_declined',
      target: { type: 'account', id: playerId },
      context,
    });
  });
}

export { readPlayer };
