// The loop shared by the outbound dispatchers (mail and other notifications, partner
// webhooks): lease what is due, deliver it a few at a time, repeat while full batches come
// back; poll between rounds; stop by letting the round in flight finish. Retries back off
// exponentially with jitter, capped at six hours.
import type { Logger } from 'pino';

const MAX_BACKOFF_SECONDS = 6 * 3600;

/** Seconds until the next attempt after `attempts` failed ones: exponential, jittered. */
export function backoffSeconds(
  attempts: number,
  retrySeconds: number,
  random = Math.random,
): number {
  const base = Math.min(MAX_BACKOFF_SECONDS, retrySeconds * 2 ** Math.max(0, attempts - 1));
  return Math.min(MAX_BACKOFF_SECONDS, base / 2 + (base / 2) * random());
}

export interface DeliveryLoop {
  /** Delivers what is due now; resolves with how many items it handled. */
  runOnce(): Promise<number>;
  /** Stops polling and waits for the round in flight. */
  stop(): Promise<void>;
}

export function startDeliveryLoop<T, R = void>(options: {
  /** Leases up to `batchSize` due items (they stay leased while being delivered). */
  lease: () => Promise<T[]>;
  /**
   * Delivers one item; must not throw for a failed delivery. It records the outcome itself,
   * or returns it for `record`.
   */
  deliver: (item: T) => Promise<R>;
  /**
   * Records the outcomes of a leased batch together, once all are delivered: one statement
   * instead of one an item. Until it has run, a crash leaves the batch to be delivered again
   * when its lease runs out (delivery is at least once; receivers dedupe on the message id).
   */
  record?: (outcomes: R[]) => Promise<void>;
  batchSize: number;
  /** Items delivered side by side: one slow recipient costs its timeout, not the batch's. */
  concurrency: number;
  pollMs: number;
  /** false: no timer, only runOnce (tests). */
  poll?: boolean | undefined;
  log: Logger;
  /** What the log calls it when a round fails. */
  name: string;
}): DeliveryLoop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;

  const runOnce = async (): Promise<number> => {
    while (running) await running.catch(() => 0);
    running = (async () => {
      let total = 0;
      for (;;) {
        const items = await options.lease();
        total += items.length;
        const outcomes: R[] = [];
        for (let i = 0; i < items.length; i += options.concurrency) {
          outcomes.push(
            ...(await Promise.all(items.slice(i, i + options.concurrency).map(options.deliver))),
          );
        }
        if (options.record && outcomes.length > 0) await options.record(outcomes);
        if (items.length < options.batchSize || stopped) return total;
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
      await runOnce();
    } catch (error) {
      options.log.error({ err: error }, `${options.name} failed; retrying at the next poll`);
    }
    if (!stopped) timer = setTimeout(tick, options.pollMs);
  };
  if (options.poll !== false) timer = setTimeout(tick, options.pollMs);

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      while (running) await running.catch(() => 0);
    },
  };
}
