// Gauges whose value comes from the database (outbox depth, settlement backlog, notification
// queue). They are sampled when Prometheus scrapes, at most once per `minIntervalMs`, and a
// slow or failing database never holds a scrape for more than `timeoutMs`: the gauge keeps
// its last value and `ibet_gauge_sample_failures_total` counts the miss.
import { Counter, Gauge } from 'prom-client';
import type { Metrics } from './metrics.ts';

export interface Sample<L extends string> {
  labels?: Partial<Record<L, string>>;
  value: number;
}

export interface SampledGaugeOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  sample(): Promise<Sample<L>[]>;
  minIntervalMs?: number;
  timeoutMs?: number;
}

const failures = new WeakMap<Metrics, Counter<'gauge'>>();

function failureCounter(metrics: Metrics): Counter<'gauge'> {
  let counter = failures.get(metrics);
  if (!counter) {
    counter = new Counter({
      name: 'ibet_gauge_sample_failures_total',
      help: 'Database-sampled gauges that could not be refreshed for a scrape (slow or failing query).',
      labelNames: ['gauge'] as const,
      registers: [metrics.registry],
    });
    failures.set(metrics, counter);
  }
  return counter;
}

export function sampledGauge<L extends string>(
  metrics: Metrics,
  options: SampledGaugeOptions<L>,
): Gauge<L> {
  const minInterval = options.minIntervalMs ?? 5_000;
  const timeout = options.timeoutMs ?? 2_000;
  const failed = failureCounter(metrics);
  let last = 0;
  let pending: Promise<void> | undefined;
  const gauge: Gauge<L> = new Gauge<L>({
    name: options.name,
    help: options.help,
    labelNames: (options.labelNames ?? []) as L[],
    registers: [metrics.registry],
    async collect() {
      if (Date.now() - last < minInterval) return;
      pending ??= (async () => {
        const samples = await options.sample();
        gauge.reset();
        for (const s of samples) {
          if (s.labels) gauge.set(s.labels as Partial<Record<L, string | number>>, s.value);
          else gauge.set(s.value);
        }
        last = Date.now();
      })().finally(() => {
        pending = undefined;
      });
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          pending,
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('timeout')), timeout);
          }),
        ]);
      } catch {
        failed.inc({ gauge: options.name });
      } finally {
        clearTimeout(timer);
      }
    },
  });
  return gauge;
}
