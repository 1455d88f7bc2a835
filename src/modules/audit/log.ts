// Writing and reading the audit log. A record is written in the transaction of the change
// it describes, so the two commit or roll back together; a refused attempt that must leave
// a trace (a failed sign-in) is recorded in a transaction of its own.
import type { Queryable, Tx } from '../../platform/db/db.ts';
import type { AccountKind } from '../../platform/http/access.ts';

/** Where a request came from; routes pass it down with every audited command. */
export interface RequestContext {
  ip: string | null;
  requestId: string | null;
}

export interface AuditEntry {
  /** Who did it; the system (a worker, a job) has no id. */
  actor: { id: string | null; kind: AccountKind | 'system' } | null;
  /** `<area>.<what>`, e.g. `auth.login`, `staff.roles_changed`. */
  action: string;
  target?: { type: string; id: string } | undefined;
  outcome?: 'success' | 'failure';
  details?: Record<string, unknown>;
  context?: RequestContext | undefined;
}

export async function audit(tx: Tx | Queryable, entry: AuditEntry): Promise<void> {
  await tx.query(
    `INSERT INTO audit.events (actor_id, actor_kind, action, target_type, target_id, outcome, ip, request_id, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)`,
    [
      entry.actor?.id ?? null,
      entry.actor?.kind ?? null,
      entry.action,
      entry.target?.type ?? null,
      entry.target?.id ?? null,
      entry.outcome ?? 'success',
      entry.context?.ip ?? null,
      entry.context?.requestId ?? null,
      JSON.stringify(entry.details ?? {}),
    ],
  );
}

export interface AuditRecord {
  id: string;
  at: string;
  actorId: string | null;
  actorKind: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: 'success' | 'failure';
  ip: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

export interface AuditQuery {
  actorId?: string | undefined;
  action?: string | undefined;
  targetId?: string | undefined;
  /** Records with a smaller id than this (the previous page's last id). */
  before?: string | undefined;
  limit: number;
}

/** Newest first, filtered; keyset-paginated by id. */
export async function listAudit(q: Queryable, query: AuditQuery): Promise<AuditRecord[]> {
  const rows = await q.query<{
    id: bigint;
    at: Date;
    actor_id: string | null;
    actor_kind: string | null;
    action: string;
    target_type: string | null;
    target_id: string | null;
    outcome: 'success' | 'failure';
    ip: string | null;
    request_id: string | null;
    details: Record<string, unknown>;
  }>(
    `SELECT id, at, actor_id, actor_kind, action, target_type, target_id, outcome, ip, request_id, details
     FROM audit.events
     WHERE ($1::uuid IS NULL OR actor_id = $1)
       AND ($2::text IS NULL OR action = $2 OR action LIKE $2 || '.%')
       AND ($3::text IS NULL OR target_id = $3)
       AND ($4::bigint IS NULL OR id < $4)
     ORDER BY id DESC LIMIT $5`,
    [
      query.actorId ?? null,
      query.action ?? null,
      query.targetId ?? null,
      query.before ?? null,
      query.limit,
    ],
  );
  return rows.map((r) => ({
    id: r.id.toString(),
    at: r.at.toISOString(),
    actorId: r.actor_id,
    actorKind: r.actor_kind,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    outcome: r.outcome,
    ip: r.ip,
    requestId: r.request_id,
    details: r.details,
  }));
}
