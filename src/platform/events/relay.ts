import type { Logger } from 'pino';
import type { Db } from '../db/db.ts';
import type { EventBus } from './bus.ts';
import { relayBatch } from './outbox.ts';

export interface Relay {
  /** Publishes until the outbox is empty (tests and shutdown use it). */
  drain(): Promise<number>;
  /**
   * Asks for a pass now instead of at the next poll (a commit notification arrived). Passes
   * never overlap: a wake during a pass runs one more pass right after it.
   */
  wake(): void;
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
  const polling = options.poll !== false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let ticking = false;
  let again = false;
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
    if (timer) clearTimeout(timer);
    timer = undefined;
    ticking = true;
    do {
      again = false;
      try {
        await drain();
      } catch (error) {
        log.error({ err: error }, 'outbox relay failed; the batch will be retried');
        again = false; // a failing batch waits for the next poll, not a busy loop
      }
    } while (again && !stopped);
    ticking = false;
    if (!stopped) timer = setTimeout(tick, options.intervalMs);
  };
  if (polling) timer = setTimeout(tick, options.intervalMs);

  return {
    drain,
    wake() {
      if (!polling || stopped) return;
      if (ticking) again = true;
      else void tick();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      while (running) await running.catch(() => 0);
    },
  };
}
