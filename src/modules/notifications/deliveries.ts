// The delivery log and its dead-letter list: what the back office shows and what an operator
// requeues once the cause is fixed (a provider outage, a wrong SMTP password).
import type { Queryable } from '../../platform/db/db.ts';

export type DeliveryStatus = 'pending' | 'sent' | 'dead';

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  channel: string;
  template: string;
  locale: string;
  recipient: string;
  subject: string | null;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  provider: string | null;
  createdAt: string;
  nextAttemptAt: string | null;
  sentAt: string | null;
  deadAt: string | null;
}

interface Row {
  id: bigint;
  event_id: bigint;
  event_type: string;
  channel: string;
  template: string;
  locale: string;
  recipient: string;
  subject: string | null;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  provider: string | null;
  created_at: Date;
  next_attempt_at: Date;
  sent_at: Date | null;
  dead_at: Date | null;
}

export async function listDeliveries(
  q: Queryable,
  query: { status?: DeliveryStatus | undefined; limit: number },
): Promise<DeliveryView[]> {
  const rows = await q.query<Row>(
    `SELECT id, event_id, event_type, channel, template, locale, recipient, subject, status,
            attempts, last_error, provider, created_at, next_attempt_at, sent_at, dead_at
     FROM notifications.deliveries WHERE $1::text IS NULL OR status = $1
     ORDER BY id DESC LIMIT $2`,
    [query.status ?? null, query.limit],
  );
  return rows.map((r) => ({
    id: r.id.toString(),
    eventId: r.event_id.toString(),
    eventType: r.event_type,
    channel: r.channel,
    template: r.template,
    locale: r.locale,
    recipient: r.recipient,
    subject: r.subject,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    provider: r.provider,
    createdAt: r.created_at.toISOString(),
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at.toISOString() : null,
    sentAt: r.sent_at?.toISOString() ?? null,
    deadAt: r.dead_at?.toISOString() ?? null,
  }));
}

/**
 * Puts dead letters back in the queue with fresh attempts: one (`id`) or all of them.
 * Messages that could not be composed (template `unrenderable`) stay: there is nothing to send.
 * Returns how many were requeued.
 */
export async function requeueDeadLetters(
  q: Queryable,
  which: { id: string } | { all: true },
): Promise<number> {
  const rows = await q.query(
    `UPDATE notifications.deliveries
     SET status = 'pending', dead_at = NULL, attempts = 0, next_attempt_at = now(), leased_until = NULL
     WHERE status = 'dead' AND template <> 'unrenderable' AND ($1::bigint IS NULL OR id = $1::bigint)
     RETURNING 1`,
    ['id' in which ? which.id : null],
  );
  return rows.length;
}
