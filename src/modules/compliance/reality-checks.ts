// Reality checks: every so many minutes of a session (the player's choice, or the
// jurisdiction's default), the player is shown how long the session has lasted and what they
// staked and got back in it, and must acknowledge before carrying on — or end the session.
// A scheduled job finds the sessions that are due and announces each check through the
// outbox; the realtime gateway pushes it to the player's `me` topic, and the API serves the
// one waiting to be acknowledged.
import type { Db, Queryable } from '../../platform/db/db.ts';
import { emit } from '../../platform/events/outbox.ts';
import { audit, type RequestContext } from '../audit/index.ts';
import { revokeSession } from '../identity/index.ts';
import { clockOffset, clockSql } from './clock.ts';
import { realityCheckNotFound, realityCheckRequired } from './errors.ts';
import { allPacks } from './jurisdictions.ts';
import { lockPlayer } from './players.ts';

export interface RealityCheckView {
  id: string;
  dueAt: string;
  /** Seconds since the session began. */
  elapsedSeconds: number;
  /** Stakes of the bets placed in the session, and what came back from them so far. */
  staked: string;
  returned: string;
  /** returned − staked (negative: a loss). */
  net: string;
  currency: string;
  acknowledgedAt: string | null;
}

interface Row {
  id: string;
  player_id: string;
  session_id: string;
  due_at: Date;
  elapsed_seconds: number;
  staked: bigint;
  returned: bigint;
  currency: string;
  acknowledged_at: Date | null;
}

export function presentCheck(row: Row): RealityCheckView {
  return {
    id: row.id,
    dueAt: row.due_at.toISOString(),
    elapsedSeconds: row.elapsed_seconds,
    staked: row.staked.toString(),
    returned: row.returned.toString(),
    net: (BigInt(row.returned) - BigInt(row.staked)).toString(),
    currency: row.currency.trim(),
    acknowledgedAt: row.acknowledged_at?.toISOString() ?? null,
  };
}

const COLUMNS =
  'id, player_id, session_id, due_at, elapsed_seconds, staked, returned, currency, acknowledged_at';

/**
 * Scheduled: creates the reality checks that are due in live sessions and announces them
 * (`responsible.reality_check_due`). Returns how many it created.
 */
export async function emitDueRealityChecks(db: Db, batch = 500): Promise<number> {
  const packs = allPacks();
  return db.transaction(async (tx) => {
    // Sessions and bets are read here and nowhere written: the check reports on them.
    const rows = await tx.query<Row>(
      `WITH c AS (SELECT ${clockSql(1)} AS at),
       d AS (SELECT * FROM unnest($2::text[], $3::int[]) AS d(jurisdiction, minutes)),
       p AS (
         SELECT p.player_id, coalesce(p.reality_check_minutes, d.minutes) AS minutes
         FROM compliance.players p LEFT JOIN d ON d.jurisdiction = p.jurisdiction
         WHERE NOT p.reality_checks_off AND coalesce(p.reality_check_minutes, d.minutes) IS NOT NULL),
       due AS (
         SELECT s.id AS session_id, s.account_id AS player_id, s.created_at AS began, c.at
         FROM p JOIN identity.sessions s ON s.account_id = p.player_id CROSS JOIN c
         WHERE s.revoked_at IS NULL AND s.expires_at > now()
           AND s.last_seen_at + make_interval(secs => s.idle_seconds) > now()
           AND NOT EXISTS (SELECT 1 FROM compliance.reality_checks r
                           WHERE r.session_id = s.id AND r.acknowledged_at IS NULL)
           AND coalesce((SELECT max(r.due_at) FROM compliance.reality_checks r WHERE r.session_id = s.id),
                        s.created_at) + make_interval(mins => p.minutes) <= c.at
         LIMIT $4)
       INSERT INTO compliance.reality_checks (id, player_id, session_id, due_at, elapsed_seconds, staked, returned, currency)
       SELECT gen_random_uuid(), due.player_id, due.session_id, due.at,
              greatest(0, extract(epoch FROM due.at - due.began))::int,
              coalesce(b.staked, 0), coalesce(b.returned, 0), w.currency
       FROM due
       JOIN wallet.accounts w ON w.owner_id = due.player_id AND w.kind = 'player_cash'
       LEFT JOIN LATERAL (
         SELECT sum(stake) AS staked, sum(coalesce(payout, 0) + cashed_out_value) AS returned
         FROM betting.bets WHERE player_id = due.player_id AND placed_at >= due.began) b ON true
       RETURNING ${COLUMNS}`,
      [
        clockOffset(),
        packs.map((p) => p.id),
        packs.map((p) => p.realityCheck.defaultMinutes),
        batch,
      ],
    );
    for (const row of rows) {
      await emit(tx, {
        type: 'responsible.reality_check_due',
        aggregateId: row.player_id,
        payload: { playerId: row.player_id, sessionId: row.session_id, check: presentCheck(row) },
      });
    }
    return rows.length;
  });
}

/** The check waiting for the player's acknowledgement in this session (any, without one). */
export async function pendingRealityCheck(
  q: Queryable,
  playerId: string,
  sessionId: string | null,
): Promise<RealityCheckView | null> {
  const [row] = await q.query<Row>(
    `SELECT ${COLUMNS} FROM compliance.reality_checks
     WHERE player_id = $1 AND acknowledged_at IS NULL AND ($2::uuid IS NULL OR session_id = $2)
     ORDER BY due_at DESC LIMIT 1`,
    [playerId, sessionId],
  );
  return row ? presentCheck(row) : null;
}

export interface RealityCheckDeps {
  db: Db;
  countries: Readonly<Record<string, string>>;
}

/** Acknowledges a check; `endSession` also ends the session it was shown in. */
export async function acknowledgeRealityCheck(
  deps: RealityCheckDeps,
  playerId: string,
  checkId: string,
  options: { endSession: boolean; context?: RequestContext | undefined },
): Promise<RealityCheckView> {
  return deps.db.transaction(async (tx) => {
    const [row] = await tx.query<Row>(
      `UPDATE compliance.reality_checks SET acknowledged_at = coalesce(acknowledged_at, now())
       WHERE id = $1 AND player_id = $2 RETURNING ${COLUMNS}`,
      [checkId, playerId],
    );
    if (!row) throw realityCheckNotFound();
    if (options.endSession) await revokeSession(tx, playerId, row.session_id, 'reality_check');
    await audit(tx, {
      actor: { id: playerId, kind: 'player' },
      action: 'responsible.reality_check_acknowledged',
      target: { type: 'account', id: playerId },
      details: { checkId, endSession: options.endSession },
      context: options.context,
    });
    return presentCheck(row);
  });
}

/** Chooses the interval (minutes), or turns reality checks off where the jurisdiction allows. */
export async function setRealityCheckInterval(
  deps: RealityCheckDeps,
  playerId: string,
  minutes: number | null,
  context?: RequestContext,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const { pack } = await lockPlayer(tx, playerId, deps.countries);
    if (minutes === null && !pack.realityCheck.mayTurnOff)
      throw realityCheckRequired(pack.realityCheck.defaultMinutes ?? 60);
    await tx.query(
      `UPDATE compliance.players SET reality_check_minutes = $2, reality_checks_off = $3
       WHERE player_id = $1`,
      [playerId, minutes, minutes === null],
    );
    await audit(tx, {
      actor: { id: playerId, kind: 'player' },
      action: 'responsible.reality_check_interval',
      target: { type: 'account', id: playerId },
      details: { minutes },
      context,
    });
  });
}
