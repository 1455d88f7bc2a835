// Money commands under concurrency. On PostgreSQL the requests really overlap (a pool of
// connections, row locks, the unique index on idempotency keys); on PGlite transactions run
// one at a time but the requests still interleave between their two steps.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { engine } from '../support/engine.ts';
import {
  paymentsOf,
  postDeposit,
  postWithdrawal,
  testPsp,
  transfersFor,
} from '../support/wallet-helpers.ts';

/** A small deterministic generator, so that a failing run can be replayed. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe(`concurrent money commands (${engine})`, () => {
  const psp = testPsp();
  const t = useTestApp({ paymentProvider: psp.provider });
  afterEach(() => psp.reset());

  it('executes 20 concurrent deposits with one Idempotency-Key exactly once', async () => {
    const player = await t.player();
    // The PSP takes a moment, so that retries arrive while the first request is in flight.
    psp.behaviour.delayMs = 40;
    const key = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => postDeposit(t, player, '5000', key)),
    );

    const created = responses.filter((r) => r.status === 201);
    const inProgress = responses.filter((r) => r.status === 409);
    expect(created.length + inProgress.length, 'every answer is 201 or 409').toBe(20);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const r of inProgress) expect(r.body.code).toBe('idempotency_key_in_progress');
    for (const r of created) expect(r.body).toEqual(created[0]!.body);
    expect(created.filter((r) => r.headers['idempotency-hit'] === undefined)).toHaveLength(1);

    const payments = await paymentsOf(t.db, player.id);
    expect(payments).toEqual([
      { id: created[0]!.body.id, direction: 'deposit', amount: 5000n, status: 'completed' },
    ]);
    expect(await transfersFor(t.db, created[0]!.body.id)).toHaveLength(1);
    expect(psp.calls).toHaveLength(1);
    expect(await t.balance(player)).toBe(5000n);

    // Once the first request has finished, every retry replays it.
    const late = await postDeposit(t, player, '5000', key);
    expect(late.status).toBe(201);
    expect(late.headers['idempotency-hit']).toBe('true');
    expect(late.body).toEqual(created[0]!.body);
  });

  it('pays out once for 10 concurrent withdrawals with one Idempotency-Key', async () => {
    const player = await t.player();
    await t.deposit(player, 3000n);
    psp.reset();
    psp.behaviour.delayMs = 20;
    const key = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => postWithdrawal(t, player, '1000', key)),
    );
    const created = responses.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const r of responses)
      if (r.status !== 201) expect(r.body.code).toBe('idempotency_key_in_progress');
    for (const r of created) expect(r.body).toEqual(created[0]!.body);
    expect(psp.calls).toHaveLength(1);
    expect(await t.balance(player)).toBe(2000n);
  });

  it('lets exactly one of two concurrent withdrawals through when together they exceed the balance', async () => {
    const player = await t.player();
    await t.deposit(player, 1000n);
    const responses = await Promise.all([
      postWithdrawal(t, player, '600'),
      postWithdrawal(t, player, '700'),
    ]);

    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 422]);
    const refused = responses.find((r) => r.status === 422)!;
    expect(refused.body.code).toBe('insufficient_funds');
    const accepted = responses.find((r) => r.status === 201)!;
    expect(await t.balance(player)).toBe(1000n - BigInt(accepted.body.amount));
    const withdrawals = (await paymentsOf(t.db, player.id)).filter(
      (p) => p.direction === 'withdrawal',
    );
    expect(withdrawals).toEqual([
      {
        id: accepted.body.id,
        direction: 'withdrawal',
        amount: BigInt(accepted.body.amount),
        status: 'completed',
      },
    ]);
  });

  it('never accepts more than the balance from 30 concurrent withdrawals of random amounts', async () => {
    const player = await t.player();
    const start = 10_000n;
    await t.deposit(player, start);
    const next = random(20_240_601);
    const amounts = Array.from({ length: 30 }, () => 100n + BigInt(Math.floor(next() * 1400)));
    expect(amounts.reduce((a, b) => a + b, 0n)).toBeGreaterThan(start);

    // Watch the stored balance while the withdrawals run.
    const seen: bigint[] = [];
    let running = true;
    const watcher = (async () => {
      while (running) {
        const [row] = await t.db.query<{ balance: bigint }>(
          `SELECT balance FROM wallet.accounts WHERE owner_id = $1 AND kind = 'player_cash'`,
          [player.id],
        );
        seen.push(row!.balance);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const responses = await Promise.all(
      amounts.map((a) => postWithdrawal(t, player, a.toString())),
    );
    running = false;
    await watcher;

    let accepted = 0n;
    const refused: bigint[] = [];
    responses.forEach((r, i) => {
      if (r.status === 201) accepted += amounts[i]!;
      else {
        expect({ status: r.status, code: r.body.code }).toEqual({
          status: 422,
          code: 'insufficient_funds',
        });
        refused.push(amounts[i]!);
      }
    });
    const balance = await t.balance(player);
    expect(accepted).toBeLessThanOrEqual(start);
    expect(balance).toBe(start - accepted);
    expect(seen.every((b) => b >= 0n)).toBe(true);
    // The balance only went down, so a refused withdrawal really was above the balance.
    for (const amount of refused) expect(amount).toBeGreaterThan(balance);
    const paidOut = (await paymentsOf(t.db, player.id)).filter((p) => p.direction === 'withdrawal');
    expect(paidOut.reduce((sum, p) => sum + p.amount, 0n)).toBe(accepted);
  });

  it('creates one PSP clearing account when the first deposits of a currency arrive together', async () => {
    const players = await Promise.all(
      Array.from({ length: 4 }, () => t.player({ currency: 'SEK' })),
    );
    const responses = await Promise.all(players.map((p) => postDeposit(t, p, '2000')));
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const clearing = await t.db.query(
      `SELECT id FROM wallet.accounts WHERE kind = 'psp_clearing' AND currency = 'SEK'`,
    );
    expect(clearing).toHaveLength(1);
    for (const p of players) expect(await t.balance(p)).toBe(2000n);
  });

  it('keeps deposits and withdrawals of one player consistent when they interleave', async () => {
    const player = await t.player();
    await t.deposit(player, 5000n);
    const commands = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0 ? postDeposit(t, player, '300') : postWithdrawal(t, player, '500'),
    );
    const responses = await Promise.all(commands);
    let expected = 5000n;
    responses.forEach((r, i) => {
      expect(r.status).toBe(201);
      expected += i % 2 === 0 ? 300n : -500n;
    });
    expect(await t.balance(player)).toBe(expected);
  });
});
