// The outbox consumer of the notifications worker. In the relay's transaction it only writes:
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
import { type ComposeOptions, compose, NOTIFIED_EVENT_TYPES, Unrenderable } from './compose.ts';

export const CONSUMER_NAME = 'notifications.mail';

function traceOf(event: OutboxEvent): string | null {
  return (
    (event as OutboxEvent & { traceparent?: string | null }).traceparent ?? currentTraceparent()
  );
}

async function deadLetter(tx: Tx, event: OutboxEvent, reason: string): Promise<void> {
  await tx.query(
    `INSERT INTO notifications.deliveries
       (event_id, event_type, channel, template, locale, recipient, subject, body, status,
        last_error, dead_at, trace_context)
     VALUES ($1, $2, 'email', 'unrenderable', 'en', '', NULL, $3, 'dead', $3, now(), $4)
     ON CONFLICT (event_id, channel) DO NOTHING`,
    [event.id, event.type, reason, traceOf(event)],
  );
}

export function notificationsConsumer(
  options: ComposeOptions & { metrics?: Metrics | undefined },
): Consumer {
  return {
    name: CONSUMER_NAME,
    types: NOTIFIED_EVENT_TYPES,
    async handle(tx: Tx, event: OutboxEvent) {
      let messages: Awaited<ReturnType<typeof compose>>;
      try {
        messages = await compose(tx, event, options);
      } catch (error) {
        if (!(error instanceof Unrenderable)) throw error; // the database: retry the event
        options.metrics?.consumerFailures.inc({ consumer: CONSUMER_NAME });
        options.metrics?.notificationsDeadLettered.inc({ channel: 'email' });
        await deadLetter(tx, event, error.message);
        return;
      }
      for (const m of messages) {
        await tx.query(
          `INSERT INTO notifications.deliveries
             (event_id, event_type, channel, template, locale, account_id, recipient, subject,
              body, trace_context)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (event_id, channel) DO NOTHING`,
          [
            event.id,
            event.type,
            m.channel,
            m.template,
            m.locale,
            m.accountId,
            m.to,
            m.rendered.subject,
            m.rendered.text,
            traceOf(event),
          ],
        );
        if (m.channel === 'email') {
          await tx.query(
            `INSERT INTO notifications.mail (event_id, to_address, subject, body) VALUES ($1, $2, $3, $4)
             ON CONFLICT (event_id) DO NOTHING`,
            [event.id, m.to, m.rendered.subject, m.rendered.text],
          );
        }
      }
    },
  };
}
