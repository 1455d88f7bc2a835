import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../../test/support/db.ts';
import type { Db } from './db/db.ts';
import { DomainError } from './errors.ts';
import {
  type ClaimColumns,
  checkIdempotencyKey,
  claimCtes,
  claimKey,
  claimOf,
  hashRequest,
  IDEMPOTENCY_CLAIM_COLUMNS,
  inProgress,
  pruneIdempotencyKeys,
  runIdempotent,
  runIdempotentInStatements,
  storeCte,
} from './idempotency.ts';

describe('hashRequest', () => {
  it('does not depend on the order of object keys, at any depth', () => {
    expect(hashRequest('cmd', { a: 1, b: { c: [1, { d: 2, e: 3 }], f: 'x' } })).toBe(
      hashRequest('cmd', { b: { f: 'x', c: [1, { e: 3, d: 2 }] }, a: 1 }),
    );
  });

  it('hashes bigint values (which JSON cannot) and tells different amounts apart', () => {
    const h100 = hashRequest('wallet.deposit', { ownerId: 'p', amount: 100n });
    expect(h100).toMatch(/^[0-9a-f]{64}$/);
    expect(h100).toBe(hashRequest('wallet.deposit', { amount: 100n, ownerId: 'p' }));
    expect(h100).not.toBe(hashRequest('wallet.deposit', { ownerId: 'p', amount: 101n }));
    expect(hashRequest('x', { big: 2n ** 70n })).not.toBe(
      hashRequest('x', { big: 2n ** 70n + 1n }),
    );
  });

  it('tells inputs that differ only by a date apart', () => {
    expect(hashRequest('x', { at: new Date('2025-01-01T00:00:00Z') })).not.toBe(
      hashRequest('x', { at: new Date('2025-01-02T00:00:00Z') }),
    );
    expect(hashRequest('x', { at: new Date('2025-01-01T00:00:00Z') })).toBe(
      hashRequest('x', { at: '2025-01-01T00:00:00.000Z' }),
    );
  });

  it('tells commands, array orders and values apart', () => {
    const input = { legs: ['a', 'b'] };
    expect(hashRequest('wallet.deposit', input)).not.toBe(hashRequest('wallet.withdrawal', input));
    expect(hashRequest('x', { legs: ['a', 'b'] })).not.toBe(hashRequest('x', { legs: ['b', 'a'] }));
    expect(hashRequest('x', { v: null })).not.toBe(hashRequest('x', { v: 'null' }));
    expect(hashRequest('x', { v: 1 })).not.toBe(hashRequest('x', { v: '1' }));
  });
});

describe('checkIdempotencyKey', () => {
  it.each([undefined, ''])('requires a key (%j)', (key) => {
    expect(() => checkIdempotencyKey(key)).toThrow(
      expect.objectContaining({ code: 'idempotency_key_required', kind: 'bad_request' }),
    );
  });

  it.each([
    ['256 characters', 'k'.repeat(256)],
    ['a space', 'a b'],
    ['a tab', 'a\tb'],
    ['a newline', 'a\nb'],
    ['non-ASCII', 'schlüssel'],
  ])('refuses a key with %s', (_what, key) => {
    expect(() => checkIdempotencyKey(key)).toThrow(
      expect.objectContaining({ code: 'idempotency_key_invalid', kind: 'bad_request' }),
    );
  });

  it.each(['k'.repeat(255), '!', '~', randomUUID(), 'order-42/retry:1'])(
    'accepts the printable key %s',
    (key) => {
      expect(checkIdempotencyKey(key)).toBe(key);
    },
  );
});

describe('runIdempotent (real database)', () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db.close();
  });

  const keyRow = async (scope: string, key: string) =>
    db.query<{ status_code: number | null; response: unknown; completed: boolean }>(
      `SELECT status_code, response, completed_at IS NOT NULL AS completed
       FROM platform.idempotency_keys WHERE scope = $1 AND key = $2`,
      [scope, key],
    );

  it('runs a command once and replays its stored result, nested JSON intact', async () => {
    const scope = randomUUID();
    let runs = 0;
    const command = { scope, idempotencyKey: 'k-1', input: { amount: 10n, note: 'x' } };
    const result = { id: 'r1', amount: '10', nested: { list: [1, 'two', null], flag: true } };
    const run = async () => {
      runs++;
      return result;
    };

    const first = await runIdempotent(db, 'test.cmd', command, run);
    const second = await runIdempotent(db, 'test.cmd', command, run);

    expect(first).toEqual({ result, idempotencyHit: false });
    expect(second).toEqual({ result: first.result, idempotencyHit: true });
    expect(runs).toBe(1);
    const [row] = await keyRow(scope, 'k-1');
    // Stored as a JSON object on both engines, not as a JSON string.
    expect(row).toEqual({ status_code: 200, response: first.result, completed: true });
  });

  it('prunes completed keys older than the retention, and keeps recent and unfinished ones', async () => {
    const scope = randomUUID();
    await runIdempotent(db, 'test.cmd', { scope, idempotencyKey: 'old', input: {} }, async () => 1);
    await runIdempotent(db, 'test.cmd', { scope, idempotencyKey: 'new', input: {} }, async () => 2);
    await db.query(
      `INSERT INTO platform.idempotency_keys (scope, key, request_hash, created_at)
       VALUES ($1, 'unfinished', 'h', now() - interval '10 days')`,
      [scope],
    );
    await db.query(
      `UPDATE platform.idempotency_keys SET created_at = now() - interval '4 days'
       WHERE scope = $1 AND key = 'old'`,
      [scope],
    );
    expect(await pruneIdempotencyKeys(db, 72)).toBe(1);
    const left = await db.query<{ key: string }>(
      'SELECT key FROM platform.idempotency_keys WHERE scope = $1 ORDER BY key',
      [scope],
    );
    expect(left.map((r) => r.key)).toEqual(['new', 'unfinished']);
  });

  it('refuses the same key with other input and does not run the command', async () => {
    const scope = randomUUID();
    let runs = 0;
    const run = async () => ++runs;
    await runIdempotent(db, 'test.cmd', { scope, idempotencyKey: 'k', input: { a: 1 } }, run);
    await expect(
      runIdempotent(db, 'test.cmd', { scope, idempotencyKey: 'k', input: { a: 2 } }, run),
    ).rejects.toMatchObject({ code: 'idempotency_key_reused', kind: 'invalid' });
    await expect(
      runIdempotent(db, 'other.cmd', { scope, idempotencyKey: 'k', input: { a: 1 } }, run),
    ).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    expect(runs).toBe(1);
  });

  it('releases the key when the command fails with a domain error, so a retry runs it', async () => {
    const scope = randomUUID();
    const command = { scope, idempotencyKey: 'k', input: {} };
    await expect(
      runIdempotent(db, 'test.cmd', command, async (tx) => {
        await tx.query(
          `INSERT INTO platform.outbox (type, aggregate_id, payload) VALUES ('test.partial', $1, '{}')`,
          [scope],
        );
        throw new DomainError('nope', 'invalid', 'Not now.');
      }),
    ).rejects.toBeInstanceOf(DomainError);
    expect(await keyRow(scope, 'k')).toEqual([]);
    const partial = await db.query('SELECT 1 FROM platform.outbox WHERE aggregate_id = $1', [
      scope,
    ]);
    expect(partial, 'the failed attempt wrote nothing').toEqual([]);

    const retry = await runIdempotent(db, 'test.cmd', command, async () => 'done');
    expect(retry).toEqual({ result: 'done', idempotencyHit: false });
  });

  it('keeps keys of different scopes apart', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const ra = await runIdempotent(
      db,
      'c',
      { scope: a, idempotencyKey: 'same', input: 1 },
      async () => 'A',
    );
    const rb = await runIdempotent(
      db,
      'c',
      { scope: b, idempotencyKey: 'same', input: 2 },
      async () => 'B',
    );
    expect([ra, rb]).toEqual([
      { result: 'A', idempotencyHit: false },
      { result: 'B', idempotencyHit: false },
    ]);
  });

  it('answers idempotency_key_in_progress for a key that was claimed but not completed', async () => {
    const scope = randomUUID();
    const hash = hashRequest('test.cmd', { x: 1 });
    await db.transaction((tx) => claimKey(tx, scope, 'k', hash));
    let runs = 0;
    await expect(
      runIdempotent(
        db,
        'test.cmd',
        { scope, idempotencyKey: 'k', input: { x: 1 } },
        async () => ++runs,
      ),
    ).rejects.toMatchObject({ code: 'idempotency_key_in_progress', kind: 'conflict' });
    expect(runs).toBe(0);
  });

  it('runs a command once when ten requests with its key arrive together', async () => {
    const scope = randomUUID();
    let runs = 0;
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        runIdempotent(db, 'test.cmd', { scope, idempotencyKey: 'k', input: {} }, async (tx) => {
          runs++;
          await tx.query('SELECT pg_sleep(0.02)');
          return { n: runs };
        }),
      ),
    );
    expect(runs).toBe(1);
    expect(outcomes.filter((o) => !o.idempotencyHit)).toHaveLength(1);
    for (const o of outcomes) expect(o.result).toEqual({ n: 1 });
  });
});

describe("keys claimed and stored in the command's own statements", () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db.close();
  });

  /** A command whose first statement claims the key and whose last stores its response. */
  const inStatements = (scope: string, key: string, input: unknown, work: () => unknown) =>
    runIdempotentInStatements(
      db,
      'test.cmd',
      { scope, idempotencyKey: key, input },
      async (tx, _, k) => {
        const [row] = await tx.query<ClaimColumns>(
          `WITH ${claimCtes('$1', '$2', '$3')} SELECT ${IDEMPOTENCY_CLAIM_COLUMNS}`,
          [k.scope, k.key, k.hash],
        );
        const claim = await claimOf<unknown>(tx, k, row!);
        if (claim.state === 'replay') return { result: claim.result, idempotencyHit: true };
        if (claim.state === 'in_progress') throw inProgress();
        await tx.query('SELECT pg_sleep(0.02)');
        const result = work();
        await tx.query(`WITH ${storeCte('$1', '$2', '$3')} SELECT 1`, [
          k.scope,
          k.key,
          JSON.stringify(result),
        ]);
        return { result, idempotencyHit: false };
      },
    );

  it('runs a command once and replays its stored result', async () => {
    const scope = randomUUID();
    let runs = 0;
    const work = () => ({ n: ++runs, nested: { list: [1, 'two'] } });
    const first = await inStatements(scope, 'k', { a: 1n }, work);
    const second = await inStatements(scope, 'k', { a: 1n }, work);
    expect(first).toEqual({
      result: { n: 1, nested: { list: [1, 'two'] } },
      idempotencyHit: false,
    });
    expect(second).toEqual({ result: first.result, idempotencyHit: true });
    expect(runs).toBe(1);
  });

  it('refuses the same key with other input', async () => {
    const scope = randomUUID();
    await inStatements(scope, 'k', { a: 1 }, () => 1);
    await expect(inStatements(scope, 'k', { a: 2 }, () => 2)).rejects.toMatchObject({
      code: 'idempotency_key_reused',
    });
  });

  it('answers idempotency_key_in_progress for a key that was claimed but not completed', async () => {
    const scope = randomUUID();
    await db.transaction((tx) => claimKey(tx, scope, 'k', hashRequest('test.cmd', { x: 1 })));
    await expect(inStatements(scope, 'k', { x: 1 }, () => 1)).rejects.toMatchObject({
      code: 'idempotency_key_in_progress',
    });
  });

  it('runs a command once when ten requests with its key arrive together', async () => {
    const scope = randomUUID();
    let runs = 0;
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => inStatements(scope, 'k', {}, () => ({ n: ++runs }))),
    );
    expect(runs).toBe(1);
    expect(outcomes.filter((o) => !o.idempotencyHit)).toHaveLength(1);
    for (const o of outcomes) expect(o.result).toEqual({ n: 1 });
  });
});
