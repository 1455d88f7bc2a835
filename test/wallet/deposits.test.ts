import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Player, useTestApp } from '../support/app.ts';
import {
  expectProblem,
  expectUnchanged,
  paymentsOf,
  postDeposit,
  postWithdrawal,
  rowCounts,
  snapshot,
  transfersFor,
} from '../support/wallet-helpers.ts';

describe('deposits', () => {
  const t = useTestApp();
  let player: Player;

  beforeAll(async () => {
    player = await t.player();
  });

  it('credits the cash balance and answers 201 with the completed payment and the new balance', async () => {
    const before = await t.balance(player);
    const response = await postDeposit(t, player, '5000');

    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      direction: 'deposit',
      amount: '5000',
      currency: 'EUR',
      status: 'completed',
      failureReason: null,
      balance: (before + 5000n).toString(),
      createdAt: expect.any(String),
    });
    expect(response.headers['idempotency-hit']).toBeUndefined();
    expect(await t.balance(player)).toBe(before + 5000n);

    const [row] = await t.db.query<{ status: string; provider: string; owner_id: string }>(
      'SELECT status, provider, owner_id FROM wallet.payments WHERE id = $1',
      [response.body.id],
    );
    expect(row).toEqual({ status: 'completed', provider: 'sandbox', owner_id: player.id });
    // One transfer from PSP clearing to the player's cash account.
    const moves = await t.db.query<{ kind: string; amount: bigint; from: string; to: string }>(
      `SELECT t.kind, t.amount, d.kind AS from, c.kind AS to FROM wallet.transfers t
       JOIN wallet.accounts d ON d.id = t.debit_account_id
       JOIN wallet.accounts c ON c.id = t.credit_account_id
       WHERE t.reference = $1`,
      [`payment:${response.body.id}`],
    );
    expect(moves).toEqual([
      { kind: 'deposit', amount: 5000n, from: 'psp_clearing', to: 'player_cash' },
    ]);
  });

  it('accepts the smallest and the largest deposit the limits allow', async () => {
    const before = await t.balance(player);
    const smallest = await postDeposit(t, player, '100');
    const largest = await postDeposit(t, player, '10000000');
    expect([smallest.status, largest.status]).toEqual([201, 201]);
    expect(await t.balance(player)).toBe(before + 100n + 10_000_000n);
  });

  it.each([
    ['zero', '0'],
    ['a negative amount', '-100'],
    ['non-digits', 'ten euros'],
    ['a decimal', '10.50'],
    ['an exponent', '1e3'],
    ['a leading zero', '0100'],
    ['surrounding spaces', ' 1000 '],
    ['more than 15 digits', '1000000000000000'],
    ['an empty string', ''],
    ['a fractional number', 10.5],
    ['a negative number', -1000],
    ['null', null],
    ['an object', { value: '1000' }],
  ])(
    'refuses %s as the amount with 400 validation_failed and changes nothing',
    async (_what, amount) => {
      const before = await snapshot(t, player);
      const response = await postDeposit(t, player, amount);
      expectProblem(response, 400, 'validation_failed');
      await expectUnchanged(t, player, before);
    },
  );

  it('refuses a body without an amount or with unknown members', async () => {
    const before = await snapshot(t, player);
    const options = { token: player.token, idempotencyKey: randomUUID() };
    expectProblem(
      await t.api.post('/api/v1/wallet/deposits', {}, options),
      400,
      'validation_failed',
    );
    expectProblem(
      await t.api.post('/api/v1/wallet/deposits', { amount: '1000', currency: 'GBP' }, options),
      400,
      'validation_failed',
    );
    await expectUnchanged(t, player, before);
  });

  it.each([
    ['below the minimum', '99'],
    ['above the maximum', '10000001'],
    ['of 15 digits', '999999999999999'],
  ])(
    'refuses an amount %s with 422 amount_out_of_range and changes nothing',
    async (_what, amount) => {
      const before = await snapshot(t, player);
      const response = await postDeposit(t, player, amount);
      expectProblem(response, 422, 'amount_out_of_range');
      expect(response.body).toMatchObject({ min: '100', max: '10000000' });
      await expectUnchanged(t, player, before);
    },
  );

  it('requires an Idempotency-Key and changes nothing without one', async () => {
    const before = await snapshot(t, player);
    const response = await postDeposit(t, player, '1000', null);
    expectProblem(response, 400, 'idempotency_key_required');
    await expectUnchanged(t, player, before);
  });

  it.each([
    ['longer than 255 characters', 'k'.repeat(256)],
    ['with a space', 'my key'],
    ['with a non-ASCII character', 'clé-1'],
  ])('refuses an Idempotency-Key %s with 400 idempotency_key_invalid', async (_what, key) => {
    const before = await snapshot(t, player);
    const response = await postDeposit(t, player, '1000', key);
    expectProblem(response, 400, 'idempotency_key_invalid');
    await expectUnchanged(t, player, before);
  });

  it('accepts an Idempotency-Key of exactly 255 printable characters', async () => {
    const response = await postDeposit(t, player, '1000', `${'k'.repeat(254)}~`);
    expect(response.status).toBe(201);
  });

  it('replays the stored response for a retried key, marks it idempotency-hit and moves money once', async () => {
    const key = randomUUID();
    const first = await postDeposit(t, player, '2500', key);
    expect(first.status).toBe(201);
    const after = await snapshot(t, player);

    const retry = await postDeposit(t, player, '2500', key);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotency-hit']).toBe('true');
    expect(retry.body).toEqual(first.body);
    await expectUnchanged(t, player, after);
    expect(await transfersFor(t.db, first.body.id)).toEqual([{ kind: 'deposit', amount: 2500n }]);
  });

  it('refuses a key reused with a different amount with 422 idempotency_key_reused', async () => {
    const key = randomUUID();
    expect((await postDeposit(t, player, '2500', key)).status).toBe(201);
    const before = await snapshot(t, player);

    const response = await postDeposit(t, player, '2600', key);
    expectProblem(response, 422, 'idempotency_key_reused');
    await expectUnchanged(t, player, before);
  });

  it('refuses a deposit key reused for a withdrawal with 422 idempotency_key_reused', async () => {
    const key = randomUUID();
    expect((await postDeposit(t, player, '2500', key)).status).toBe(201);
    const before = await snapshot(t, player);

    const response = await postWithdrawal(t, player, '2500', key);
    expectProblem(response, 422, 'idempotency_key_reused');
    await expectUnchanged(t, player, before);
  });

  it('scopes keys per player: two players may use the same key independently', async () => {
    const other = await t.player();
    const key = `shared-${randomUUID()}`;
    const mine = await postDeposit(t, player, '1500', key);
    const theirs = await postDeposit(t, other, '1700', key);

    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.headers['idempotency-hit']).toBeUndefined();
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.body).toMatchObject({ amount: '1700', balance: '1700' });
    expect(await t.balance(other)).toBe(1700n);
    expect(await paymentsOf(t.db, other.id)).toEqual([
      { id: theirs.body.id, direction: 'deposit', amount: 1700n, status: 'completed' },
    ]);
  });

  it('refuses a deposit without a valid access token or from a staff account', async () => {
    const before = await rowCounts(t.db);
    const anonymous = await t.api.post(
      '/api/v1/wallet/deposits',
      { amount: '1000' },
      { idempotencyKey: randomUUID() },
    );
    expectProblem(anonymous, 401, 'unauthenticated');
    const forged = await t.api.post(
      '/api/v1/wallet/deposits',
      { amount: '1000' },
      { token: `${player.token}x`, idempotencyKey: randomUUID() },
    );
    expect(forged.status).toBe(401);
    const staff = await t.staff(['support']);
    const fromStaff = await t.api.post(
      '/api/v1/wallet/deposits',
      { amount: '1000' },
      { token: staff.token, idempotencyKey: randomUUID() },
    );
    expectProblem(fromStaff, 403, 'forbidden');
    expect(await rowCounts(t.db)).toEqual(before);
  });
});
