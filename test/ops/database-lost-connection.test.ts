// A transaction whose connection is lost between two of its statements ends there: none of its
// later statements runs anywhere. The driver used before reconnected the lost connection for
// the next caller while the transaction's callback still held it, and the callback's next
// statement ran outside any transaction (porsager/postgres#1216): the fault suite's scenario 8
// found a liability reserved for a bet that was never placed. PostgreSQL only: the embedded
// database has no connection to lose.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailable, type Db } from '../../src/platform/db/db.ts';
import { openPostgres } from '../../src/platform/db/postgres.ts';
import { postgresUrl } from '../support/engine.ts';

const TABLE = 'lost_connection_probe';

describe.skipIf(!postgresUrl)('a transaction whose connection is lost', () => {
  let db: Db;
  let admin: Db;

  beforeAll(async () => {
    admin = await openPostgres({ url: postgresUrl!, poolSize: 1 });
    await admin.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await admin.query(`CREATE TABLE ${TABLE} (n int)`);
    // One connection: whoever uses the pool next gets the connection the transaction lost.
    db = await openPostgres({ url: postgresUrl!, poolSize: 1 });
  });
  afterAll(async () => {
    await db?.close();
    await admin?.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await admin?.close();
  });

  it('runs none of its later statements, in or out of a transaction, and the pool serves on', async () => {
    let resume!: () => void;
    const paused = new Promise<void>((resolve) => {
      resume = resolve;
    });
    let started!: (pid: number) => void;
    const pid = new Promise<number>((resolve) => {
      started = resolve;
    });
    let finished!: (late: unknown) => void;
    const late = new Promise<unknown>((resolve) => {
      finished = resolve;
    });
    const outcome = db
      .transaction(async (tx) => {
        await tx.query(`INSERT INTO ${TABLE} VALUES (1)`);
        const [backend] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        started(backend!.pid);
        await paused;
        finished(
          await tx.query(`INSERT INTO ${TABLE} VALUES (2)`).then(
            () => 'inserted',
            (error: unknown) => error,
          ),
        );
      })
      .then(
        () => 'committed',
        (error: unknown) => error,
      );
    await admin.query('SELECT pg_terminate_backend($1)', [await pid]);
    // The connection's end reaches the client, and another caller wants the pool meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const other = db.query<{ one: number }>('SELECT 1 AS one');
    await new Promise((resolve) => setTimeout(resolve, 300));
    resume();

    expect(await late).toBeInstanceOf(DatabaseUnavailable);
    expect(await outcome).toBeInstanceOf(DatabaseUnavailable);
    expect(await other).toEqual([{ one: 1 }]);
    expect(await admin.query(`SELECT n FROM ${TABLE}`)).toEqual([]);
  });
});
