// The notifications worker as the app mounts it: providers chosen by configuration, the
// outbox consumer that queues messages, the dispatcher that sends them, and the queue gauges.
import type { Logger } from 'pino';
import type { NotificationsConfig } from '../../platform/config.ts';
import type { Db } from '../../platform/db/db.ts';
import type { Consumer } from '../../platform/events/bus.ts';
import type { Metrics } from '../../platform/observability/metrics.ts';
import { sampledGauge } from '../../platform/observability/sampled-gauge.ts';
import type { Channel, Provider } from './channels.ts';
import { type Dispatcher, startDispatcher } from './dispatcher.ts';
import { notificationsConsumer } from './enqueue.ts';
import { sesProvider, snsProvider, sqsProvider } from './providers/aws.ts';
import { capturedProvider } from './providers/captured.ts';
import { smtpProvider } from './providers/smtp.ts';

/** One provider per channel, as IBET_MAIL_PROVIDER, IBET_SMS_PROVIDER, IBET_PUSH_PROVIDER say. */
export function createProviders(config: NotificationsConfig): Record<Channel, Provider> {
  const aws = { region: config.aws.region ?? 'us-east-1', endpoint: config.aws.endpoint };
  const queued = (channel: Channel) =>
    sqsProvider({ ...aws, queueUrl: config.aws.sqsQueueUrl ?? '' }, channel);
  const email = (): Provider => {
    switch (config.email) {
      case 'smtp':
        return smtpProvider({ url: config.smtpUrl ?? '', from: config.from });
      case 'ses':
        return sesProvider({ ...aws, from: config.from });
      case 'sqs':
        return queued('email');
      default:
        return capturedProvider('email');
    }
  };
  const message = (channel: 'sms' | 'push', kind: NotificationsConfig['sms']): Provider =>
    kind === 'sns'
      ? snsProvider(aws, channel)
      : kind === 'sqs'
        ? queued(channel)
        : capturedProvider(channel);
  return { email: email(), sms: message('sms', config.sms), push: message('push', config.push) };
}

export interface NotificationsWorker {
  consumer: Consumer;
  dispatcher: Dispatcher;
}

export function startNotificationsWorker(deps: {
  db: Db;
  config: { notifications: NotificationsConfig; publicUrl: string };
  log: Logger;
  metrics?: Metrics | undefined;
  /** false: the dispatcher does not poll; tests call `dispatcher.runOnce()`. */
  background?: boolean;
  providers?: Record<Channel, Provider>;
}): NotificationsWorker {
  const { db, metrics } = deps;
  const settings = deps.config.notifications;
  const consumer = notificationsConsumer({
    publicUrl: deps.config.publicUrl,
    defaultLocale: settings.defaultLocale,
    metrics,
  });
  const dispatcher = startDispatcher({
    db,
    providers: deps.providers ?? createProviders(settings),
    maxAttempts: settings.maxAttempts,
    retrySeconds: settings.retrySeconds,
    pollMs: settings.pollMs,
    log: deps.log,
    metrics,
    poll: deps.background !== false,
  });
  if (metrics) {
    sampledGauge(metrics, {
      name: 'ibet_notifications_queue',
      help: 'Notifications waiting to be sent (pending) and in the dead-letter list (dead), by channel.',
      labelNames: ['status', 'channel'] as const,
      async sample() {
        const rows = await db.query<{ status: string; channel: string; n: bigint }>(
          `SELECT status, channel, count(*) AS n FROM notifications.deliveries
           WHERE status IN ('pending', 'dead') GROUP BY status, channel`,
        );
        const samples = rows.map((r) => ({
          labels: { status: r.status, channel: r.channel },
          value: Number(r.n),
        }));
        // Zeros too, so that alerts on these series see them from the start.
        for (const status of ['pending', 'dead'])
          for (const channel of ['email', 'sms', 'push'])
            if (!rows.some((r) => r.status === status && r.channel === channel))
              samples.push({ labels: { status, channel }, value: 0 });
        return samples;
      },
    });
    sampledGauge(metrics, {
      name: 'ibet_notifications_oldest_pending_age_seconds',
      help: 'Age of the oldest notification still waiting to be sent (0 when none).',
      async sample() {
        const [row] = await db.query<{ age: number | null }>(
          `SELECT extract(epoch FROM now() - min(created_at))::float8 AS age
           FROM notifications.deliveries WHERE status = 'pending'`,
        );
        return [{ value: Math.max(0, Number(row?.age ?? 0)) }];
      },
    });
  }
  return { consumer, dispatcher };
}
