// Transactions stay safe when the pool is saturated (src/platform/db/postgres.ts, gate.ts).
// The driver used before node-postgres pipelined statements onto busy connections, and a
// transaction's BEGIN written as the last statement a connection's pipeline took was sent
// without reserving the connection (porsager/postgres#823, #1189): the transaction failed with
// UNSAFE_TRANSACTION — a 500 under the bench's spike — and left the server's transaction open
// on a connection that went on to run other callers' statements inside it. The case stays: a
// saturated pool with statements queued, then transactions. PostgreSQL only: the embedded
// database has one connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/platform/db/db.ts';
import { openPostgres } from '../../src/platform/db/postgres.ts';
import { postgresUrl } from '../support/engine.ts';

/** Statements postgres.js pipelined onto one connection (its `max_pipeline`). */
const PIPELINE = 100;

describe.skipIf(!postgresUrl)('a saturated PostgreSQL pool', () => {
  let db: Db;

  beforeAll(async () => {
    db = await openPostgres({ url: postgresUrl!, poolSize: 2 });
    // Both connections open, so that the statements below meet busy ones.
    await Promise.all([db.query('SELECT pg_sleep(0.01)'), db.query('SELECT pg_sleep(0.01)')]);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('runs transactions queued behind full pipelines in a transaction of their own', async () => {
    const held = [db.query('SELECT pg_sleep(0.3)'), db.query('SELECT pg_sleep(0.3)')];
    // Without parameters: the driver pipelines only statements it need not describe first.
    const statements = Array.from({ length: 2 * (PIPELINE - 1) }, (_, i) =>
      db.query<{ n: number }>(`SELECT ${i} AS n`),
    );
    // The statements reach the driver's connections first (as on a loaded server, where the
    // transactions come later than what already fills the pipelines).
    await new Promise((resolve) => setImmediate(resolve));
    const transactions = Array.from({ length: 4 }, (_, i) =>
      db.transaction(async (tx) => {
        const [row] = await tx.query<{ xid: string; n: number }>(
          'SELECT txid_current()::text AS xid, $1::int AS n',
          [i],
        );
        return row!;
      }),
    );
    await Promise.all(held);
    expect((await Promise.all(statements)).map((rows) => rows[0]!.n)).toEqual(
      statements.map((_, i) => i),
    );
    const done = await Promise.all(transactions);
    expect(done.map((row) => row.n)).toEqual([0, 1, 2, 3]);
    // Each in a transaction of its own, none left open on the server.
    expect(new Set(done.map((row) => row.xid)).size).toBe(4);
    const [open] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'ibet'
         AND state LIKE 'idle in transaction%'`,
    );
    expect(open!.n).toBe(0);
  });
});
