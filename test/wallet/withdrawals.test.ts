import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reconcilePayments } from '../../src/modules/wallet/index.ts';
import { type Player, useTestApp } from '../support/app.ts';
import {
  expectProblem,
  expectUnchanged,
  paymentsOf,
  postDeposit,
  postWithdrawal,
  snapshot,
  testPsp,
  transfersFor,
} from '../support/wallet-helpers.ts';

describe('withdrawals and payment-provider outcomes', () => {
  const psp = testPsp();
  const t = useTestApp({ paymentProvider: psp.provider });
  let player: Player;

  beforeAll(async () => {
    player = await t.player();
    await t.deposit(player, 100_000n);
    psp.reset();
  });
  afterEach(() => psp.reset());

  it('pays out through the provider and reduces the cash balance', async () => {
    const before = await t.balance(player);
    const response = await postWithdrawal(t, player, '3000');

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      direction: 'withdrawal',
      amount: '3000',
      currency: 'EUR',
      status: 'completed',
      failureReason: null,
      balance: (before - 3000n).toString(),
    });
    expect(await t.balance(player)).toBe(before - 3000n);
    expect(psp.calls).toEqual([
      {
        operation: 'payout',
        request: {
          paymentId: response.body.id,
          ownerId: player.id,
          amount: 3000n,
          currency: 'EUR',
        },
      },
    ]);
    expect(await transfersFor(t.db, response.body.id)).toEqual([
      { kind: 'withdrawal', amount: 3000n },
    ]);
  });

  it('withdraws the whole balance down to zero', async () => {
    const other = await t.player();
    await t.deposit(other, 1234n);
    const response = await postWithdrawal(t, other, '1234');
    expect(response.status).toBe(201);
    expect(response.body.balance).toBe('0');
    expect(await t.balance(other)).toBe(0n);
  });

  it('refuses a withdrawal above the balance with 422 insufficient_funds and changes nothing', async () => {
    const before = await snapshot(t, player);
    const response = await postWithdrawal(t, player, (before.balance + 1n).toString());

    expectProblem(response, 422, 'insufficient_funds');
    expect(response.body.balance).toBe(before.balance.toString());
    // No payment row, no transfer, no idempotency key, no event: the key can be used again.
    await expectUnchanged(t, player, before);
    expect(psp.calls).toEqual([]);
  });

  it('lets a key refused for insufficient funds be retried once the money is there', async () => {
    const other = await t.player();
    const key = randomUUID();
    expectProblem(await postWithdrawal(t, other, '500', key), 422, 'insufficient_funds');
    await t.deposit(other, 500n);
    const retry = await postWithdrawal(t, other, '500', key);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotency-hit']).toBeUndefined();
    expect(await t.balance(other)).toBe(0n);
  });

  it('refuses a withdrawal below the minimum with 422 amount_out_of_range', async () => {
    const before = await snapshot(t, player);
    const response = await postWithdrawal(t, player, '99');
    expectProblem(response, 422, 'amount_out_of_range');
    expect(response.body.min).toBe('100');
    await expectUnchanged(t, player, before);
  });

  it.each([
    ['zero', '0'],
    ['a decimal', '10.50'],
    ['a negative amount', '-500'],
    ['more than 15 digits', '1000000000000000'],
  ])('refuses %s as a withdrawal amount with 400 and changes nothing', async (_what, amount) => {
    const before = await snapshot(t, player);
    expectProblem(await postWithdrawal(t, player, amount), 400, 'validation_failed');
    await expectUnchanged(t, player, before);
  });

  it('requires an Idempotency-Key for a withdrawal', async () => {
    const before = await snapshot(t, player);
    expectProblem(await postWithdrawal(t, player, '500', null), 400, 'idempotency_key_required');
    await expectUnchanged(t, player, before);
  });

  it('replays a withdrawal for a retried key without paying out twice', async () => {
    const key = randomUUID();
    const first = await postWithdrawal(t, player, '700', key);
    const after = await snapshot(t, player);
    const retry = await postWithdrawal(t, player, '700', key);

    expect(retry.status).toBe(201);
    expect(retry.headers['idempotency-hit']).toBe('true');
    expect(retry.body).toEqual(first.body);
    await expectUnchanged(t, player, after);
    expect(psp.calls).toHaveLength(1);
  });

  it('returns the money of a payout the provider refuses through a withdrawal_reversal', async () => {
    psp.behaviour.payout = 'fail';
    const before = await t.balance(player);
    const response = await postWithdrawal(t, player, '4000');

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      status: 'failed',
      failureReason: 'card declined',
      balance: before.toString(),
    });
    expect(await t.balance(player)).toBe(before);
    const [payment] = await t.db.query<{ status: string; failure_reason: string }>(
      'SELECT status, failure_reason FROM wallet.payments WHERE id = $1',
      [response.body.id],
    );
    expect(payment).toEqual({ status: 'failed', failure_reason: 'card declined' });
    expect(await transfersFor(t.db, response.body.id)).toEqual([
      { kind: 'withdrawal', amount: 4000n },
      { kind: 'withdrawal_reversal', amount: 4000n },
    ]);
    // The after-each invariant check asserts that the ledger still sums to zero.
  });

  it('records a deposit the provider refuses as failed and leaves the balance unchanged', async () => {
    psp.behaviour.collect = 'fail';
    const before = await t.balance(player);
    const response = await postDeposit(t, player, '4000');

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      direction: 'deposit',
      status: 'failed',
      failureReason: 'card declined',
      balance: before.toString(),
    });
    expect(await t.balance(player)).toBe(before);
    expect(await transfersFor(t.db, response.body.id)).toEqual([]);
    const [event] = await t.db.query<{ type: string }>(
      `SELECT type FROM platform.outbox WHERE payload->>'id' = $1`,
      [response.body.id],
    );
    expect(event).toEqual({ type: 'wallet.deposit.failed' });
  });

  describe('when the provider does not answer', () => {
    it('keeps a deposit pending, answers 503 and refuses a retry with 409 idempotency_key_in_progress', async () => {
      psp.behaviour.collect = 'throw';
      const before = await t.balance(player);
      const key = randomUUID();
      const response = await postDeposit(t, player, '2000', key);

      expectProblem(response, 503, 'payment_provider_unavailable');
      const paymentId = response.body.paymentId as string;
      expect(await paymentsOf(t.db, player.id)).toContainEqual({
        id: paymentId,
        direction: 'deposit',
        amount: 2000n,
        status: 'pending',
      });
      expect(await transfersFor(t.db, paymentId)).toEqual([]);
      expect(await t.balance(player)).toBe(before);

      psp.behaviour.collect = 'complete';
      const retry = await postDeposit(t, player, '2000', key);
      expectProblem(retry, 409, 'idempotency_key_in_progress');
      expect(psp.calls).toHaveLength(1);
      expect(await t.balance(player)).toBe(before);
    });

    it('keeps a withdrawal pending with the money held out of the balance, and a retry gets 409', async () => {
      psp.behaviour.payout = 'throw';
      const before = await t.balance(player);
      const key = randomUUID();
      const response = await postWithdrawal(t, player, '2000', key);

      expectProblem(response, 503, 'payment_provider_unavailable');
      const paymentId = response.body.paymentId as string;
      const [payment] = await t.db.query<{ status: string }>(
        'SELECT status FROM wallet.payments WHERE id = $1',
        [paymentId],
      );
      expect(payment?.status).toBe('pending');
      // The money left the cash account when the payment was recorded: it cannot be bet.
      expect(await t.balance(player)).toBe(before - 2000n);
      expect(await transfersFor(t.db, paymentId)).toEqual([{ kind: 'withdrawal', amount: 2000n }]);

      const retry = await postWithdrawal(t, player, '2000', key);
      expectProblem(retry, 409, 'idempotency_key_in_progress');
      expect(await t.balance(player)).toBe(before - 2000n);
      expect(psp.calls).toHaveLength(1);
    });

    it('reconciles a deposit whose answer was lost: the PSP says completed, the money arrives once and a retry replays it', async () => {
      // Decide what the tests above left pending, so that the counts below are this test's.
      await reconcilePayments({ db: t.db, provider: psp.provider }, 0);
      psp.calls.length = 0;
      psp.behaviour.collect = 'throw';
      const before = await t.balance(player);
      const key = randomUUID();
      const lost = await postDeposit(t, player, '2500', key);
      expectProblem(lost, 503, 'payment_provider_unavailable');
      const paymentId = lost.body.paymentId as string;

      // Too young to reconcile: the request may still be waiting for its answer.
      expect(await reconcilePayments({ db: t.db, provider: psp.provider }, 60)).toBe(0);
      psp.behaviour.lookup = 'pending';
      expect(await reconcilePayments({ db: t.db, provider: psp.provider }, 0)).toBe(0);
      expect(await t.balance(player)).toBe(before);

      psp.behaviour.lookup = 'complete';
      expect(await reconcilePayments({ db: t.db, provider: psp.provider }, 0)).toBe(1);
      expect(await reconcilePayments({ db: t.db, provider: psp.provider }, 0)).toBe(0);
      expect(await t.balance(player)).toBe(before + 2500n);
      expect(await transfersFor(t.db, paymentId)).toEqual([{ kind: 'deposit', amount: 2500n }]);

      const retry = await postDeposit(t, player, '2500', key);
      expect(retry.status).toBe(201);
      expect(retry.headers['idempotency-hit']).toBe('true');
      expect(retry.body).toMatchObject({ id: paymentId, status: 'completed', amount: '2500' });
    });

    it('reconciles a withdrawal the PSP says failed: the held money comes back through a reversal', async () => {
      psp.behaviour.payout = 'throw';
      const before = await t.balance(player);
      const key = randomUUID();
      const lost = await postWithdrawal(t, player, '1500', key);
      const paymentId = lost.body.paymentId as string;
      expect(await t.balance(player)).toBe(before - 1500n);

      psp.behaviour.lookup = 'fail';
      expect(await reconcilePayments({ db: t.db, provider: psp.provider }, 0)).toBe(1);
      expect(await t.balance(player)).toBe(before);
      expect(await transfersFor(t.db, paymentId)).toEqual([
        { kind: 'withdrawal', amount: 1500n },
        { kind: 'withdrawal_reversal', amount: 1500n },
      ]);
      const retry = await postWithdrawal(t, player, '1500', key);
      expect(retry.body).toMatchObject({ id: paymentId, status: 'failed' });
    });

    it('is reconciled by the worker jobs once it has been pending for a minute', async () => {
      psp.behaviour.payout = 'throw';
      const lost = await postWithdrawal(t, player, '700', randomUUID());
      const paymentId = lost.body.paymentId as string;
      psp.behaviour.lookup = 'complete';
      await t.app.runJobs();
      expect((await paymentsOf(t.db, player.id)).find((p) => p.id === paymentId)?.status).toBe(
        'pending',
      );
      await t.db.query(
        `UPDATE wallet.payments SET created_at = now() - interval '2 minutes' WHERE id = $1`,
        [paymentId],
      );
      await t.app.runJobs();
      expect((await paymentsOf(t.db, player.id)).find((p) => p.id === paymentId)?.status).toBe(
        'completed',
      );
    });
  });
});
