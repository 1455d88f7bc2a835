// The delivery log a partner reads in the portal: deliveries (filter `dead` for the
// dead-letter list), each one's attempts, and redelivery — the same delivery (same id, same
// body) queued again with a fresh set of attempts.
import { cursorTime, decodeCursor, encodeCursor } from '../../platform/cursor.ts';
import type { Db, Queryable } from '../../platform/db/db.ts';
import { notFound } from '../../platform/errors.ts';
import { audit } from '../audit/index.ts';
import type { Actor } from './endpoints.ts';

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface DeliveryView {
  id: string;
  endpointId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  deadAt: string | null;
  payload: Record<string, unknown>;
}

export interface AttemptView {
  attempt: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  outcome: 'delivered' | 'retry' | 'dead';
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: Date;
  created_at: Date;
  delivered_at: Date | null;
  dead_at: Date | null;
  payload: Record<string, unknown>;
}

const COLUMNS = `d.id, d.endpoint_id, d.event_type, d.status, d.attempts, d.last_status, d.last_error,
  d.next_attempt_at, d.created_at, d.delivered_at, d.dead_at, d.payload`;

const present = (row: DeliveryRow): DeliveryView => ({
  id: row.id,
  endpointId: row.endpoint_id,
  eventType: row.event_type,
  status: row.status,
  attempts: row.attempts,
  lastStatus: row.last_status,
  lastError: row.last_error,
  nextAttemptAt: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
  createdAt: row.created_at.toISOString(),
  deliveredAt: row.delivered_at?.toISOString() ?? null,
  deadAt: row.dead_at?.toISOString() ?? null,
  payload: row.payload,
});

const deliveryNotFound = () => notFound('webhook_delivery');

/** The partner's deliveries, newest first, keyset-paginated. */
export async function listDeliveries(
  q: Queryable,
  partnerId: string,
  query: {
    limit: number;
    cursor?: string | undefined;
    status?: DeliveryStatus | undefined;
    endpointId?: string | undefined;
  },
): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
  const before = query.cursor ? decodeCursor(query.cursor) : null;
  const rows = await q.query<DeliveryRow & { cursor_at: string }>(
    `SELECT ${COLUMNS}, ${cursorTime('d.created_at')} AS cursor_at
     FROM webhooks.deliveries d JOIN webhooks.endpoints e ON e.id = d.endpoint_id
     WHERE e.partner_id = $1
       AND ($2::text IS NULL OR d.status = $2)
       AND ($3::uuid IS NULL OR d.endpoint_id = $3)
       AND ($4::text IS NULL OR (d.created_at, d.id) < ($4::text::timestamptz, $5::uuid))
     ORDER BY d.created_at DESC, d.id DESC LIMIT $6`,
    [
      partnerId,
      query.status ?? null,
      query.endpointId ?? null,
      before?.time ?? null,
      before?.id ?? null,
      query.limit + 1,
    ],
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(present),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.cursor_at, last.id) : null,
  };
}

/** One delivery with its attempts, oldest first. */
export async function getDelivery(
  q: Queryable,
  partnerId: string,
  id: string,
): Promise<DeliveryView & { log: AttemptView[] }> {
  const [row] = await q.query<DeliveryRow>(
    `SELECT ${COLUMNS} FROM webhooks.deliveries d JOIN webhooks.endpoints e ON e.id = d.endpoint_id
     WHERE d.id = $1 AND e.partner_id = $2`,
    [id, partnerId],
  );
  if (!row) throw deliveryNotFound();
  const attempts = await q.query<{
    attempt: number;
    started_at: Date;
    duration_ms: number;
    status_code: number | null;
    error: string | null;
    outcome: AttemptView['outcome'];
  }>(
    `SELECT attempt, started_at, duration_ms, status_code, error, outcome
     FROM webhooks.attempts WHERE delivery_id = $1 ORDER BY id`,
    [id],
  );
  return {
    ...present(row),
    log: attempts.map((a) => ({
      attempt: a.attempt,
      startedAt: a.started_at.toISOString(),
      durationMs: a.duration_ms,
      statusCode: a.status_code,
      error: a.error,
      outcome: a.outcome,
    })),
  };
}

/**
 * Queues a delivery again (dead, or delivered and lost by the receiver) with a fresh set of
 * attempts. The id and body stay the same, so an idempotent receiver applies it once. A
 * delivery that is still pending is left as it is.
 */
export async function redeliver(db: Db, partner: Actor, id: string): Promise<DeliveryView> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<DeliveryRow>(
      `SELECT ${COLUMNS} FROM webhooks.deliveries d JOIN webhooks.endpoints e ON e.id = d.endpoint_id
       WHERE d.id = $1 AND e.partner_id = $2 FOR UPDATE OF d`,
      [id, partner.id],
    );
    if (!row) throw deliveryNotFound();
    if (row.status === 'pending') return present(row);
    const [updated] = await tx.query<DeliveryRow>(
      `UPDATE webhooks.deliveries d
       SET status = 'pending', attempts = 0, next_attempt_at = now(), leased_until = NULL,
           dead_at = NULL, delivered_at = NULL
       WHERE d.id = $1 RETURNING ${COLUMNS}`,
      [id],
    );
    await audit(tx, {
      actor: { id: partner.id, kind: partner.kind },
      action: 'webhook_delivery.redelivered',
      target: { type: 'webhook_delivery', id },
      details: { wasStatus: row.status, attempts: row.attempts },
      context: partner.context,
    });
    return present(updated!);
  });
}

/**
 * Forgets delivered and dead deliveries (and their attempts) older than `days`: the log is
 * for investigating recent trouble, not an archive. Returns how many deliveries went.
 */
export async function pruneDeliveries(db: Db, days = 30): Promise<number> {
  return db.transaction(async (tx) => {
    const old = await tx.query<{ id: string }>(
      `SELECT id FROM webhooks.deliveries
       WHERE status <> 'pending' AND created_at < now() - make_interval(days => $1)
       ORDER BY created_at LIMIT 10000 FOR UPDATE SKIP LOCKED`,
      [days],
    );
    if (old.length === 0) return 0;
    const ids = old.map((r) => r.id);
    await tx.query('DELETE FROM webhooks.attempts WHERE delivery_id = ANY($1::uuid[])', [ids]);
    await tx.query('DELETE FROM webhooks.deliveries WHERE id = ANY($1::uuid[])', [ids]);
    return ids.length;
  });
}
