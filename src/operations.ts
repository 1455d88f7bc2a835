// Operations wiring for the worker role: the business metrics read from relayed events, and
// the gauges sampled from the database (outbox depth and age, settlement backlog). Modules
// are reached only through their public functions; platform code stays free of them.
import { marketsWithOpenBets } from './modules/betting/index.ts';
import { resultedMarketIds } from './modules/catalog/index.ts';
import type { Config } from './platform/config.ts';
import type { Db } from './platform/db/db.ts';
import type { EventBus } from './platform/events/bus.ts';
import { observeEvents } from './platform/observability/event-metrics.ts';
import type { Metrics } from './platform/observability/metrics.ts';
import { sampledGauge } from './platform/observability/sampled-gauge.ts';

export function registerWorkerMetrics(deps: {
  db: Db;
  bus: EventBus;
  metrics: Metrics;
  config: Pick<Config, 'currencies'>;
}): () => void {
  const { db, metrics } = deps;
  const stopObserving = observeEvents(deps.bus, metrics, { currencies: deps.config.currencies });

  sampledGauge(metrics, {
    name: 'ibet_outbox_pending_events',
    help: 'Events committed to the outbox and not yet published (the relay backlog).',
    async sample() {
      const [row] = await db.query<{ n: bigint }>(
        'SELECT count(*) AS n FROM platform.outbox WHERE published_at IS NULL',
      );
      return [{ value: Number(row?.n ?? 0) }];
    },
  });
  sampledGauge(metrics, {
    name: 'ibet_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest unpublished outbox event (0 when there is none): the relay lag now.',
    async sample() {
      const [row] = await db.query<{ age: number | null }>(
        `SELECT extract(epoch FROM now() - min(created_at))::float8 AS age
         FROM platform.outbox WHERE published_at IS NULL`,
      );
      return [{ value: Math.max(0, Number(row?.age ?? 0)) }];
    },
  });
  sampledGauge(metrics, {
    name: 'ibet_settlement_backlog_markets',
    help: 'Markets resulted in the last 72 hours with open bets (settlement unfinished, or multiples waiting for other legs).',
    minIntervalMs: 15_000,
    async sample() {
      const resulted = await resultedMarketIds(db, new Date(Date.now() - 72 * 3600_000));
      if (resulted.length === 0) return [{ value: 0 }];
      return [{ value: (await marketsWithOpenBets(db, resulted)).length }];
    },
  });
  // Settlement jobs (one per market result version, in parts): how many wait, since when, and
  // how long the last ones took from result to last bet settled. Read-only over
  // settlement.jobs, like a reporting view, until the settlement module exposes these figures
  // itself.
  sampledGauge(metrics, {
    name: 'ibet_settlement_jobs_pending',
    help: 'Settlement jobs (a market result to apply to its bets) not finished yet.',
    async sample() {
      const [row] = await db.query<{ n: bigint }>(
        `SELECT count(DISTINCT (market_id, result_version)) AS n
         FROM settlement.jobs WHERE finished_at IS NULL`,
      );
      return [{ value: Number(row?.n ?? 0) }];
    },
  });
  sampledGauge(metrics, {
    name: 'ibet_settlement_oldest_pending_age_seconds',
    help: 'Age of the oldest unfinished settlement job (0 when none): how far settlement lags now.',
    async sample() {
      const [row] = await db.query<{ age: number | null }>(
        `SELECT extract(epoch FROM now() - min(created_at))::float8 AS age
         FROM settlement.jobs WHERE finished_at IS NULL`,
      );
      return [{ value: Math.max(0, Number(row?.age ?? 0)) }];
    },
  });
  sampledGauge(metrics, {
    name: 'ibet_settlement_recent_lag_seconds',
    help: 'Longest time from result to finished settlement among jobs finished in the last 5 minutes.',
    async sample() {
      const [row] = await db.query<{ lag: number | null }>(
        `SELECT extract(epoch FROM max(finished_at - created_at))::float8 AS lag
         FROM settlement.jobs WHERE finished_at > now() - interval '5 minutes'`,
      );
      return [{ value: Math.max(0, Number(row?.lag ?? 0)) }];
    },
  });
  return stopObserving;
}
