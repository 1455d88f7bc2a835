// Sends the deliveries the consumer queued. Each pass leases due rows (FOR UPDATE SKIP LOCKED:
// any number of workers share the queue, none sends a row another holds), counts the attempt,
// POSTs the signed body outside any transaction, and records the outcome in the delivery log:
//   delivered — the endpoint answered 2xx;
//   retry     — any other answer, a refused connection, or no answer within the timeout: the
//               next attempt waits retrySeconds × 2^(attempt−1), jittered, at most 6 hours;
//   dead      — the attempts ran out: the dead-letter list, from which the partner redelivers.
// The attempt is counted when the row is leased, so a delivery that crashes the worker runs
// out of attempts too. Delivery is at least once: receivers dedupe on the delivery id.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { WebhooksConfig } from '../../platform/config.ts';
import type { Db } from '../../platform/db/db.ts';
import { backoffSeconds, startDeliveryLoop } from '../../platform/events/delivery.ts';
import type { Metrics } from '../../platform/observability/metrics.ts';
import { sampledGauge } from '../../platform/observability/sampled-gauge.ts';
import { isSpecialAddress, publicOnlyLookup } from './addresses.ts';
import { signedHeaders } from './signing.ts';

/** Bytes of an endpoint's answer kept in the delivery log. */
const KEEP_ANSWER = 500;

export interface WebhookDispatcher {
  /** Sends what is due now; resolves with how many attempts it made. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

interface Leased {
  id: string;
  event_type: string;
  payload: Record<string, unknown>;
  attempts: number;
  url: string;
  secret: string;
  previous_secret: string | null;
}

interface Answer {
  status: number | null;
  error: string | null;
}

/** One POST: resolves with the status, or the reason there was none. Never rejects. */
function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; allowInsecure: boolean },
): Promise<Answer> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (!options.allowInsecure) {
      if (target.protocol !== 'https:') return resolve({ status: null, error: 'not https' });
      if (isIP(host) && isSpecialAddress(host)) {
        return resolve({ status: null, error: 'address is not public' });
      }
    }
    const transport = target.protocol === 'https:' ? https : http;
    let settled = false;
    const done = (answer: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const request = transport.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: false,
        ...(options.allowInsecure ? {} : { lookup: publicOnlyLookup as never }),
      },
      (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept < KEEP_ANSWER) chunks.push(chunk);
          kept += chunk.length;
        });
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8').slice(0, KEEP_ANSWER);
          done({
            status,
            error:
              status >= 200 && status < 300 ? null : `HTTP ${status}${text ? `: ${text}` : ''}`,
          });
        });
        response.on('error', (error) => done({ status, error: error.message }));
      },
    );
    // The whole exchange, not only the connection: an endpoint that accepts and then hangs
    // must not hold the worker.
    const timer = setTimeout(() => {
      done({ status: null, error: `no answer within ${options.timeoutMs} ms` });
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (error) => done({ status: null, error: error.message }));
    request.end(body);
  });
}

/** The body of a delivery: the same bytes on every attempt. */
export const bodyOf = (deliveryId: string, payload: Record<string, unknown>): string =>
  JSON.stringify({
    id: deliveryId,
    type: payload.type,
    eventId: payload.eventId,
    occurredAt: payload.occurredAt,
    data: payload.data,
  });

export function startWebhookDispatcher(options: {
  db: Db;
  config: WebhooksConfig;
  log: Logger;
  metrics?: Metrics | undefined;
  /** false: only `runOnce()` sends (tests drive it). */
  poll?: boolean;
  batchSize?: number;
}): WebhookDispatcher {
  const { db, config, log, metrics } = options;
  const attemptsMetric = metrics
    ? new Counter({
        name: 'ibet_webhook_attempts_total',
        help: 'Webhook delivery attempts, by outcome (delivered, retry, dead).',
        labelNames: ['outcome'] as const,
        registers: [metrics.registry],
      })
    : undefined;
  if (metrics) {
    sampledGauge(metrics, {
      name: 'ibet_webhook_deliveries',
      help: 'Webhook deliveries waiting to be sent (pending) and in the dead-letter list (dead).',
      labelNames: ['status'] as const,
      async sample() {
        const rows = await db.query<{ status: string; n: bigint }>(
          `SELECT status, count(*) AS n FROM webhooks.deliveries
           WHERE status IN ('pending', 'dead') GROUP BY status`,
        );
        return ['pending', 'dead'].map((status) => ({
          labels: { status },
          value: Number(rows.find((r) => r.status === status)?.n ?? 0),
        }));
      },
    });
  }
  const batchSize = options.batchSize ?? 50;
  const leaseSeconds = Math.ceil((config.timeoutMs * 3) / 1000) + 5;
  // Chosen once, then updated by id; the first pending rows in the due index's order are taken
  // and the due ones among them kept (as the notifications dispatcher does, for the same
  // reasons).
  const lease = () =>
    db.query<Leased>(
      `UPDATE webhooks.deliveries d
       SET leased_until = now() + make_interval(secs => $2), attempts = d.attempts + 1
       FROM webhooks.endpoints e
       WHERE e.id = d.endpoint_id AND d.id = ANY (ARRAY(
         -- A disabled endpoint's deliveries wait (they go out if it is enabled again).
         SELECT id FROM (
           SELECT q.id, q.next_attempt_at FROM webhooks.deliveries q
           JOIN webhooks.endpoints qe ON qe.id = q.endpoint_id AND qe.disabled_at IS NULL
           WHERE q.status = 'pending' AND (q.leased_until IS NULL OR q.leased_until < now())
           ORDER BY q.next_attempt_at, q.id LIMIT $1 FOR UPDATE OF q SKIP LOCKED) first
         WHERE next_attempt_at <= now()))
       RETURNING d.id, d.event_type, d.payload, d.attempts, e.url, e.secret,
         CASE WHEN e.previous_expires_at > now() THEN e.previous_secret END AS previous_secret`,
      [batchSize, leaseSeconds],
    );

  const deliver = async (row: Leased): Promise<void> => {
    const body = bodyOf(row.id, row.payload);
    const secrets = row.previous_secret ? [row.secret, row.previous_secret] : [row.secret];
    const headers = signedHeaders(row.id, row.event_type, secrets, body);
    const startedAt = new Date();
    const answer = await post(row.url, headers, body, config);
    const durationMs = Date.now() - startedAt.getTime();
    const outcome =
      answer.error === null ? 'delivered' : row.attempts >= config.maxAttempts ? 'dead' : 'retry';
    const delay = outcome === 'retry' ? backoffSeconds(row.attempts, config.retrySeconds) : 0;
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO webhooks.attempts
           (delivery_id, attempt, started_at, duration_ms, status_code, error, outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          row.id,
          row.attempts,
          startedAt,
          durationMs,
          answer.status,
          answer.error?.slice(0, 2000) ?? null,
          outcome,
        ],
      );
      await tx.query(
        `UPDATE webhooks.deliveries
         SET status = CASE $2 WHEN 'delivered' THEN 'delivered' WHEN 'dead' THEN 'dead' ELSE 'pending' END,
             delivered_at = CASE WHEN $2 = 'delivered' THEN now() END,
             dead_at = CASE WHEN $2 = 'dead' THEN now() END,
             next_attempt_at = CASE WHEN $2 = 'retry' THEN now() + make_interval(secs => $3) ELSE next_attempt_at END,
             leased_until = NULL, last_status = $4, last_error = $5
         WHERE id = $1`,
        [row.id, outcome, delay, answer.status, answer.error?.slice(0, 2000) ?? null],
      );
    });
    attemptsMetric?.inc({ outcome });
    if (outcome === 'dead') {
      log.warn(
        { delivery: row.id, attempts: row.attempts, error: answer.error },
        'webhook dead-lettered',
      );
    }
  };

  const loop = startDeliveryLoop({
    lease,
    deliver,
    batchSize,
    concurrency: 8,
    pollMs: config.pollMs,
    poll: options.poll,
    log,
    name: 'webhook dispatch',
  });
  return loop;
}

export { backoffSeconds };
