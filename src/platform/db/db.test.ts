import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../../../test/support/db.ts';
import { engine } from '../../../test/support/engine.ts';
import { DomainError } from '../errors.ts';
import { constraintOf, type Db, isPgError, type PgError, toParams, withRetry } from './db.ts';

const pgError = (code: string, extra: Partial<PgError> = {}) =>
  Object.assign(new Error(`sqlstate ${code}`), { code, ...extra });

describe('withRetry', () => {
  it.each(['40001', '40P01'])('retries SQLSTATE %s and returns the first success', async (code) => {
    let calls = 0;
    const result = await withRetry(5, async () => {
      calls++;
      if (calls < 3) throw pgError(code);
      return 'ok';
    });
    expect({ result, calls }).toEqual({ result: 'ok', calls: 3 });
  });

  it('gives up after the given number of attempts and rethrows the last error', async () => {
    let calls = 0;
    const error = await withRetry(4, async () => {
      calls++;
      throw pgError('40001');
    }).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect(error).toMatchObject({ code: '40001' });
  });

  it.each([
    ['a unique violation', pgError('23505')],
    ['a check violation', pgError('23514')],
    ['a plain error', new Error('boom')],
    ['a domain error', new DomainError('insufficient_funds', 'invalid', 'No.')],
    ['an error-like object that is not an Error', { code: '40001' }],
  ])('does not retry %s', async (_what, thrown) => {
    let calls = 0;
    await expect(
      withRetry(5, async () => {
        calls++;
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    expect(calls).toBe(1);
  });
});

describe('error and parameter helpers', () => {
  it('recognises database errors by their five-character SQLSTATE', () => {
    expect(isPgError(pgError('23505'))).toBe(true);
    expect(isPgError(pgError('23505'), '23505')).toBe(true);
    expect(isPgError(pgError('23505'), '23514')).toBe(false);
    expect(isPgError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isPgError(new Error('x'))).toBe(false);
  });

  it('reads the constraint name the way either driver reports it', () => {
    expect(constraintOf(pgError('23514', { constraint: 'a' }))).toBe('a');
    expect(constraintOf(pgError('23514', { constraint_name: 'b' }))).toBe('b');
  });

  it('passes bigints, also inside arrays, as exact decimal strings', () => {
    expect(toParams([2n ** 63n - 1n, [1n, 2n], 'x', 3, null])).toEqual([
      '9223372036854775807',
      ['1', '2'],
      'x',
      3,
      null,
    ]);
    expect(toParams(undefined)).toEqual([]);
  });
});

describe(`the ${engine} database`, () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
    await db.query('CREATE TABLE public.db_test (id int PRIMARY KEY, note text)');
  });
  afterAll(async () => {
    await db.close();
  });

  it('reads and writes bigints beyond 2^53 exactly', async () => {
    const [row] = await db.query<{ v: bigint; a: bigint[] }>(
      'SELECT $1::bigint + 1 AS v, $2::bigint[] AS a',
      [9_007_199_254_740_993n, [2n ** 62n, 1n]],
    );
    expect(row).toEqual({ v: 9_007_199_254_740_994n, a: [2n ** 62n, 1n] });
  });

  it('stores a JSON text parameter as a JSON object, alone or in an array', async () => {
    const [row] = await db.query<{ one: unknown; kind: string; many: unknown[] }>(
      `SELECT $1::jsonb AS one, jsonb_typeof($1::jsonb) AS kind,
              (SELECT array_agg(x) FROM unnest($2::jsonb[]) x) AS many`,
      [JSON.stringify({ a: '1', b: [true] }), [JSON.stringify({ c: 2 }), '"text"']],
    );
    expect(row).toEqual({ one: { a: '1', b: [true] }, kind: 'object', many: [{ c: 2 }, 'text'] });
  });

  it('rolls back every write of a transaction that throws', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO public.db_test VALUES (1, 'rolled back')`);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db.query('SELECT * FROM public.db_test WHERE id = 1')).toEqual([]);
  });

  it('retries a transaction after a serialization failure, keeping only the committed attempt', async () => {
    let attempts = 0;
    const result = await db.transaction(async (tx) => {
      attempts++;
      await tx.query('INSERT INTO public.db_test VALUES (2, $1)', [`attempt ${attempts}`]);
      if (attempts === 1) throw pgError('40001');
      return attempts;
    });
    expect(result).toBe(2);
    expect(await db.query('SELECT note FROM public.db_test WHERE id = 2')).toEqual([
      { note: 'attempt 2' },
    ]);
  });

  it('stops retrying at the attempts the caller allows', async () => {
    let attempts = 0;
    await expect(
      db.transaction(
        async () => {
          attempts++;
          throw pgError('40P01');
        },
        { attempts: 2 },
      ),
    ).rejects.toMatchObject({ code: '40P01' });
    expect(attempts).toBe(2);
  });

  it.runIf(engine === 'postgres')(
    'survives a real deadlock: the victim is retried and both transactions commit',
    async () => {
      await db.query(`INSERT INTO public.db_test VALUES (10, ''), (11, '')`);
      let arrived = 0;
      let release!: () => void;
      const bothHoldTheirFirstLock = new Promise<void>((resolve) => {
        release = resolve;
      });
      const attempts = { a: 0, b: 0 };
      const lockInOrder = (name: 'a' | 'b', first: number, second: number) =>
        db.transaction(async (tx) => {
          attempts[name]++;
          await tx.query('SELECT 1 FROM public.db_test WHERE id = $1 FOR UPDATE', [first]);
          if (attempts[name] === 1) {
            if (++arrived === 2) release();
            await bothHoldTheirFirstLock;
          }
          await tx.query('SELECT 1 FROM public.db_test WHERE id = $1 FOR UPDATE', [second]);
          await tx.query('UPDATE public.db_test SET note = note || $1 WHERE id IN (10, 11)', [
            name,
          ]);
        });

      await Promise.all([lockInOrder('a', 10, 11), lockInOrder('b', 11, 10)]);
      expect(attempts.a + attempts.b, 'one of them was the deadlock victim').toBe(3);
      const notes = await db.query<{ note: string }>(
        'SELECT note FROM public.db_test WHERE id IN (10, 11) ORDER BY id',
      );
      for (const { note } of notes) expect([...note].sort().join('')).toBe('ab');
    },
  );
});
