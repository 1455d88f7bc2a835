// The live feed: provider-agnostic ingestion of fixtures, markets, prices, live status,
// material events and results (docs/feed.md), and the live-match simulator that uses it.
export {
  applyFeedMessage,
  FEED_ACTOR,
  type FeedDeps,
  type FeedOutcome,
  type FeedResult,
} from './adapter.ts';
export { applyMargin, oddsFromProbabilities } from './margin.ts';
export { type FeedKind, type FeedMessage, validateFeedMessage } from './messages.ts';
export {
  connectProvider,
  createFeedMetrics,
  type FeedProvider,
  type FeedSink,
} from './provider.ts';
export { createSimulator, SIMULATOR, type Simulator } from './simulator/simulator.ts';
