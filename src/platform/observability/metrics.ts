// Prometheus metrics. One registry per app instance, so that tests can run several apps in
// one process; other modules register their own instruments on `metrics.registry`.
//
// Labels are bounded: route templates (never raw URLs), problem codes, currencies from the
// configuration, event types and job names from the code — never ids, addresses or amounts.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const DB_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];
const LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const STAKE_BUCKETS = [100, 500, 1000, 2500, 5000, 10_000, 50_000, 100_000, 500_000, 1_000_000];

export interface MetricsOptions {
  /** Process role and engine, published once as `ibet_build_info`. */
  info?: { version: string; role: string; engine: string };
}

export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  // Process CPU and memory, GC, and event-loop lag (nodejs_eventloop_lag_seconds, …_p99_seconds).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const registers = [registry];

  const buildInfo = new Gauge({
    name: 'ibet_build_info',
    help: 'Always 1; labels say which version runs in which role on which database engine.',
    labelNames: ['version', 'role', 'engine'] as const,
    registers,
  });
  if (options.info) buildInfo.set(options.info, 1);

  return {
    registry,

    // --- HTTP (RED per route) -----------------------------------------------------------
    httpRequests: new Counter({
      name: 'ibet_http_requests_total',
      help: 'HTTP requests by method, route template and status code.',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'ibet_http_request_duration_seconds',
      help: 'HTTP request latency by method and route template.',
      labelNames: ['method', 'route'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    httpInFlight: new Gauge({
      name: 'ibet_http_requests_in_flight',
      help: 'HTTP requests being processed now.',
      registers,
    }),
    httpProblems: new Counter({
      name: 'ibet_http_problems_total',
      help: 'Error responses (problem+json) by method, route template and stable problem code.',
      labelNames: ['method', 'route', 'code'] as const,
      registers,
    }),
    draining: new Gauge({
      name: 'ibet_shutting_down',
      help: '1 once the process has been asked to stop (readiness fails, in-flight work finishes).',
      registers,
    }),

    // --- Betting and settlement ---------------------------------------------------------
    betsPlaced: new Counter({
      name: 'ibet_bets_placed_total',
      help: 'Bets accepted, by currency (counted by the API when it answers 201).',
      labelNames: ['currency'] as const,
      registers,
    }),
    betsRejected: new Counter({
      name: 'ibet_bets_rejected_total',
      help: 'Bet placements refused, by reason (the stable problem code, e.g. odds_changed).',
      labelNames: ['reason'] as const,
      registers,
    }),
    betStake: new Counter({
      name: 'ibet_bet_stake_minor_total',
      help: 'Stakes of placed bets in minor units of the currency (from bet.placed events).',
      labelNames: ['currency'] as const,
      registers,
    }),
    betPotentialPayout: new Counter({
      name: 'ibet_bet_potential_payout_minor_total',
      help: 'Potential payouts of placed bets in minor units (from bet.placed events).',
      labelNames: ['currency'] as const,
      registers,
    }),
    betStakeSize: new Histogram({
      name: 'ibet_bet_stake_minor_units',
      help: 'Distribution of stakes of placed bets, in minor units.',
      labelNames: ['currency'] as const,
      buckets: STAKE_BUCKETS,
      registers,
    }),
    betsSettled: new Counter({
      name: 'ibet_bets_settled_total',
      help: 'Bets settled, by outcome (counted where settlement runs).',
      labelNames: ['status'] as const,
      registers,
    }),
    settledStake: new Counter({
      name: 'ibet_settled_stake_minor_total',
      help: 'Stakes of settled bets in minor units (from bet.settled events). GGR = stakes − payouts.',
      labelNames: ['currency'] as const,
      registers,
    }),
    settledPayout: new Counter({
      name: 'ibet_settled_payout_minor_total',
      help: 'Payouts of settled bets in minor units, stake returns included (from bet.settled events).',
      labelNames: ['currency'] as const,
      registers,
    }),
    settlementEvents: new Counter({
      name: 'ibet_bet_settlement_events_total',
      help: 'Bets settled, by outcome, counted from bet.settled events wherever settlement ran (throughput).',
      labelNames: ['status'] as const,
      registers,
    }),
    settledReversed: new Counter({
      name: 'ibet_settlement_reversed_minor_total',
      help: 'Stakes and payouts of earlier settlements reversed by a resettlement, in minor units (what: stake, payout).',
      labelNames: ['currency', 'what'] as const,
      registers,
    }),
    cashOuts: new Counter({
      name: 'ibet_cash_outs_total',
      help: 'Cash outs, by kind (full, partial) and trigger (player, automatic).',
      labelNames: ['kind', 'trigger'] as const,
      registers,
    }),
    settlementSweepBets: new Counter({
      name: 'ibet_settlement_sweep_bets_total',
      help: 'Bets the worker sweep had to settle after their market was resulted (the normal path did not finish).',
      registers,
    }),
    settlementLag: new Histogram({
      name: 'ibet_settlement_lag_seconds',
      help: 'Time from a market result to each of its bets being settled (bet.settled events).',
      buckets: LAG_BUCKETS,
      registers,
    }),

    // --- Money in and out ---------------------------------------------------------------
    payments: new Counter({
      name: 'ibet_payments_total',
      help: 'Deposits and withdrawals that reached a final state, by direction, status and currency.',
      labelNames: ['direction', 'status', 'currency'] as const,
      registers,
    }),
    paymentAmount: new Counter({
      name: 'ibet_payment_amount_minor_total',
      help: 'Amounts of finished deposits and withdrawals in minor units.',
      labelNames: ['direction', 'status', 'currency'] as const,
      registers,
    }),

    // --- Outbox ---------------------------------------------------------------------------
    outboxPublished: new Counter({
      name: 'ibet_outbox_events_published_total',
      help: 'Events published from the outbox to the bus.',
      registers,
    }),
    outboxRelayLag: new Histogram({
      name: 'ibet_outbox_relay_lag_seconds',
      help: 'Time from an event being committed to the outbox to its publication on the bus.',
      buckets: LAG_BUCKETS,
      registers,
    }),
    consumerFailures: new Counter({
      name: 'ibet_event_consumer_failures_total',
      help: 'Events a consumer could not handle (dead-lettered or retried), by consumer.',
      labelNames: ['consumer'] as const,
      registers,
    }),

    // --- Database -------------------------------------------------------------------------
    dbQueryDuration: new Histogram({
      name: 'ibet_db_query_duration_seconds',
      help: 'SQL statement latency by operation (select, insert, update, delete, other).',
      labelNames: ['operation'] as const,
      buckets: DB_BUCKETS,
      registers,
    }),
    dbTransactionDuration: new Histogram({
      name: 'ibet_db_transaction_duration_seconds',
      help: 'Transaction latency (all attempts) by outcome (commit, rollback).',
      labelNames: ['outcome'] as const,
      buckets: DB_BUCKETS,
      registers,
    }),
    dbTransactionRetries: new Counter({
      name: 'ibet_db_transaction_retries_total',
      help: 'Transactions retried after a serialization failure or deadlock (40001, 40P01).',
      registers,
    }),
    dbErrors: new Counter({
      name: 'ibet_db_errors_total',
      help: 'Failed statements by SQLSTATE class (first two characters, e.g. 23, 40, 57).',
      labelNames: ['class'] as const,
      registers,
    }),
    dbPoolSize: new Gauge({
      name: 'ibet_db_pool_size',
      help: 'Connections the pool may open (1 for the embedded database).',
      registers,
    }),
    dbConnectionsInUse: new Gauge({
      name: 'ibet_db_connections_in_use',
      help: 'Connections busy with a statement or a transaction now (at most the pool size).',
      registers,
    }),
    dbPoolWaiting: new Gauge({
      name: 'ibet_db_pool_waiting',
      help: 'Statements and transactions waiting for a free connection now.',
      registers,
    }),
    dbPoolWait: new Histogram({
      name: 'ibet_db_pool_wait_seconds',
      help: 'Time statements and transactions waited for a free connection.',
      buckets: DB_BUCKETS,
      registers,
    }),
    dbRequestsShed: new Counter({
      name: 'ibet_db_requests_shed_total',
      help: 'Requests refused with 429 overloaded because the database queue was full (IBET_DATABASE_QUEUE_LIMIT).',
      registers,
    }),

    // --- Notifications ----------------------------------------------------------------------
    notificationsSent: new Counter({
      name: 'ibet_notifications_sent_total',
      help: 'Notifications handed to a provider, by channel, template and provider.',
      labelNames: ['channel', 'template', 'provider'] as const,
      registers,
    }),
    notificationsFailed: new Counter({
      name: 'ibet_notifications_failed_total',
      help: 'Failed send attempts by channel, provider and kind (transient: retried; permanent).',
      labelNames: ['channel', 'provider', 'kind'] as const,
      registers,
    }),
    notificationsDeadLettered: new Counter({
      name: 'ibet_notifications_dead_lettered_total',
      help: 'Notifications moved to the dead-letter list, by channel.',
      labelNames: ['channel'] as const,
      registers,
    }),
    notificationSendDuration: new Histogram({
      name: 'ibet_notification_send_duration_seconds',
      help: 'Time a provider took to accept a notification, by channel and provider.',
      labelNames: ['channel', 'provider'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),

    // --- Scheduled jobs ---------------------------------------------------------------------
    jobRuns: new Counter({
      name: 'ibet_job_runs_total',
      help: 'Scheduled job runs by job and outcome (ok, failed).',
      labelNames: ['job', 'outcome'] as const,
      registers,
    }),
    jobDuration: new Histogram({
      name: 'ibet_job_duration_seconds',
      help: 'Scheduled job run time by job.',
      labelNames: ['job'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers,
    }),
    jobLastSuccess: new Gauge({
      name: 'ibet_job_last_success_timestamp_seconds',
      help: 'When a job last finished without error (Unix time), as seen by this process.',
      labelNames: ['job'] as const,
      registers,
    }),
    ledgerCheckOk: new Gauge({
      name: 'ibet_ledger_check_ok',
      help: '1 when the last ledger check held (zero sum per currency, no drift, no negative balance), 0 when it did not.',
      registers,
    }),
    ledgerCheckTimestamp: new Gauge({
      name: 'ibet_ledger_check_timestamp_seconds',
      help: 'When the ledger was last checked (Unix time).',
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** A label value from a bounded set, or `other`. */
export function bounded(value: unknown, allowed: ReadonlySet<string>): string {
  return typeof value === 'string' && allowed.has(value) ? value : 'other';
}

/** A code-like label value (`odds_changed`), or `other` for anything that does not look like one. */
export function codeLabel(value: unknown): string {
  return typeof value === 'string' && /^[a-z][a-z0-9_.:-]{0,63}$/.test(value) ? value : 'other';
}
