import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../../../test/support/db.ts';
import type { Db } from './db.ts';

describe('the database handle inside a transaction', () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db.close();
  });

  it('refuses db.query inside a transaction callback instead of waiting forever', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('SELECT 1');
        await db.query('SELECT 1');
      }),
    ).rejects.toThrow(/use its tx/);
  });

  it('refuses a nested db.transaction, and rolls the outer one back', async () => {
    await db.query('CREATE TABLE guard_probe (n int)');
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO guard_probe VALUES (1)');
        await db.transaction(async () => undefined);
      }),
    ).rejects.toThrow(/use its tx/);
    expect(await db.query('SELECT n FROM guard_probe')).toEqual([]);
  });

  it('allows the handle again once the transaction is over', async () => {
    await db.transaction((tx) => tx.query('SELECT 1'));
    expect(await db.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
