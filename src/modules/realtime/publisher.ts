// The relay's side of realtime: committed outbox events, translated into topic messages and
// published to the fan-out. A failure rejects the batch, so the relay publishes it again;
// the fan-out drops what it already has (by key and version).
import type { Queryable } from '../../platform/db/db.ts';
import type { BatchListener } from '../../platform/events/bus.ts';
import type { FanOut } from '../../platform/events/fanout.ts';
import type { RealtimeMetrics } from './metrics.ts';
import { createTranslator } from './translate.ts';

const PUSHED = /^(market|event|bet|wallet)\.|^responsible\.reality_check_due$/;

export function realtimePublisher(deps: {
  db: Queryable;
  fanout: FanOut;
  metrics: RealtimeMetrics;
}): BatchListener {
  const translate = createTranslator(deps.db);
  return async (events) => {
    const relevant = events.filter((e) => PUSHED.test(e.type));
    if (relevant.length === 0) return;
    const messages = await translate(relevant);
    if (messages.length === 0) return;
    deps.metrics.published.inc(await deps.fanout.publish(messages));
  };
}
