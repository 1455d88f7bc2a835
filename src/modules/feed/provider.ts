// A feed provider: anything that produces feed messages (a live-data vendor's adapter, the
// simulator). It hands each message to the sink, which validates and applies it.
import type { Registry } from 'prom-client';
import { Counter } from 'prom-client';
import { applyFeedMessage, type FeedDeps, type FeedResult } from './adapter.ts';

export type FeedSink = (message: unknown) => Promise<FeedResult>;

export interface FeedProvider {
  /** Stable name: message ids and fixture ids are unique per provider. */
  readonly name: string;
  start(sink: FeedSink): void;
  stop(): Promise<void>;
}

export function createFeedMetrics(registry: Registry) {
  return new Counter({
    name: 'ibet_feed_messages_total',
    help: 'Feed messages by provider, kind and outcome (applied, duplicate, stale, invalid, rejected).',
    labelNames: ['provider', 'kind', 'outcome'] as const,
    registers: [registry],
  });
}

/** Starts a provider with a sink that applies its messages to the catalogue. */
export function connectProvider(
  deps: Omit<FeedDeps, 'onResult'> & { metrics?: ReturnType<typeof createFeedMetrics> },
  provider: FeedProvider,
): FeedProvider {
  const feed: FeedDeps = {
    ...deps,
    onResult: (name, kind, result) =>
      deps.metrics?.inc({ provider: name, kind, outcome: result.outcome }),
  };
  provider.start((message) => applyFeedMessage(feed, provider.name, message));
  return provider;
}
