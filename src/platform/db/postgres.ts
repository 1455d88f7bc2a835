// The pooled PostgreSQL client (postgres.js), with a deadline on every answer. The driver has
// none: a statement, BEGIN or COMMIT written to a connection whose packets no longer arrive
// (a network partition, a firewall dropping the flow, a peer gone without a reset) waits
// until TCP gives up, minutes later, and the request waits with it. Here PostgreSQL cancels
// statements that run longer than the timeout (`statement_timeout`), so an answer that has
// not come a second after that will not come: the request fails with `DatabaseUnavailable`
// (503, outcome unknown, retried by the client with its idempotency key) and the pool is
// replaced, which destroys the lost connection.
import postgres from 'postgres';
import {
  asUnavailable,
  DatabaseUnavailable,
  type Db,
  isPgError,
  outsideTransaction,
  type Tx,
  toParams,
  withinTransaction,
  withRetry,
} from './db.ts';
import { driverFaultListeners, type Unanswered, unansweredListeners } from './driver-faults.ts';
import { ConnectionGate } from './gate.ts';

export interface PostgresOpenOptions {
  url: string;
  poolSize?: number;
  /**
   * Seconds a statement may run before PostgreSQL cancels it; a statement, BEGIN, COMMIT or
   * connection attempt still unanswered a second later fails as `DatabaseUnavailable`.
   * Default 10 (`IBET_DATABASE_TIMEOUT_SECONDS`).
   */
  timeoutSeconds?: number;
}

/** Time for PostgreSQL's own cancellation to arrive before the connection is given up. */
const GRACE_MS = 1000;

interface Pool {
  sql: postgres.Sql;
  /** When a statement on this pool last got an answer (a result or an error of the server). */
  answeredAt: number;
}

interface Subscription {
  channel: string;
  onNotify: (payload: string) => void;
  unlisten?: () => Promise<void>;
}

/** Opens a pooled PostgreSQL client (postgres.js). Money decisions always use this primary. */
export async function openPostgres(
  options: PostgresOpenOptions,
): Promise<Db & { sql: postgres.Sql }> {
  const timeoutSeconds = options.timeoutSeconds ?? 10;
  const timeoutMs = Math.round(timeoutSeconds * 1000);
  const deadlineMs = timeoutMs + GRACE_MS;
  const poolSize = options.poolSize ?? 16;
  // The driver gets no more statements and transactions than it has connections (gate.ts).
  const gate = new ConnectionGate(poolSize, deadlineMs);
  const connect = (): Pool => ({
    answeredAt: performance.now(),
    sql: postgres(options.url, {
      max: poolSize,
      types: {
        bigint: postgres.BigInt,
        // A string bound to a json/jsonb parameter is JSON text, as on PGlite. The driver's
        // default JSON.stringify-ed it again, so `$1::jsonb` stored a JSON *string* (replayed
        // idempotent responses and outbox payloads came back as text on PostgreSQL only).
        json: {
          to: 114,
          from: [114, 3802],
          serialize: (value: unknown) =>
            typeof value === 'string' ? value : JSON.stringify(value),
          parse: (text: string) => JSON.parse(text),
        },
      },
      connection: {
        TimeZone: 'UTC',
        application_name: 'ibet',
        // The server's half of the deadline: a statement that runs too long is cancelled
        // (and answered), and a transaction whose client vanished releases its locks.
        statement_timeout: timeoutMs,
        idle_in_transaction_session_timeout: 2 * deadlineMs,
      },
      // Past the deadline, so that a connection that never opens (see `recycle`) is given up
      // by the deadline, which replaces the pool, rather than by the driver, which keeps it.
      connect_timeout: (deadlineMs + GRACE_MS) / 1000,
      // Idle connections (the LISTEN one above all) learn of a dead peer from TCP keepalive:
      // the driver's default of 60 s before the first probe is too slow.
      keep_alive: Math.min(10, timeoutSeconds),
      onnotice: () => {},
    }),
  });
  let pool = connect();
  // Fail at start-up, with the driver's message, when the server cannot be reached.
  await pool.sql`select 1`;

  const subscriptions = new Set<Subscription>();
  const subscribe = async (target: Pool, s: Subscription, renewed: boolean) => {
    let first = true;
    const { unlisten } = await target.sql.listen(
      s.channel,
      (payload) => s.onNotify(payload),
      () => {
        // Re-listening (after the LISTEN connection was lost, or on a new pool): whatever
        // was notified meanwhile is gone, so the subscriber is woken once to catch up.
        if (renewed || !first) s.onNotify('');
        first = false;
      },
    );
    s.unlisten = unlisten;
  };

  // Replaces the pool; ending the old one destroys its connections (after `graceSeconds`
  // for queries still running), which rejects whatever was stuck on them.
  const replace = (graceSeconds: number) => {
    const old = pool;
    pool = connect();
    for (const s of subscriptions) void subscribe(pool, s, true).catch(() => {});
    void old.sql.end({ timeout: graceSeconds }).catch(() => {});
  };

  // On the driver's write-after-close fault (driver-faults.ts), a connection of the pool is
  // broken for good: the throw leaves its write buffer marked as scheduled, so nothing it
  // writes afterwards (a reconnect's startup message included) ever leaves the process, and
  // each query handed to it waits for the connect timeout, again and again. Replace the pool
  // on every fault (faults of one burst together), letting its other queries finish first. An
  // earlier version skipped faults within a second of a replacement: a broken connection of
  // the new pool then stayed, and requests hung on it (the fault suite, scenario 8).
  let recycling = false;
  const recycle = () => {
    if (recycling) return;
    recycling = true;
    setImmediate(() => {
      recycling = false;
      replace(5);
    });
  };
  driverFaultListeners.add(recycle);

  // A deadline expired on `on`: a statement there will not be answered. Its connection is
  // lost, and the driver offers no way to single it out: the pool is replaced. When nothing on
  // it has been answered since the statement was sent, every connection stalled (the path to
  // the server is gone): they are destroyed at once. Otherwise the others are alive: their
  // statements get the timeout to finish before the old pool is destroyed.
  const expired = (on: Pool, statement: string, since: number) => {
    const stalled = on.answeredAt < since;
    const current = on === pool;
    if (current) replace(stalled ? 0 : timeoutSeconds);
    const event: Unanswered = {
      statement: statement.replace(/\s+/g, ' ').trim().slice(0, 60),
      waitedMs: Math.round(performance.now() - since),
      pool: !current ? 'renewed already' : stalled ? 'destroyed' : 'drained',
    };
    for (const listener of unansweredListeners) listener(event);
  };

  const run = async <T>(
    on: Pool,
    conn: postgres.Sql | postgres.TransactionSql,
    text: string,
    params?: readonly unknown[],
  ) => {
    try {
      const rows = (await conn.unsafe(text, toParams(params) as postgres.ParameterOrJSON<never>[], {
        prepare: true,
      })) as unknown as T[];
      on.answeredAt = performance.now();
      return rows;
    } catch (error) {
      if (isPgError(error)) on.answeredAt = performance.now();
      throw error;
    }
  };

  return {
    engine: 'postgres',
    gate,
    get sql() {
      return pool.sql;
    },
    async query(text, params) {
      outsideTransaction();
      return gate.run(async () => {
        const on = pool;
        const watch = new Deadline(deadlineMs, (what, since) => expired(on, what, since));
        try {
          return await watch.during(text, run(on, on.sql, text, params));
        } catch (error) {
          throw asUnavailable(error);
        }
      });
    },
    async transaction(fn, options) {
      outsideTransaction();
      const bounded = options?.deadline !== false;
      // Each attempt holds a connection; the back-off between attempts does not.
      return withRetry(options?.attempts ?? 5, () =>
        gate.run(async () => {
          const on = pool;
          const watch = new Deadline(bounded ? deadlineMs : 0, (what, since) =>
            expired(on, what, since),
          );
          // The deadline runs while the driver works for the transaction (BEGIN, each
          // statement, COMMIT or ROLLBACK), not while the callback computes between them.
          watch.arm('BEGIN');
          const work = on.sql.begin(async (conn) => {
            watch.disarm();
            if (!bounded) await conn.unsafe('SET LOCAL statement_timeout = 0');
            let committing = false;
            try {
              const result = await withinTransaction(() =>
                fn({
                  query: (text: string, params?: readonly unknown[]) =>
                    watch.during(text, run(on, conn, text, params)),
                  script: async (text: string) => {
                    await watch.during(
                      text,
                      conn.unsafe(text).then(() => undefined),
                    );
                  },
                } as unknown as Tx),
              );
              committing = true;
              return result;
            } finally {
              watch.arm(committing ? 'COMMIT' : 'ROLLBACK');
            }
          });
          // Once the deadline has answered, the driver's own outcome is of no interest.
          work.catch(() => {});
          try {
            return (await Promise.race([work, watch.expired])) as Awaited<ReturnType<typeof fn>>;
          } catch (error) {
            throw asUnavailable(error);
          } finally {
            watch.end();
          }
        }),
      );
    },
    async listen(channel, onNotify) {
      const s: Subscription = { channel, onNotify };
      subscriptions.add(s);
      await subscribe(pool, s, false);
      return async () => {
        subscriptions.delete(s);
        await s.unlisten?.().catch(() => {});
      };
    },
    async close() {
      driverFaultListeners.delete(recycle);
      subscriptions.clear();
      await pool.sql.end({ timeout: 5 });
    },
  };
}

/**
 * The deadlines of one statement or transaction. When one expires, `expired` rejects (with
 * `DatabaseUnavailable`) and stays rejected: every later statement of the same transaction
 * fails at once, and the transaction unwinds.
 */
class Deadline {
  readonly expired: Promise<never>;
  private reject!: (error: Error) => void;
  private readonly timers = new Set<NodeJS.Timeout>();
  private over = false;
  /** Statements racing `expired` now. */
  private racing = 0;
  private step: (() => void) | undefined;

  /** `ms` 0: no deadline. */
  constructor(
    private readonly ms: number,
    private readonly onExpire: (what: string, since: number) => void,
  ) {
    this.expired = new Promise<never>((_, reject) => {
      this.reject = reject;
    });
    this.expired.catch(() => {});
  }

  /** Starts a deadline for `what`; returns the function that stops it. */
  start(what: string): () => void {
    if (this.over || this.ms === 0) return () => {};
    const since = performance.now();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.over) return;
      this.reject(
        new DatabaseUnavailable(`The database did not answer within ${this.ms / 1000} s.`),
      );
      this.end();
      this.onExpire(what, since);
    }, this.ms);
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  /** The deadline of the transaction's own step (BEGIN, then COMMIT or ROLLBACK). */
  arm(what: string): void {
    this.disarm();
    this.step = this.start(what);
  }

  disarm(): void {
    this.step?.();
    this.step = undefined;
  }

  async during<T>(what: string, work: Promise<T>): Promise<T> {
    if (this.over) {
      work.catch(() => {});
      throw new DatabaseUnavailable('The transaction has ended.');
    }
    const stop = this.start(what);
    this.racing++;
    try {
      return await Promise.race([work, this.expired]);
    } finally {
      this.racing--;
      stop();
    }
  }

  /**
   * No deadline any more: the caller has had its answer. A callback still running (its
   * transaction failed under it) gets an error for each further statement at once, rather
   * than waiting on a connection that is gone. (The error is made only when a statement is
   * still waiting: building one costs more than the rest of a short transaction's deadline.)
   */
  end(): void {
    if (this.over) return;
    this.over = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.racing > 0) this.reject(new DatabaseUnavailable('The transaction has ended.'));
  }
}
