// Session time limits: a sign-in lasts at most the player's chosen minutes, then it ends —
// the client's tokens stop working and the player must sign in again.
import type { Db } from '../../platform/db/db.ts';
import { emit } from '../../platform/events/outbox.ts';
import { audit } from '../audit/index.ts';
import { revokeSession } from '../identity/index.ts';
import { clockOffset, clockSql } from './clock.ts';

/** Scheduled: ends the sessions that outlasted their player's limit. Returns how many. */
export async function endOverlongSessions(db: Db, batch = 500): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ session_id: string; player_id: string; minutes: bigint }>(
      `WITH c AS (SELECT ${clockSql(1)} AS at),
       l AS (
         SELECT player_id,
                CASE WHEN pending_from <= c.at THEN pending_amount ELSE amount END AS minutes
         FROM compliance.limits, c WHERE kind = 'session')
       SELECT s.id AS session_id, s.account_id AS player_id, l.minutes
       FROM l JOIN identity.sessions s ON s.account_id = l.player_id CROSS JOIN c
       WHERE l.minutes IS NOT NULL AND s.revoked_at IS NULL AND s.expires_at > now()
         AND s.created_at + make_interval(mins => l.minutes::int) <= c.at
       LIMIT $2`,
      [clockOffset(), batch],
    );
    for (const row of rows) {
      if (!(await revokeSession(tx, row.player_id, row.session_id, 'session_time_limit'))) continue;
      await audit(tx, {
        actor: null,
        action: 'responsible.session_limit_reached',
        target: { type: 'account', id: row.player_id },
        details: { by: 'scheduler', sessionId: row.session_id, minutes: Number(row.minutes) },
      });
      await emit(tx, {
        type: 'responsible.session_limit_reached',
        aggregateId: row.player_id,
        payload: { playerId: row.player_id, sessionId: row.session_id },
      });
    }
    return rows.length;
  });
}
