// The pooled PostgreSQL client (node-postgres), with a deadline on every answer.
//
// A transaction holds one client from BEGIN to COMMIT or ROLLBACK. A client whose connection
// is lost is never queryable again and leaves the pool when released: every later statement
// of its transaction fails at once, and nothing of it can reach another connection. (The
// driver used before, postgres.js 3.4.9, reconnected the lost connection of a transaction
// for other callers while the transaction's callback still held it, so the callback's next
// statement ran outside its transaction, or inside another caller's — porsager/postgres
// #1216, #1155, unreleased. The fault suite's scenario 8 caught it as a liability reserved
// for a bet that was never placed.)
//
// The driver has no deadline of its own: a statement, BEGIN or COMMIT written to a connection
// whose packets no longer arrive (a network partition, a firewall dropping the flow, a peer
// gone without a reset) waits until TCP gives up, minutes later, and the request waits with
// it. Here PostgreSQL cancels statements that run longer than the timeout
// (`statement_timeout`), so an answer that has not come a second after that will not come:
// the request fails with `DatabaseUnavailable` (503, outcome unknown, retried by the client
// with its idempotency key) and its connection is destroyed. When nothing on the pool has
// answered since the statement was sent, the path to the server is gone: the whole pool is
// replaced, so that requests do not try its idle connections one by one.
import { createHash } from 'node:crypto';
import pg from 'pg';
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
import { ConnectionGate } from './gate.ts';
import { type Unanswered, unansweredListeners } from './unanswered.ts';

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

// Values as the embedded engine gives them, which the code is written for: bigint for int8,
// a date at midnight UTC, numeric and interval as PostgreSQL's text.
const builtin = pg.types.getTypeParser as (
  oid: number,
  format?: string,
) => (text: string) => unknown;
const bigints = (value: unknown): unknown =>
  Array.isArray(value) ? value.map(bigints) : value === null ? null : BigInt(value as string);
const parsers: Record<number, (text: string) => unknown> = {
  20: BigInt,
  1016: (text) => bigints(builtin(1016, 'text')(text)),
  1082: (text) => new Date(text),
  1186: (text) => text,
  1231: (text) => builtin(1009, 'text')(text),
};
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    parsers[oid] ?? builtin(oid, format)) as typeof pg.types.getTypeParser,
};

/** node-postgres reports a lost connection by its message only. */
const LOST = /Connection terminated|not queryable|timeout exceeded when trying to connect/;

/** `error` as a `DatabaseUnavailable` when it means a lost or stalled database, else itself. */
function unavailable(error: unknown): unknown {
  if (error instanceof Error && !isPgError(error) && LOST.test(error.message)) {
    return new DatabaseUnavailable('The database connection was lost.', error);
  }
  return asUnavailable(error);
}

/**
 * Each statement is prepared once per connection under a name derived from its text, so
 * that PostgreSQL parses and plans it once.
 */
const statementName = (text: string) => createHash('sha1').update(text).digest('base64url');

interface Pool {
  pool: pg.Pool;
  /** When a statement on this pool last got an answer (a result or an error of the server). */
  answeredAt: number;
}

interface Subscription {
  channel: string;
  onNotify: (payload: string) => void;
}

/** Opens a pooled PostgreSQL client (node-postgres). Money decisions always use this primary. */
export async function openPostgres(options: PostgresOpenOptions): Promise<Db> {
  const timeoutSeconds = options.timeoutSeconds ?? 10;
  const timeoutMs = Math.round(timeoutSeconds * 1000);
  const deadlineMs = timeoutMs + GRACE_MS;
  const poolSize = options.poolSize ?? 16;
  // Operations wait for a connection here, where the wait is measured (gate.ts).
  const gate = new ConnectionGate(poolSize, deadlineMs);
  const client: pg.ClientConfig = {
    connectionString: options.url,
    types,
    application_name: 'ibet',
    options: '-c TimeZone=UTC',
    // The server's half of the deadline: a statement that runs too long is cancelled (and
    // answered), and a transaction whose client vanished releases its locks.
    statement_timeout: timeoutMs,
    idle_in_transaction_session_timeout: 2 * deadlineMs,
    connectionTimeoutMillis: deadlineMs,
    // Idle connections (the LISTEN one above all) learn of a dead peer from TCP keepalive.
    keepAlive: true,
    keepAliveInitialDelayMillis: Math.min(10, timeoutSeconds) * 1000,
  };
  const connect = (): Pool => {
    const pool = new pg.Pool({ ...client, max: poolSize, maxLifetimeSeconds: 1800 });
    // A connection lost while idle, or while a caller holds it: the caller's statements fail
    // and the pool drops it on release. The event itself needs no more.
    pool.on('error', () => {});
    pool.on('connect', (c) => c.on('error', () => {}));
    return { pool, answeredAt: performance.now() };
  };
  let current = connect();
  // Fail at start-up, with the driver's message, when the server cannot be reached.
  await current.pool.query('SELECT 1');

  // LISTEN has a connection of its own, reopened a second after it is lost; the subscribers
  // are then woken once to catch up on what was notified meanwhile.
  const subscriptions = new Set<Subscription>();
  let listener: { ready: Promise<pg.Client>; drop: () => void } | undefined;
  let closed = false;
  const listenOn = (target: pg.Client, channel: string) =>
    target.query(`LISTEN ${target.escapeIdentifier(channel)}`);
  const openListener = (renewed: boolean): Promise<pg.Client> => {
    const target = new pg.Client(client);
    const drop = () => {
      if (listener?.drop !== drop) return;
      listener = undefined;
      void target.end().catch(() => {});
      if (closed || subscriptions.size === 0) return;
      setTimeout(() => {
        if (!closed && !listener) void openListener(true).catch(() => {});
      }, 1000).unref();
    };
    target.on('error', drop);
    target.on('end', drop);
    target.on('notification', (n) => {
      for (const s of subscriptions) if (s.channel === n.channel) s.onNotify(n.payload ?? '');
    });
    const ready = (async () => {
      await target.connect();
      for (const channel of new Set([...subscriptions].map((s) => s.channel))) {
        await listenOn(target, channel);
      }
      if (renewed) for (const s of subscriptions) s.onNotify('');
      return target;
    })();
    listener = { ready, drop };
    ready.catch(drop);
    return ready;
  };

  // A deadline expired on `on`: a statement there will not be answered. Its connection is
  // destroyed when released. When nothing on the pool has been answered since the statement
  // was sent, every connection stalled (the path to the server is gone): the pool is replaced
  // and the LISTEN connection reopened.
  const expired = (on: Pool, statement: string, since: number) => {
    const stalled = on.answeredAt < since;
    if (stalled && on === current) {
      current = connect();
      void on.pool.end().catch(() => {});
      listener?.drop();
    }
    const event: Unanswered = {
      statement: statement.replace(/\s+/g, ' ').trim().slice(0, 60),
      waitedMs: Math.round(performance.now() - since),
      dropped: stalled ? 'pool' : 'connection',
    };
    for (const listener of unansweredListeners) listener(event);
  };

  const run = async <T>(
    on: Pool,
    conn: pg.PoolClient,
    text: string,
    params?: readonly unknown[],
  ) => {
    try {
      const result = await conn.query({
        name: statementName(text),
        text,
        values: toParams(params),
      });
      on.answeredAt = performance.now();
      return result.rows as T[];
    } catch (error) {
      if (!isPgError(error)) throw unavailable(error);
      on.answeredAt = performance.now();
      throw error;
    }
  };

  /** A client of the current pool, and the pool it came from. */
  const checkout = async (): Promise<{ on: Pool; conn: pg.PoolClient }> => {
    const on = current;
    try {
      return { on, conn: await on.pool.connect() };
    } catch (error) {
      throw unavailable(error);
    }
  };

  return {
    engine: 'postgres',
    gate,
    async query(text, params) {
      outsideTransaction();
      return gate.run(async () => {
        const { on, conn } = await checkout();
        const watch = new Deadline(deadlineMs, (what, since) => expired(on, what, since));
        try {
          return await watch.during(text, () => run(on, conn, text, params));
        } catch (error) {
          throw unavailable(error);
        } finally {
          watch.end();
          conn.release(watch.hasExpired);
        }
      });
    },
    async transaction(fn, options) {
      outsideTransaction();
      const bounded = options?.deadline !== false;
      // Each attempt holds a connection; the back-off between attempts does not.
      return withRetry(options?.attempts ?? 5, () =>
        gate.run(async () => {
          const { on, conn } = await checkout();
          const watch = new Deadline(bounded ? deadlineMs : 0, (what, since) =>
            expired(on, what, since),
          );
          // The deadline runs while the driver works for the transaction (BEGIN, each
          // statement, COMMIT or ROLLBACK), not while the callback computes between them.
          const step = (text: string) => watch.during(text, () => conn.query(text));
          try {
            await step(bounded ? 'BEGIN' : 'BEGIN; SET LOCAL statement_timeout = 0');
            const result = await withinTransaction(() =>
              fn({
                query: (text: string, params?: readonly unknown[]) =>
                  watch.during(text, () => run(on, conn, text, params)),
                script: async (text: string) => {
                  await watch.during(text, () => conn.query(text));
                },
              } as unknown as Tx),
            );
            await step('COMMIT');
            return result;
          } catch (error) {
            // A lost connection refuses the ROLLBACK at once; the server rolls back anyway.
            await step('ROLLBACK').catch(() => {});
            throw unavailable(error);
          } finally {
            watch.end();
            conn.release(watch.hasExpired);
          }
        }),
      );
    },
    async listen(channel, onNotify) {
      const s: Subscription = { channel, onNotify };
      subscriptions.add(s);
      try {
        const target = await (listener?.ready ?? openListener(false));
        await listenOn(target, channel);
      } catch (error) {
        subscriptions.delete(s);
        throw unavailable(error);
      }
      return async () => {
        subscriptions.delete(s);
        if ([...subscriptions].some((other) => other.channel === channel)) return;
        await listener?.ready
          .then((target) => target.query(`UNLISTEN ${target.escapeIdentifier(channel)}`))
          .catch(() => {});
      };
    },
    async close() {
      closed = true;
      subscriptions.clear();
      const last = listener;
      listener = undefined;
      await last?.ready.then((target) => target.end()).catch(() => {});
      await current.pool.end();
    },
  };
}

/**
 * The deadlines of one statement or transaction. When one expires, every statement of the
 * transaction still waiting fails with `DatabaseUnavailable` (statements run side by side
 * included), and so does every later one, at once and without being sent.
 */
class Deadline {
  private over = false;
  /** A deadline expired: the connection is lost, and destroyed when released. */
  hasExpired = false;
  /** Rejected when the first deadline expires, failing every statement still waiting. */
  private readonly expired: Promise<never>;
  private reject!: (error: Error) => void;

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

  /** Sends `work` unless the deadline has ended; fails when its answer does not come in time. */
  async during<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (this.over) throw new DatabaseUnavailable('The transaction has ended.');
    const answer = work();
    if (this.ms === 0) return answer;
    // Once the deadline has answered, the driver's own outcome is of no interest.
    answer.catch(() => {});
    const since = performance.now();
    const timer = setTimeout(() => {
      if (this.over) return;
      this.over = true;
      this.hasExpired = true;
      this.reject(
        new DatabaseUnavailable(`The database did not answer within ${this.ms / 1000} s.`),
      );
      this.onExpire(what, since);
    }, this.ms);
    try {
      return await Promise.race([answer, this.expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** No statement is sent any more. */
  end(): void {
    this.over = true;
  }
}
