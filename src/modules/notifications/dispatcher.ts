// Sends the deliveries the consumer queued. Each pass leases due rows (FOR UPDATE SKIP
// LOCKED, so any number of workers share the queue and none sends a row another holds),
// counts the attempt, sends outside any transaction, and records the outcome:
//   sent      — with the provider's message id (the batch's sent rows in one statement);
//   retried   — a transient failure: next attempt after retrySeconds × 2^(attempt−1), with
//               jitter, at most 6 hours;
//   dead      — a permanent failure, or the attempts ran out: the dead-letter list, from
//               which an operator requeues (npm run notifications:retry).
// The attempt is counted when the row is leased, so a message that crashes the worker runs
// out of attempts too instead of crashing it forever.
import { SpanKind } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Db } from '../../platform/db/db.ts';
import { backoffSeconds, startDeliveryLoop } from '../../platform/events/delivery.ts';
import type { Metrics } from '../../platform/observability/metrics.ts';
import { contextFrom, inSpan } from '../../platform/observability/tracing.ts';
import {
  type Channel,
  messageIdOf,
  type OutgoingMessage,
  PermanentFailure,
  type Provider,
} from './channels.ts';

export interface DispatcherOptions {
  db: Db;
  providers: Record<Channel, Provider>;
  maxAttempts: number;
  retrySeconds: number;
  pollMs: number;
  log: Logger;
  metrics?: Metrics | undefined;
  /** false: only `runOnce()` sends (tests drive it). */
  poll?: boolean;
  batchSize?: number;
  /** A provider call taking longer than this counts as a transient failure. */
  sendTimeoutMs?: number;
  /** How long a leased row stays with this worker before another may take it. */
  leaseSeconds?: number;
}

export interface Dispatcher {
  /** Sends what is due now; resolves with how many deliveries it tried. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

interface Leased {
  id: bigint;
  event_id: bigint;
  channel: Channel;
  template: string;
  locale: string;
  recipient: string;
  subject: string | null;
  body: string;
  attempts: number;
  trace_context: string | null;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function startDispatcher(options: DispatcherOptions): Dispatcher {
  const { db, providers, log, metrics } = options;
  const batchSize = options.batchSize ?? 50;
  const sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
  const leaseSeconds = options.leaseSeconds ?? Math.ceil((sendTimeoutMs * 2) / 1000);
  // A settlement's burst of mail outgrows the statistics of the table before autovacuum
  // analyzes it, and two plans that suit a small table cost a large one dearly:
  // - as `id IN (subquery)`, a nested loop chose the due rows again for every row (seconds a
  //   lease), so they are chosen once (an array), then updated by id;
  // - with `next_attempt_at <= now()` as an index condition, a bitmap scan fetched every
  //   pending row and sorted them for the first batch (47 ms a lease with 60,000 pending), so
  //   the first pending rows are taken in the index's order and only then kept if due. They
  //   come in `next_attempt_at` order, so the due ones come first.
  const lease = () =>
    db.query<Leased>(
      `UPDATE notifications.deliveries
       SET leased_until = now() + make_interval(secs => $2), attempts = attempts + 1
       WHERE id = ANY (ARRAY(
         SELECT id FROM (
           SELECT id, next_attempt_at FROM notifications.deliveries
           WHERE status = 'pending' AND (leased_until IS NULL OR leased_until < now())
           ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED) first
         WHERE next_attempt_at <= now()))
       RETURNING id, event_id, channel, template, locale, recipient, subject, body, attempts,
                 trace_context`,
      [batchSize, leaseSeconds],
    );

  /** A sent delivery, recorded with the rest of its batch (`recordSent`). */
  interface Sent {
    id: bigint;
    provider: string;
    providerMessageId: string | null;
  }
  const recordSent = async (outcomes: (Sent | undefined)[]): Promise<void> => {
    const sent = outcomes.filter((o) => o !== undefined);
    if (sent.length === 0) return;
    // A settlement queues a mail per bet: one statement a batch, not one a mail.
    await db.query(
      `UPDATE notifications.deliveries d
       SET status = 'sent', sent_at = now(), leased_until = NULL, last_error = NULL,
           provider = s.provider, provider_message_id = s.message_id
       FROM unnest($1::bigint[], $2::text[], $3::text[]) AS s (id, provider, message_id)
       WHERE d.id = s.id`,
      [sent.map((o) => o.id), sent.map((o) => o.provider), sent.map((o) => o.providerMessageId)],
    );
  };

  const deliver = async (row: Leased): Promise<Sent | undefined> => {
    const provider = providers[row.channel];
    const message: OutgoingMessage = {
      messageId: messageIdOf(row.event_id, row.channel),
      channel: row.channel,
      to: row.recipient,
      subject: row.subject,
      text: row.body,
      locale: row.locale,
      template: row.template,
    };
    const labels = { channel: row.channel, provider: provider.name };
    const stop = metrics?.notificationSendDuration.startTimer(labels);
    try {
      const result = await inSpan(
        `notify ${row.channel} ${row.template}`,
        () => withTimeout(provider.send(message), sendTimeoutMs),
        {
          kind: SpanKind.PRODUCER,
          parent: contextFrom(row.trace_context),
          attributes: { 'ibet.notification.attempt': row.attempts, 'ibet.provider': provider.name },
        },
      );
      stop?.();
      metrics?.notificationsSent.inc({ ...labels, template: row.template });
      return { id: row.id, provider: provider.name, providerMessageId: result.providerMessageId };
    } catch (error) {
      stop?.();
      const permanent = error instanceof PermanentFailure;
      const reason = error instanceof Error ? error.message : String(error);
      metrics?.notificationsFailed.inc({ ...labels, kind: permanent ? 'permanent' : 'transient' });
      if (permanent || row.attempts >= options.maxAttempts) {
        metrics?.notificationsDeadLettered.inc({ channel: row.channel });
        log.warn(
          {
            delivery: row.id.toString(),
            template: row.template,
            attempts: row.attempts,
            err: error,
          },
          'notification dead-lettered',
        );
        await db.query(
          `UPDATE notifications.deliveries
           SET status = 'dead', dead_at = now(), leased_until = NULL, last_error = $2, provider = $3
           WHERE id = $1`,
          [row.id, reason.slice(0, 2000), provider.name],
        );
      } else {
        const delay = backoffSeconds(row.attempts, options.retrySeconds);
        log.info(
          {
            delivery: row.id.toString(),
            attempts: row.attempts,
            retryInSeconds: Math.round(delay),
          },
          'notification send failed; will retry',
        );
        await db.query(
          `UPDATE notifications.deliveries
           SET next_attempt_at = now() + make_interval(secs => $2), leased_until = NULL,
               last_error = $3, provider = $4
           WHERE id = $1`,
          [row.id, delay, reason.slice(0, 2000), provider.name],
        );
      }
    }
  };

  const loop = startDeliveryLoop({
    lease,
    deliver,
    record: recordSent,
    batchSize,
    concurrency: 4,
    pollMs: options.pollMs,
    poll: options.poll,
    log,
    name: 'notifications dispatch',
  });
  return {
    runOnce: loop.runOnce,
    async stop() {
      await loop.stop();
      await Promise.all(Object.values(providers).map((p) => p.close?.()));
    },
  };
}

export { backoffSeconds };
