// The database deadline (src/platform/db/postgres.ts; docs/reliability.md, scenario 8): when
// the path to PostgreSQL stops carrying packets, every statement, BEGIN and COMMIT is answered
// within the timeout plus a second, with `database_unavailable`, and service returns on fresh
// connections once the path heals. A TCP proxy between the pool and the server blackholes the
// traffic. PostgreSQL only: the embedded database has no network to lose.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailable, type Db } from '../../src/platform/db/db.ts';
import { openPostgres } from '../../src/platform/db/postgres.ts';
import { type Unanswered, unansweredListeners } from '../../src/platform/db/unanswered.ts';
import { TcpProxy } from '../fault/harness/proxy.ts';
import { postgresUrl } from '../support/engine.ts';

const TIMEOUT_SECONDS = 0.4;
/** The timeout, the second of grace, and room for a busy machine. */
const ANSWER_WITHIN_MS = TIMEOUT_SECONDS * 1000 + 1000 + 1500;

describe.skipIf(!postgresUrl)('database deadline (PostgreSQL: PGlite has no network)', () => {
  let proxy: TcpProxy;
  let db: Db;
  const events: Unanswered[] = [];
  const record = (event: Unanswered) => events.push(event);

  beforeAll(async () => {
    const target = new URL(postgresUrl!);
    proxy = new TcpProxy(Number(target.port || 5432), target.hostname);
    await proxy.listen();
    target.port = String(proxy.port);
    db = await openPostgres({
      url: target.toString(),
      poolSize: 2,
      timeoutSeconds: TIMEOUT_SECONDS,
    });
    unansweredListeners.add(record);
  });
  afterEach(() => {
    proxy.set({ kind: 'pass' });
    events.length = 0;
  });
  afterAll(async () => {
    unansweredListeners.delete(record);
    await db?.close();
    await proxy?.close();
  });

  /** Runs `work`, expecting database_unavailable within the deadline; returns the error. */
  async function unavailableInTime(work: () => Promise<unknown>): Promise<DatabaseUnavailable> {
    const started = performance.now();
    const error = await work().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(performance.now() - started).toBeLessThan(ANSWER_WITHIN_MS);
    expect(error).toBeInstanceOf(DatabaseUnavailable);
    expect((error as DatabaseUnavailable).code).toBe('database_unavailable');
    return error as DatabaseUnavailable;
  }

  /** Waits until the pool answers again (fresh connections after the path healed). */
  async function serving(): Promise<void> {
    const until = Date.now() + 5000;
    for (;;) {
      try {
        expect(await db.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
        return;
      } catch (error) {
        if (Date.now() > until) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  it('answers a statement sent into a blackhole with database_unavailable, and serves again once healed', async () => {
    await serving();
    proxy.set({ kind: 'blackhole' });
    await unavailableInTime(() => db.query('SELECT 1'));
    expect(events).toMatchObject([{ statement: 'SELECT 1', dropped: 'pool' }]);
    proxy.set({ kind: 'pass' });
    await serving();
  });

  it('answers a transaction whose COMMIT gets no answer, without retrying it', async () => {
    await serving();
    let runs = 0;
    await unavailableInTime(() =>
      db.transaction(async (tx) => {
        runs++;
        await tx.query('SELECT 1');
        proxy.set({ kind: 'blackhole' });
      }),
    );
    expect(runs).toBe(1);
    expect(events.map((e) => e.statement)).toEqual(['COMMIT']);
    proxy.set({ kind: 'pass' });
    await serving();
  });

  it('fails the rest of a transaction at once after one statement got no answer', async () => {
    await serving();
    let next!: (outcome: { error: unknown; ms: number }) => void;
    const rest = new Promise<{ error: unknown; ms: number }>((resolve) => {
      next = resolve;
    });
    await unavailableInTime(() =>
      db.transaction(async (tx) => {
        proxy.set({ kind: 'blackhole' });
        await tx.query('SELECT 1').catch(async (error) => {
          const started = performance.now();
          const second = await tx.query('SELECT 2').catch((e: unknown) => e);
          next({ error: second, ms: performance.now() - started });
          throw error;
        });
      }),
    );
    const { error, ms } = await rest;
    expect(error).toBeInstanceOf(DatabaseUnavailable);
    expect(ms).toBeLessThan(100);
    proxy.set({ kind: 'pass' });
    await serving();
  });

  it('drops only the lost connection when the others answer', async () => {
    await serving();
    // Both connections of the pool open, then one of them stops carrying packets.
    await Promise.all([db.query('SELECT pg_sleep(0.05)'), db.query('SELECT pg_sleep(0.05)')]);
    proxy.isolate();
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () =>
        db.query('SELECT 1').then(
          () => 'ok',
          (e: unknown) => (e instanceof DatabaseUnavailable ? 'unavailable' : String(e)),
        ),
      ),
    );
    expect(outcomes).toContain('ok');
    expect(outcomes).toContain('unavailable');
    expect(events[0]).toMatchObject({ statement: 'SELECT 1', dropped: 'connection' });
    await serving();
  });

  it('lets PostgreSQL cancel a statement that runs too long, keeping the pool', async () => {
    await serving();
    const error = await unavailableInTime(() => db.query('SELECT pg_sleep(5)'));
    expect((error.cause as { code?: string }).code).toBe('57014');
    expect(events).toEqual([]);
    await serving();
  });

  it('runs migrations without the deadline', async () => {
    await serving();
    const rows = await db.transaction(
      (tx) => tx.query<{ v: string }>(`SELECT pg_sleep(1.5)::text AS v`),
      {
        deadline: false,
      },
    );
    expect(rows).toEqual([{ v: '' }]);
  });

  it('keeps a LISTEN subscription across a lost path to the server, waking the subscriber to catch up', async () => {
    await serving();
    const channel = `ibet_deadline_${process.pid}`;
    const heard: string[] = [];
    const unlisten = await db.listen(channel, (payload) => heard.push(payload));
    try {
      proxy.set({ kind: 'blackhole' });
      await unavailableInTime(() => db.query('SELECT 1'));
      expect(events).toMatchObject([{ dropped: 'pool' }]);
      proxy.set({ kind: 'pass' });
      await serving();
      // Re-listened on a new connection: the subscriber was woken (payload '') and hears again.
      const notifier = new pg.Client({ connectionString: postgresUrl! });
      await notifier.connect();
      try {
        const until = Date.now() + 5000;
        while (!heard.includes('after') && Date.now() < until) {
          await notifier.query(`SELECT pg_notify($1, 'after')`, [channel]);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        await notifier.end();
      }
      expect(heard).toContain('');
      expect(heard).toContain('after');
    } finally {
      await unlisten();
    }
  });
});
