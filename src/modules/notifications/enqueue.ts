// The outbox consumer of the notifications worker. In its transaction (one per published batch
// of events) it only writes:
// the composed messages as deliveries (one per event and channel: the send's idempotency
// key), and mail into the back office's mail log. Sending happens later, in the dispatcher,
// so a slow or failing provider never holds up the relay. An event that cannot be composed
// is recorded as a dead letter instead of failing — a poison message must not stop the relay
// for every other consumer.
import type { Tx } from '../../platform/db/db.ts';
import type { Consumer } from '../../platform/events/bus.ts';
import type { OutboxEvent } from '../../platform/events/outbox.ts';
import type { Metrics } from '../../platform/observability/metrics.ts';
import { currentTraceparent } from '../../platform/observability/tracing.ts';
import {
  type Composed,
  type ComposeOptions,
  composeAll,
  NOTIFIED_EVENT_TYPES,
  Unrenderable,
} from './compose.ts';

export const CONSUMER_NAME = 'notifications.mail';

function traceOf(event: OutboxEvent): string | null {
  return (
    (event as OutboxEvent & { traceparent?: string | null }).traceparent ?? currentTraceparent()
  );
}

async function enqueue(
  tx: Tx,
  events: readonly OutboxEvent[],
  options: ComposeOptions & { metrics?: Metrics | undefined },
): Promise<void> {
  const composed = await composeAll(tx, events, options);
  const deliveries: (Composed & { event: OutboxEvent })[] = [];
  const dead: { event: OutboxEvent; reason: string }[] = [];
  events.forEach((event, i) => {
    const outcome = composed[i]!;
    if (outcome instanceof Unrenderable) dead.push({ event, reason: outcome.message });
    else for (const m of outcome) deliveries.push({ ...m, event });
  });
  if (deliveries.length > 0) {
    await tx.query(
      `INSERT INTO notifications.deliveries
         (event_id, event_type, channel, template, locale, account_id, recipient, subject,
          body, trace_context)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
         $6::uuid[], $7::text[], $8::text[], $9::text[], $10::text[])
       ON CONFLICT (event_id, channel) DO NOTHING`,
      [
        deliveries.map((d) => d.event.id),
        deliveries.map((d) => d.event.type),
        deliveries.map((d) => d.channel),
        deliveries.map((d) => d.template),
        deliveries.map((d) => d.locale),
        deliveries.map((d) => d.accountId),
        deliveries.map((d) => d.to),
        deliveries.map((d) => d.rendered.subject),
        deliveries.map((d) => d.rendered.text),
        deliveries.map((d) => traceOf(d.event)),
      ],
    );
    const mail = deliveries.filter((d) => d.channel === 'email');
    if (mail.length > 0)
      await tx.query(
        `INSERT INTO notifications.mail (event_id, to_address, subject, body)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[])
         ON CONFLICT (event_id) DO NOTHING`,
        [
          mail.map((d) => d.event.id),
          mail.map((d) => d.to),
          mail.map((d) => d.rendered.subject),
          mail.map((d) => d.rendered.text),
        ],
      );
  }
  if (dead.length > 0) {
    options.metrics?.consumerFailures.inc({ consumer: CONSUMER_NAME }, dead.length);
    options.metrics?.notificationsDeadLettered.inc({ channel: 'email' }, dead.length);
    await tx.query(
      `INSERT INTO notifications.deliveries
         (event_id, event_type, channel, template, locale, recipient, subject, body, status,
          last_error, dead_at, trace_context)
       SELECT id, type, 'email', 'unrenderable', 'en', '', NULL, reason, 'dead', reason, now(), trace
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS d (id, type, reason, trace)
       ON CONFLICT (event_id, channel) DO NOTHING`,
      [
        dead.map((d) => d.event.id),
        dead.map((d) => d.event.type),
        dead.map((d) => d.reason),
        dead.map((d) => traceOf(d.event)),
      ],
    );
  }
}

export function notificationsConsumer(
  options: ComposeOptions & { metrics?: Metrics | undefined },
): Consumer {
  return {
    name: CONSUMER_NAME,
    types: NOTIFIED_EVENT_TYPES,
    handle: (tx, event) => enqueue(tx, [event], options),
    handleBatch: (tx, events) => enqueue(tx, events, options),
  };
}
