import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** One registry per app instance, so that tests can run several apps in one process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'ibet_http_requests_total',
      help: 'HTTP requests by method, route and status code.',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'ibet_http_request_duration_seconds',
      help: 'HTTP request latency by method and route.',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    betsPlaced: new Counter({
      name: 'ibet_bets_placed_total',
      help: 'Bets accepted, by currency.',
      labelNames: ['currency'] as const,
      registers: [registry],
    }),
    betsSettled: new Counter({
      name: 'ibet_bets_settled_total',
      help: 'Bets settled, by outcome.',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    outboxPublished: new Counter({
      name: 'ibet_outbox_events_published_total',
      help: 'Events published from the outbox to the bus.',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
