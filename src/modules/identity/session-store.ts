// Sessions (one per sign-in) in the database: created at sign-in, touched at each refresh,
// ended by idleness, their absolute lifetime, logout or revocation.
import type { Queryable, Tx } from '../../platform/db/db.ts';
import type { AccountKind } from '../../platform/http/access.ts';

/**
 * Told when sessions end in this process, so that what it remembers of them (see tokens.ts)
 * is dropped at once; other processes notice within seconds.
 */
type EndedListener = (ended: { sessionId?: string; accountId?: string }) => void;
const endedListeners = new Set<EndedListener>();

export function onSessionsEnded(listener: EndedListener): () => void {
  endedListeners.add(listener);
  return () => endedListeners.delete(listener);
}

const announce = (ended: { sessionId?: string; accountId?: string }) => {
  for (const listener of endedListeners) listener(ended);
};

export interface SessionPolicy {
  idleSeconds: number;
  maxSeconds: number;
}

export interface SessionRow {
  id: string;
  accountId: string;
  mfaVerifiedAt: Date | null;
}

export interface SessionView {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  mfaVerifiedAt: string | null;
  current: boolean;
}

export interface Origin {
  ip: string | null;
  userAgent: string | null;
}

export async function createSession(
  tx: Tx,
  accountId: string,
  policy: SessionPolicy,
  options: Origin & { mfaVerified: boolean },
): Promise<SessionRow> {
  const [row] = await tx.query<{ id: string; mfa_verified_at: Date | null }>(
    `INSERT INTO identity.sessions (account_id, idle_seconds, expires_at, mfa_verified_at, ip, user_agent)
     VALUES ($1, $2, now() + make_interval(secs => $3), CASE WHEN $4 THEN now() END, $5, $6)
     RETURNING id, mfa_verified_at`,
    [
      accountId,
      policy.idleSeconds,
      policy.maxSeconds,
      options.mfaVerified,
      options.ip,
      options.userAgent?.slice(0, 300) ?? null,
    ],
  );
  return { id: row!.id, accountId, mfaVerifiedAt: row!.mfa_verified_at };
}

/** Records a second-factor proof in a live session; returns its time (undefined: ended). */
export async function markMfaVerified(tx: Tx, sessionId: string): Promise<Date | undefined> {
  const [row] = await tx.query<{ at: Date }>(
    `UPDATE identity.sessions SET mfa_verified_at = now()
     WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()
     RETURNING mfa_verified_at AS at`,
    [sessionId],
  );
  return row?.at;
}

export async function revokeSession(
  tx: Tx,
  accountId: string,
  sessionId: string,
  reason: string,
): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE identity.sessions SET revoked_at = now(), revoked_reason = $3
     WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL RETURNING 1`,
    [sessionId, accountId, reason],
  );
  if (rows.length > 0) announce({ sessionId });
  return rows.length > 0;
}

/** Ends every sign-in of an account (password reset, role change, self-exclusion …). */
export async function revokeSessionsOf(tx: Tx, accountId: string, reason: string): Promise<number> {
  const rows = await tx.query(
    `UPDATE identity.sessions SET revoked_at = now(), revoked_reason = $2
     WHERE account_id = $1 AND revoked_at IS NULL RETURNING 1`,
    [accountId, reason],
  );
  if (rows.length > 0) announce({ accountId });
  return rows.length;
}

/** The account's sign-ins that are still alive, newest first. */
export async function listSessions(
  q: Queryable,
  accountId: string,
  currentId: string | null,
): Promise<SessionView[]> {
  const rows = await q.query<{
    id: string;
    created_at: Date;
    last_seen_at: Date;
    expires_at: Date;
    ip: string | null;
    user_agent: string | null;
    mfa_verified_at: Date | null;
  }>(
    `SELECT id, created_at, last_seen_at, expires_at, ip, user_agent, mfa_verified_at
     FROM identity.sessions
     WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > now()
       AND last_seen_at + make_interval(secs => idle_seconds) > now()
     ORDER BY created_at DESC LIMIT 100`,
    [accountId],
  );
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.created_at.toISOString(),
    lastSeenAt: r.last_seen_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    ip: r.ip,
    userAgent: r.user_agent,
    mfaVerifiedAt: r.mfa_verified_at?.toISOString() ?? null,
    current: r.id === currentId,
  }));
}

export const policyFor = (
  kind: AccountKind,
  sessions: { player: SessionPolicy; staff: SessionPolicy },
): SessionPolicy => (kind === 'staff' ? sessions.staff : sessions.player);
