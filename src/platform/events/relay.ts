import type { Logger } from 'pino';
import type { Db } from '../db/db.ts';
import type { EventBus } from './bus.ts';
import { relayBatch } from './outbox.ts';

export interface Relay {
  /** Publishes until the outbox is empty (tests and shutdown use it). */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

const BATCH = 200;

/** Polls the outbox every `intervalMs` and publishes what it finds to the bus. */
export function startRelay(options: {
  db: Db;
  bus: EventBus;
  intervalMs: number;
  log: Logger;
  /** false: only `drain()` publishes (tests drive the relay by hand). */
  poll?: boolean;
}): Relay {
  const { db, bus, log } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;

  const drain = async (): Promise<number> => {
    // One pass at a time per process; several processes share the work through SKIP LOCKED.
    while (running) await running;
    running = (async () => {
      let total = 0;
      for (;;) {
        const n = await relayBatch(db, BATCH, (events) => bus.publish(events));
        total += n;
        if (n < BATCH) return total;
      }
    })();
    try {
      return await running;
    } finally {
      running = undefined;
    }
  };

  const tick = async () => {
    try {
      await drain();
    } catch (error) {
      log.error({ err: error }, 'outbox relay failed; the batch will be retried');
    }
    if (!stopped) timer = setTimeout(tick, options.intervalMs);
  };
  if (options.poll !== false) timer = setTimeout(tick, options.intervalMs);

  return {
    drain,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      while (running) await running.catch(() => 0);
    },
  };
}
