// Settlement beyond win/lose: results by score with half results, corrections that resettle
// through new transfers (who and why recorded), bets reopened by a correction, corrections a
// player's balance cannot cover yet, voiding single bets and late results.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Player } from '../support/app.ts';
import { useTestApp } from '../support/app.ts';
import {
  betTransfers,
  expectProblem,
  expectUnchanged,
  snapshot,
} from '../support/betting-helpers.ts';
import {
  betRow,
  cashEffect,
  eventWith,
  funded,
  legsOf,
  matchResult,
  placed,
  resettle,
  result,
  twoWay,
} from './sportsbook-helpers.ts';

describe('resettlement', () => {
  const t = useTestApp();

  it('reverses a settlement with new transfers when a result is corrected, and records who and why', async () => {
    const alice = await funded(t);
    const event = await eventWith(t, [matchResult(['2.50', '3.40', '3.00'])]);
    const [home, , away] = event.markets[0].selections;
    const start = await t.balance(alice);
    const onHome = await placed(t, alice, { stake: '1000', legs: legsOf(home) });
    const onAway = await placed(t, alice, { stake: '500', legs: legsOf(away) });

    expect((await result(t, event.markets[0].id, { winners: [home.id] })).status).toBe(200);
    expect(await t.balance(alice)).toBe(start - 1500n + 2500n);

    const corrected = await resettle(t, event.markets[0].id, {
      score: { home: 0, away: 1 },
      reason: 'goal awarded to the away side after review',
    });
    expect(corrected.status).toBe(200);
    expect(corrected.body).toEqual({
      marketId: event.markets[0].id,
      result: { void: false, winners: [away.id] },
      version: 2,
      bets: { open: 0, won: 1, lost: 1, void: 0 },
      blocked: 0,
    });
    expect(await t.balance(alice)).toBe(start - 1500n + 1500n);
    // The first settlement stays in the ledger; its reversal is a mirror image of it.
    expect(await betTransfers(t, onHome.id)).toEqual([
      ['bet_stake', '1000'],
      ['bet_stake_lost', '1000'],
      ['bet_stake_return', '1000'],
      ['bet_stake_return_reversal', '1000'],
      ['bet_winnings', '1500'],
      ['bet_winnings_reversal', '1500'],
    ]);
    expect(await betTransfers(t, onAway.id)).toEqual([
      ['bet_stake', '500'],
      ['bet_stake_lost', '500'],
      ['bet_stake_lost_reversal', '500'],
      ['bet_stake_return', '500'],
      ['bet_winnings', '1000'],
    ]);

    const trader = await t.trader();
    const history = await t.api.get(`/api/v1/admin/bets/${onHome.id}`, { token: trader.token });
    expect(history.status).toBe(200);
    expect(history.body.bet).toMatchObject({ id: onHome.id, status: 'lost', payout: '0' });
    expect(history.body.settlements).toMatchObject([
      {
        version: 1,
        status: 'won',
        payout: '2500',
        settledBy: trader.id,
        reversedBy: trader.id,
        reversalReason: 'goal awarded to the away side after review',
      },
      { version: 2, status: 'lost', payout: '0', settledBy: trader.id, reversedAt: null },
    ]);
    const versions = await t.api.get(`/api/v1/admin/markets/${event.markets[0].id}/results`, {
      token: trader.token,
    });
    expect(versions.body.versions.map((v: any) => [v.version, v.winners, v.reason])).toEqual([
      [1, [home.id], null],
      [2, [away.id], 'goal awarded to the away side after review'],
    ]);
    const audited = await t.db.query(
      `SELECT 1 FROM audit.events WHERE action = 'market.result_corrected' AND target_id = $1 AND actor_id = $2`,
      [event.markets[0].id, trader.id],
    );
    expect(audited).toHaveLength(1);
  });

  it('leaves the ledger as if the corrected result had come first (random Asian handicap and over/under bets)', async () => {
    const players: Player[] = [];
    for (let i = 0; i < 3; i++) players.push(await funded(t));
    const lines = ['-1.25', '-0.75', '-0.25', '0', '0.25', '0.5', '1', '1.75'];
    const totals = ['0.5', '1.75', '2', '2.25', '2.5', '3.75'];
    const score = fc.record({
      home: fc.integer({ min: 0, max: 4 }),
      away: fc.integer({ min: 0, max: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...lines),
        fc.constantFrom(...totals),
        score,
        score,
        fc.array(
          fc.record({
            player: fc.integer({ min: 0, max: 2 }),
            selections: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 2 }),
            stake: fc.integer({ min: 10, max: 5000 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        async (line, total, wrong, right, bets) => {
          // Twin events: one resulted wrongly then corrected, one resulted correctly at once.
          const twins = [];
          for (let i = 0; i < 2; i++) {
            twins.push(
              await eventWith(t, [
                twoWay('asian_handicap', line, ['1.95', '1.85']),
                twoWay('over_under', total, ['2.05', '1.75']),
              ]),
            );
          }
          const placedPairs: [string, string][] = [];
          for (const b of bets) {
            const ids: string[] = [];
            const picks = [...new Set(b.selections)];
            const builder = picks.length === 2 && new Set(picks.map((p) => p >> 1)).size === 2;
            for (const twin of twins) {
              const selections = picks.map((p) => twin.markets[p >> 1].selections[p & 1]);
              const body = builder
                ? { stake: String(b.stake), legs: legsOf(...selections), kind: 'builder' }
                : { stake: String(b.stake), legs: legsOf(selections[0]) };
              ids.push((await placed(t, players[b.player]!, body)).id);
            }
            placedPairs.push([ids[0]!, ids[1]!]);
          }
          for (const market of [0, 1]) {
            await result(t, twins[0].markets[market].id, { score: wrong });
            const corrected = await resettle(t, twins[0].markets[market].id, { score: right });
            // Another score may settle the market the same way: nothing to correct then.
            if (corrected.status !== 200) expectProblem(corrected, 422, 'result_unchanged');
            await result(t, twins[1].markets[market].id, { score: right });
          }
          for (const [corrected, direct] of placedPairs) {
            const a = await betRow(t, corrected);
            const b = await betRow(t, direct);
            expect([a.status, a.payout]).toEqual([b.status, b.payout]);
            expect(await cashEffect(t, corrected)).toBe(await cashEffect(t, direct));
          }
        },
      ),
      { numRuns: 6 },
    );
  });

  it('reopens a multiple lost on a leg that a correction turns into a win, holding its stake again', async () => {
    const alice = await funded(t);
    const first = await eventWith(t, [matchResult(['2.00', '3.00', '4.00'])]);
    const second = await eventWith(t, [matchResult(['1.50', '3.00', '5.00'])]);
    const start = await t.balance(alice);
    const multiple = await placed(t, alice, {
      stake: '1000',
      legs: legsOf(first.markets[0].selections[0], second.markets[0].selections[0]),
    });
    await result(t, first.markets[0].id, { winners: [first.markets[0].selections[2].id] });
    expect((await betRow(t, multiple.id)).status).toBe('lost');

    const corrected = await resettle(t, first.markets[0].id, {
      winners: [first.markets[0].selections[0].id],
    });
    expect(corrected.body.bets).toEqual({ open: 1, won: 0, lost: 0, void: 0 });
    expect(await betRow(t, multiple.id)).toMatchObject({
      status: 'open',
      payout: null,
      settlement_version: 1,
    });
    const wallet = await t.api.get('/api/v1/wallet', { token: alice.token });
    expect(wallet.body).toMatchObject({ balance: (start - 1000n).toString(), inBets: '1000' });

    await result(t, second.markets[0].id, { winners: [second.markets[0].selections[0].id] });
    expect(await betRow(t, multiple.id)).toMatchObject({
      status: 'won',
      payout: 3000n,
      settlement_version: 2,
    });
    expect(await t.balance(alice)).toBe(start - 1000n + 3000n);
  });

  it('waits to take back winnings the player no longer holds, and completes once they can cover it', async () => {
    const bob = await t.player();
    await t.deposit(bob, 1000n);
    const event = await eventWith(t, [matchResult(['5.00', '3.00', '1.50'])]);
    const other = await eventWith(t, [matchResult()]);
    const [home, , away] = event.markets[0].selections;
    const win = await placed(t, bob, { stake: '1000', legs: legsOf(home) });
    await result(t, event.markets[0].id, { winners: [home.id] });
    expect(await t.balance(bob)).toBe(5000n);
    // Bob bets most of it elsewhere: a correction taking back the 5000 paid cannot be covered.
    await placed(t, bob, { stake: '4500', legs: legsOf(other.markets[0].selections[0]) });

    const before = await betTransfers(t, win.id);
    const corrected = await resettle(t, event.markets[0].id, { winners: [away.id] });
    expect(corrected.status).toBe(200);
    expect(corrected.body).toMatchObject({ blocked: 1, bets: { won: 1, lost: 0 } });
    expect(await betTransfers(t, win.id)).toEqual(before);
    expect(await t.balance(bob)).toBe(500n);

    // The worker tries again later; by then Bob has deposited.
    await t.deposit(bob, 10_000n);
    await t.db.query(
      `UPDATE settlement.jobs SET leased_until = now() - interval '1 second' WHERE market_id = $1`,
      [event.markets[0].id],
    );
    await t.app.runJobs();
    expect(await betRow(t, win.id)).toMatchObject({
      status: 'lost',
      payout: 0n,
      settlement_version: 2,
    });
    expect(await t.balance(bob)).toBe(10_500n - 5000n);
    const [job] = await t.db.query<{ finished_at: Date | null }>(
      'SELECT finished_at FROM settlement.jobs WHERE market_id = $1 AND result_version = 2',
      [event.markets[0].id],
    );
    expect(job!.finished_at).not.toBeNull();
  });

  it('refuses a correction of a market without a result, an unchanged one, and one without a reason', async () => {
    const event = await eventWith(t, [matchResult()]);
    const market = event.markets[0];
    const before = await snapshot(t);
    expectProblem(
      await resettle(t, market.id, { winners: [market.selections[0].id] }),
      409,
      'market_not_resulted',
    );
    await expectUnchanged(t, before);
    await result(t, market.id, { winners: [market.selections[0].id] });
    const resulted = await snapshot(t);
    expectProblem(
      await resettle(t, market.id, { score: { home: 1, away: 0 } }),
      422,
      'result_unchanged',
    );
    const trader = await t.trader();
    const noReason = await t.api.post(
      `/api/v1/admin/markets/${market.id}/resettle`,
      { winners: [market.selections[1].id] },
      { token: trader.token, idempotencyKey: crypto.randomUUID() },
    );
    expectProblem(noReason, 400, 'validation_failed');
    expectProblem(
      await resettle(t, market.id, { winners: [crypto.randomUUID()] }),
      422,
      'invalid_result',
    );
    await expectUnchanged(t, resulted);
  });

  it('replays a correction for the same Idempotency-Key and refuses the key with another body', async () => {
    const alice = await funded(t);
    const event = await eventWith(t, [matchResult()]);
    const market = event.markets[0];
    await placed(t, alice, { stake: '100', legs: legsOf(market.selections[1]) });
    await result(t, market.id, { winners: [market.selections[0].id] });
    const key = crypto.randomUUID();
    const first = await resettle(t, market.id, { winners: [market.selections[1].id] }, key);
    const again = await resettle(t, market.id, { winners: [market.selections[1].id] }, key);
    expect(again.headers['idempotency-hit']).toBe('true');
    expect(again.body).toEqual(first.body);
    expectProblem(
      await resettle(t, market.id, { winners: [market.selections[2].id] }, key),
      422,
      'idempotency_key_reused',
    );
  });

  it('voids a single bet by hand with a reason: open stakes come back, settled ones are resettled void, later results leave it', async () => {
    const alice = await funded(t);
    const risk = await t.staff(['risk']);
    const event = await eventWith(t, [matchResult(['2.00', '3.00', '4.00'])]);
    const [home] = event.markets[0].selections;
    const start = await t.balance(alice);
    const open = await placed(t, alice, { stake: '700', legs: legsOf(home) });
    const later = await placed(t, alice, { stake: '300', legs: legsOf(home) });
    const voided = await t.api.post(
      `/api/v1/admin/bets/${open.id}/void`,
      { reason: 'palpable error in the price' },
      { token: risk.token, idempotencyKey: crypto.randomUUID() },
    );
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({
      status: 'void',
      payout: '700',
      reason: 'palpable error in the price',
    });
    expect(await t.balance(alice)).toBe(start - 300n);

    await result(t, event.markets[0].id, { winners: [home.id] });
    expect((await betRow(t, open.id)).status).toBe('void');
    expect(await betRow(t, later.id)).toMatchObject({ status: 'won', payout: 600n });

    // A settled bet voided by hand: its win is reversed, its stake returned.
    const again = await t.api.post(
      `/api/v1/admin/bets/${later.id}/void`,
      { reason: 'related contingency' },
      { token: risk.token, idempotencyKey: crypto.randomUUID() },
    );
    expect(again.body).toMatchObject({ status: 'void', payout: '300' });
    expect(await t.balance(alice)).toBe(start);
    // A correction of the market leaves bets voided by hand alone.
    await resettle(t, event.markets[0].id, { winners: [event.markets[0].selections[1].id] });
    expect((await betRow(t, later.id)).status).toBe('void');
    const audited = await t.db.query(
      `SELECT 1 FROM audit.events WHERE action = 'bet.voided' AND actor_id = $1`,
      [risk.id],
    );
    expect(audited).toHaveLength(2);
    // A trader may not void bets; an unknown bet is 404.
    const trader = await t.trader();
    expectProblem(
      await t.api.post(
        `/api/v1/admin/bets/${later.id}/void`,
        { reason: 'x' },
        {
          token: trader.token,
          idempotencyKey: crypto.randomUUID(),
        },
      ),
      403,
      'forbidden',
    );
    expectProblem(
      await t.api.post(
        `/api/v1/admin/bets/${crypto.randomUUID()}/void`,
        { reason: 'x' },
        {
          token: risk.token,
          idempotencyKey: crypto.randomUUID(),
        },
      ),
      404,
      'bet_not_found',
    );
  });

  it('voids bets placed at or after the moment the result became known (late result, past-posting)', async () => {
    const alice = await funded(t);
    const event = await eventWith(t, [matchResult(['2.00', '3.00', '4.00'])]);
    const [home] = event.markets[0].selections;
    const early = await placed(t, alice, { stake: '100', legs: legsOf(home) });
    const [{ now }] = (await t.db.query<{ now: Date }>('SELECT now() AS now')) as [{ now: Date }];
    await new Promise((resolve) => setTimeout(resolve, 20));
    const late = await placed(t, alice, { stake: '100', legs: legsOf(home) });
    // The goal that decided it was scored between the two bets.
    const settled = await result(t, event.markets[0].id, {
      winners: [home.id],
      effectiveAt: now.toISOString(),
    });
    expect(settled.status).toBe(200);
    expect(await betRow(t, early.id)).toMatchObject({ status: 'won', payout: 200n });
    expect(await betRow(t, late.id)).toMatchObject({ status: 'void', payout: 100n });
  });
});
