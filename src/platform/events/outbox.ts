// The transactional outbox: a change and the event announcing it commit together; a relay
// publishes committed events to the bus afterwards. Nothing is published from memory.
import type { Db, Tx } from '../db/db.ts';
import { currentTraceparent } from '../observability/tracing.ts';

export interface OutboxEvent<P = Record<string, unknown>> {
  id: bigint;
  type: string;
  aggregateId: string;
  payload: P;
  createdAt: Date;
  /** W3C traceparent of the transaction that wrote it (tracing on), so handlers continue its trace. */
  traceparent?: string | null;
}

export interface NewEvent {
  type: string;
  aggregateId: string;
  payload: Record<string, unknown>;
}

export async function emit(tx: Tx, ...events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  const { cte, params } = emitSql(events, 1);
  await tx.query(`WITH ${cte} SELECT 1`, params);
}

/**
 * `emit` as a common table expression (`outbox_emitted`) for a caller that writes its change
 * in the same statement; its placeholders are numbered from `first`, in the order of `params`.
 */
export function emitSql(
  events: readonly NewEvent[],
  first: number,
): { cte: string; params: unknown[] } {
  const $ = (n: number) => `$${first + n - 1}`;
  return {
    cte: `outbox_emitted AS (
       INSERT INTO platform.outbox (type, aggregate_id, payload, trace_context)
       SELECT e.*, ${$(4)}::text FROM unnest(${$(1)}::text[], ${$(2)}::text[], ${$(3)}::jsonb[]) AS e
     )`,
    params: [
      events.map((e) => e.type),
      events.map((e) => e.aggregateId),
      events.map((e) => JSON.stringify(e.payload)),
      currentTraceparent(),
    ],
  };
}

interface OutboxRow {
  id: bigint;
  type: string;
  aggregate_id: string;
  payload: Record<string, unknown>;
  created_at: Date;
  trace_context: string | null;
}

/**
 * Leases up to `limit` unpublished events, hands them to `publish` outside any transaction
 * (handlers run their own), then marks them published. Delivery is at least once: a relay
 * that dies mid-batch leaves the lease to expire and the batch is published again.
 * Returns how many events were published.
 */
export async function relayBatch(
  db: Db,
  limit: number,
  publish: (events: OutboxEvent[]) => Promise<void>,
  leaseSeconds = 30,
): Promise<number> {
  const rows = await db.query<OutboxRow>(
    `UPDATE platform.outbox SET leased_until = now() + make_interval(secs => $2)
     WHERE id IN (
       SELECT id FROM platform.outbox
       WHERE published_at IS NULL AND (leased_until IS NULL OR leased_until < now())
       ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING id, type, aggregate_id, payload, created_at, trace_context`,
    [limit, leaseSeconds],
  );
  if (rows.length === 0) return 0;
  rows.sort((a, b) => (a.id < b.id ? -1 : 1));
  await publish(
    rows.map((r) => ({
      id: r.id,
      type: r.type,
      aggregateId: r.aggregate_id,
      payload: r.payload,
      createdAt: r.created_at,
      ...(r.trace_context ? { traceparent: r.trace_context } : {}),
    })),
  );
  await db.query('UPDATE platform.outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [
    rows.map((r) => r.id),
  ]);
  return rows.length;
}
