// The operations dashboard's figures, read from this process's Prometheus registry: counters
// since the process started and histogram buckets, so that a client polling every few
// seconds turns two readings into rates (bets a minute, turnover, GGR, error rate) and
// latency percentiles over the interval. Nothing is stored; /metrics stays the source for
// Prometheus, this is the same numbers as JSON for the back office.
import type { Registry } from 'prom-client';

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

export interface Buckets {
  /** Upper bounds in seconds (the last is +Inf, sent as null). */
  le: (number | null)[];
  /** Cumulative counts per bound. */
  counts: number[];
}

export interface OperationsStats {
  at: string;
  uptimeSeconds: number;
  bets: { placed: number; rejected: number; settled: number; cashOuts: number };
  /** Per currency, minor units as strings (counters of placed and settled bets). */
  money: {
    currency: string;
    staked: string;
    potentialPayout: string;
    settledStake: string;
    settledPayout: string;
  }[];
  http: {
    requests: number;
    serverErrors: number;
    problems: number;
    inFlight: number;
    latency: Buckets;
  };
  realtime: { connections: number; subscriptions: number; pushLatency: Buckets | null };
  outbox: {
    pending: number | null;
    oldestPendingAgeSeconds: number | null;
    published: number;
    relayLag: Buckets | null;
  };
  settlement: { backlogMarkets: number | null; lagSeconds: number | null };
}

type Metrics = Map<string, MetricValue[]>;

const sum = (values: MetricValue[] | undefined, where: (v: MetricValue) => boolean = () => true) =>
  (values ?? [])
    .filter(where)
    .reduce((total, v) => total + (Number.isFinite(v.value) ? v.value : 0), 0);

const gauge = (metrics: Metrics, name: string): number | null => {
  const values = metrics.get(name);
  return values && values.length > 0 ? sum(values) : null;
};

/** A histogram's buckets summed over every label set. */
function bucketsOf(metrics: Metrics, name: string): Buckets | null {
  const values = (metrics.get(name) ?? []).filter((v) => v.metricName === `${name}_bucket`);
  if (values.length === 0) return null;
  const byBound = new Map<string, number>();
  for (const v of values) {
    const le = String(v.labels.le);
    byBound.set(le, (byBound.get(le) ?? 0) + v.value);
  }
  const bounds = [...byBound.keys()].sort((a, b) => {
    const x = a === '+Inf' ? Number.POSITIVE_INFINITY : Number(a);
    const y = b === '+Inf' ? Number.POSITIVE_INFINITY : Number(b);
    return x - y;
  });
  return {
    le: bounds.map((b) => (b === '+Inf' ? null : Number(b))),
    counts: bounds.map((b) => byBound.get(b) ?? 0),
  };
}

/** Big counters of minor units, per currency, as exact decimal strings. */
function perCurrency(metrics: Metrics, name: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of metrics.get(name) ?? []) {
    const currency = String(v.labels.currency ?? '');
    if (!currency) continue;
    const before = BigInt(out.get(currency) ?? '0');
    out.set(currency, String(before + BigInt(Math.round(v.value))));
  }
  return out;
}

export async function readOperationsStats(registry: Registry): Promise<OperationsStats> {
  const json = (await registry.getMetricsAsJSON()) as unknown as {
    name: string;
    values: MetricValue[];
  }[];
  const metrics: Metrics = new Map(json.map((m) => [m.name, m.values]));
  const latency = bucketsOf(metrics, 'ibet_http_request_duration_seconds') ?? {
    le: [],
    counts: [],
  };
  const staked = perCurrency(metrics, 'ibet_bet_stake_minor_total');
  const potential = perCurrency(metrics, 'ibet_bet_potential_payout_minor_total');
  const settledStake = perCurrency(metrics, 'ibet_settled_stake_minor_total');
  const settledPayout = perCurrency(metrics, 'ibet_settled_payout_minor_total');
  const currencies = [
    ...new Set([
      ...staked.keys(),
      ...potential.keys(),
      ...settledStake.keys(),
      ...settledPayout.keys(),
    ]),
  ].sort();
  return {
    at: new Date().toISOString(),
    uptimeSeconds: Math.round(process.uptime()),
    bets: {
      placed: sum(metrics.get('ibet_bets_placed_total')),
      rejected: sum(metrics.get('ibet_bets_rejected_total')),
      settled: sum(metrics.get('ibet_bets_settled_total')),
      cashOuts: sum(metrics.get('ibet_cash_outs_total')),
    },
    money: currencies.map((currency) => ({
      currency,
      staked: staked.get(currency) ?? '0',
      potentialPayout: potential.get(currency) ?? '0',
      settledStake: settledStake.get(currency) ?? '0',
      settledPayout: settledPayout.get(currency) ?? '0',
    })),
    http: {
      requests: sum(metrics.get('ibet_http_requests_total')),
      serverErrors: sum(
        metrics.get('ibet_http_requests_total'),
        (v) => Number(v.labels.status) >= 500,
      ),
      problems: sum(metrics.get('ibet_http_problems_total')),
      inFlight: gauge(metrics, 'ibet_http_requests_in_flight') ?? 0,
      latency,
    },
    realtime: {
      connections: gauge(metrics, 'ibet_realtime_connections') ?? 0,
      subscriptions: gauge(metrics, 'ibet_realtime_subscriptions') ?? 0,
      pushLatency: bucketsOf(metrics, 'ibet_realtime_commit_to_push_seconds'),
    },
    outbox: {
      pending: gauge(metrics, 'ibet_outbox_pending_events'),
      oldestPendingAgeSeconds: gauge(metrics, 'ibet_outbox_oldest_pending_age_seconds'),
      published: sum(metrics.get('ibet_outbox_events_published_total')),
      relayLag: bucketsOf(metrics, 'ibet_outbox_relay_lag_seconds'),
    },
    settlement: {
      backlogMarkets: gauge(metrics, 'ibet_settlement_backlog_markets'),
      lagSeconds: gauge(metrics, 'ibet_settlement_oldest_pending_age_seconds'),
    },
  };
}
