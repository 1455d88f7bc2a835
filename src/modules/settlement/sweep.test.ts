import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Player, Staff } from '../../../test/support/app.ts';
import { useTestApp } from '../../../test/support/app.ts';
import {
  betTransfers,
  expectUnchanged,
  legOn,
  placeBet,
  placedBet,
  resultMarket,
  snapshot,
} from '../../../test/support/betting-helpers.ts';
import { engine } from '../../../test/support/engine.ts';
import { claimKey, hashRequest } from '../../platform/idempotency.ts';
import { type ResultInput, recordResult } from '../catalog/index.ts';

describe('the settlement sweep', () => {
  const t = useTestApp();
  let alice: Player;
  let bob: Player;
  let trader: Staff;

  beforeAll(async () => {
    trader = await t.trader();
    alice = await t.player();
    bob = await t.player();
    await t.deposit(alice, 100_000n);
    await t.deposit(bob, 100_000n);
  });

  const market = async (prices?: [string, string, string]) =>
    (await t.event(prices ? { prices } : {})).markets[0];
  /** Records a result the way settlement's first transaction does, then "crashes". */
  const recordOnly = async (marketId: string, result: ResultInput) =>
    (await t.db.transaction((tx) => recordResult(tx, marketId, result, trader.id))).recorded;
  const statuses = async (...betIds: string[]) =>
    (
      await t.db.query<{ id: string; status: string }>(
        'SELECT id, status FROM betting.bets WHERE id = ANY($1::uuid[])',
        [betIds],
      )
    )
      .sort((a, b) => betIds.indexOf(a.id) - betIds.indexOf(b.id))
      .map((r) => r.status);
  const openBetsOnSettledMarkets = async () =>
    t.db.query(
      `SELECT b.id FROM betting.bets b JOIN betting.bet_legs l ON l.bet_id = b.id
       JOIN catalog.markets m ON m.id = l.market_id
       WHERE b.status = 'open' AND b.kind = 'single' AND m.status = 'settled'`,
    );

  it('settles bets left open when a crash followed the recording of a result', async () => {
    const m = await market(['2.375', '3.40', '3.10']);
    const aliceStart = await t.balance(alice);
    const bobStart = await t.balance(bob);
    const win = await placedBet(t, alice, { stake: '333', legs: [legOn(m.selections[0])] });
    const lose = await placedBet(t, bob, { stake: '400', legs: [legOn(m.selections[1])] });
    expect(await recordOnly(m.id, { winners: [m.selections[0].id] })).toBe(true);
    expect(await statuses(win.id, lose.id)).toEqual(['open', 'open']);
    expect(await openBetsOnSettledMarkets()).toHaveLength(2);

    await t.app.runJobs();
    expect(await statuses(win.id, lose.id)).toEqual(['won', 'lost']);
    expect(await t.balance(alice)).toBe(aliceStart - 333n + 790n);
    expect(await t.balance(bob)).toBe(bobStart - 400n);
    expect(await openBetsOnSettledMarkets()).toHaveLength(0);
    const announced = await t.db.query(
      `SELECT 1 FROM platform.outbox WHERE type = 'bet.settled' AND aggregate_id = ANY($1::text[])`,
      [[win.id, lose.id]],
    );
    expect(announced).toHaveLength(2);

    // Running it again finds nothing to do.
    const before = await snapshot(t, alice, bob);
    await t.app.runJobs();
    await expectUnchanged(t, before, alice, bob);
  });

  it('lets the settlement request be retried with its key after a crash, paying each bet once', async () => {
    const m = await market();
    const start = await t.balance(alice);
    const a = await placedBet(t, alice, { stake: '1000', legs: [legOn(m.selections[2])] });
    const key = randomUUID();
    const result: ResultInput = { winners: [m.selections[2].id] };
    // The first request claimed its key and recorded the result, then died.
    await t.db.transaction(async (tx) => {
      const claimed = await claimKey(
        tx,
        trader.id,
        key,
        hashRequest('settlement.settle-market', { marketId: m.id, result }),
      );
      expect(claimed.state).toBe('claimed');
      await recordResult(tx, m.id, result, trader.id);
    });
    expect(await statuses(a.id)).toEqual(['open']);

    // The worker's sweep gets there first; then the client retries.
    await t.app.runJobs();
    expect(await statuses(a.id)).toEqual(['won']);
    const retry = await resultMarket(t, m.id, { winners: [m.selections[2].id] }, key);
    expect(retry.status).toBe(200);
    expect(retry.headers['idempotency-hit']).toBeUndefined();
    expect(retry.body.bets).toEqual({ open: 0, won: 1, lost: 0, void: 0 });
    expect(await t.balance(alice)).toBe(start - 1000n + 3250n);
    expect(await betTransfers(t, a.id)).toEqual([
      ['bet_stake', '1000'],
      ['bet_stake_return', '1000'],
      ['bet_winnings', '2250'],
    ]);
    const replay = await resultMarket(t, m.id, { winners: [m.selections[2].id] }, key);
    expect(replay.headers['idempotency-hit']).toBe('true');
    expect(replay.body).toEqual(retry.body);
  });

  it('resumes a crashed settlement when retried with the same key before any sweep', async () => {
    const m = await market();
    const a = await placedBet(t, bob, { stake: '500', legs: [legOn(m.selections[0])] });
    const key = randomUUID();
    const result: ResultInput = { void: true };
    await t.db.transaction(async (tx) => {
      await claimKey(
        tx,
        trader.id,
        key,
        hashRequest('settlement.settle-market', { marketId: m.id, result }),
      );
      await recordResult(tx, m.id, result, trader.id);
    });
    const retry = await resultMarket(t, m.id, { void: true }, key);
    expect(retry.status).toBe(200);
    expect(retry.body.bets).toEqual({ open: 0, won: 0, lost: 0, void: 1 });
    expect(await statuses(a.id)).toEqual(['void']);
  });

  it('leaves a multiple open until its last market is resulted, then settles it', async () => {
    const m1 = await market(['2.00', '3.00', '3.00']);
    const m2 = await market(['1.50', '3.00', '3.00']);
    const start = await t.balance(alice);
    const multiple = await placedBet(t, alice, {
      stake: '1000',
      legs: [legOn(m1.selections[0]), legOn(m2.selections[0])],
    });
    await recordOnly(m1.id, { winners: [m1.selections[0].id] });
    await t.app.runJobs();
    expect(await statuses(multiple.id)).toEqual(['open']);
    expect(await betTransfers(t, multiple.id)).toEqual([['bet_stake', '1000']]);

    await recordOnly(m2.id, { winners: [m2.selections[0].id] });
    await t.app.runJobs();
    expect(await statuses(multiple.id)).toEqual(['won']);
    expect(await t.balance(alice)).toBe(start - 1000n + 3000n);
  });

  it('changes nothing when there is nothing to settle', async () => {
    const m = await market();
    await placedBet(t, alice, { stake: '100', legs: [legOn(m.selections[0])] });
    const before = await snapshot(t, alice, bob);
    await t.app.runJobs();
    await expectUnchanged(t, before, alice, bob);
  });

  // A placement that read the market as open is still in flight when the result comes in:
  // the result waits for it (the market gate), so settlement finds the bet and nothing is
  // left for the sweep. Only PostgreSQL runs the two side by side (PGlite serializes them).
  it.runIf(engine === 'postgres')(
    'records a result only after the bets in flight on its market have committed',
    async () => {
      const m = await market();
      const late = await t.player();
      await t.deposit(late, 10_000n);
      const early = await placedBet(t, alice, { stake: '100', legs: [legOn(m.selections[0])] });

      // Hold inserts into bet_legs: the placement stops after its checks, before its commit.
      let release!: () => void;
      let locked!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const isLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const blocker = t.db.transaction(async (tx) => {
        await tx.query('LOCK TABLE betting.bet_legs IN SHARE MODE');
        locked();
        await held;
      });
      await isLocked;
      const waiting = async (pattern: string) => {
        for (let i = 0; ; i++) {
          const [row] = await t.db.query<{ n: bigint }>(
            `SELECT count(*) AS n FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`,
            [pattern],
          );
          if (row!.n > 0n) return;
          if (i > 500) throw new Error(`nothing waits on ${pattern}`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      const placing = placeBet(t, late, { stake: '700', legs: [legOn(m.selections[0])] });
      await waiting('%bet_legs%');
      const resulting = resultMarket(t, m.id, { winners: [m.selections[0].id] });
      await waiting('%pg_advisory_xact_lock(%');

      release();
      await blocker;
      const placed = await placing;
      expect(placed.status).toBe(201);
      const settled = await resulting;
      expect(settled.status).toBe(200);
      expect(settled.body.bets).toEqual({ open: 0, won: 2, lost: 0, void: 0 });
      expect(await statuses(early.id, placed.body.id)).toEqual(['won', 'won']);
      expect(await openBetsOnSettledMarkets()).toHaveLength(0);
      expect(await t.balance(late)).toBe(10_000n - 700n + 1470n);
    },
  );
});
