// A pool's connections as permits, handed out first come, first served: each standalone
// statement and each transaction holds one while it runs, and the rest wait here rather than
// in the driver. Waiting here makes the queue visible — how many wait and for how long
// (metrics, load shedding) — and bounds the wait by the database deadline. (The driver used
// before node-postgres, postgres.js, pipelined statements onto busy connections when handed
// more work than it had connections, and could send a transaction's BEGIN without reserving
// its connection: porsager/postgres#823, #1189. `test/ops/database-pipeline.test.ts` keeps
// that case.)
import { DatabaseUnavailable } from './db.ts';

interface Waiter {
  resolve: () => void;
  timer?: NodeJS.Timeout;
}

export class ConnectionGate {
  readonly size: number;
  #free: number;
  readonly #waiters: Waiter[] = [];
  /** Called with each operation's wait for a connection, in milliseconds (0 if none). */
  readonly onWait = new Set<(ms: number) => void>();

  /** `waitMs`: an operation waiting longer fails with `DatabaseUnavailable`; 0: no limit. */
  constructor(
    size: number,
    private readonly waitMs = 0,
  ) {
    this.size = size;
    this.#free = size;
  }

  /** Operations running (holding a connection). */
  get inUse(): number {
    return this.size - this.#free;
  }

  /** Operations waiting for a connection. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Runs `fn` once a connection is free, holding it until `fn` settles. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    let waited = 0;
    if (this.#free > 0) this.#free--;
    else {
      const started = performance.now();
      await this.#wait();
      waited = performance.now() - started;
    }
    for (const listener of this.onWait) listener(waited);
    try {
      return await fn();
    } finally {
      // The connection passes straight to the next in line, or becomes free.
      const next = this.#waiters.shift();
      if (next) {
        clearTimeout(next.timer);
        next.resolve();
      } else this.#free++;
    }
  }

  #wait(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve };
      if (this.waitMs > 0) {
        waiter.timer = setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          reject(
            new DatabaseUnavailable(`No database connection became free within ${this.waitMs} ms.`),
          );
        }, this.waitMs);
      }
      this.#waiters.push(waiter);
    });
  }
}
