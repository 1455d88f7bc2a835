// Realtime metrics, registered on the app's registry (one per app, so tests can run several).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function createRealtimeMetrics(registry: Registry) {
  const registers = [registry];
  return {
    connections: new Gauge({
      name: 'ibet_realtime_connections',
      help: 'WebSocket connections open on this process.',
      registers,
    }),
    subscriptions: new Gauge({
      name: 'ibet_realtime_subscriptions',
      help: 'Topic subscriptions of the connections on this process.',
      registers,
    }),
    messagesSent: new Counter({
      name: 'ibet_realtime_messages_sent_total',
      help: 'Topic messages written to clients (one per message and recipient).',
      registers,
    }),
    framesSent: new Counter({
      name: 'ibet_realtime_frames_sent_total',
      help: 'WebSocket frames of topic messages written to clients (a frame may hold several).',
      registers,
    }),
    clientMessages: new Counter({
      name: 'ibet_realtime_client_messages_total',
      help: 'Messages received from clients, by operation (invalid ones as "invalid").',
      labelNames: ['op'] as const,
      registers,
    }),
    closed: new Counter({
      name: 'ibet_realtime_connections_closed_total',
      help: 'Connections ended by the server, by reason (slow_consumer, rate_limited, idle, heartbeat, draining).',
      labelNames: ['reason'] as const,
      registers,
    }),
    refused: new Counter({
      name: 'ibet_realtime_upgrades_refused_total',
      help: 'WebSocket upgrades refused, by reason (draining, capacity, unauthenticated, not_found).',
      labelNames: ['reason'] as const,
      registers,
    }),
    commitToPush: new Histogram({
      name: 'ibet_realtime_commit_to_push_seconds',
      help: 'From the change (its outbox event) to the message written to the last subscriber on this process.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    published: new Counter({
      name: 'ibet_realtime_published_total',
      help: 'Topic messages the outbox relay published to the fan-out (after dropping stale and repeated ones).',
      registers,
    }),
    snapshots: new Counter({
      name: 'ibet_realtime_snapshots_total',
      help: 'Subscriptions answered with a snapshot (read from the database) or resumed from the buffer.',
      labelNames: ['kind'] as const,
      registers,
    }),
  };
}

export type RealtimeMetrics = ReturnType<typeof createRealtimeMetrics>;
