// Limits and liability: stake limits per sport and market, the player's stake factor set by
// risk, the payout cap, liability caps per selection and per market with a reoffer (the
// largest stake that would be accepted), and liability kept exactly as bets come and go.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIABILITY_SHARDS } from '../../src/modules/betting/index.ts';
import type { Player } from '../support/app.ts';
import { useTestApp } from '../support/app.ts';
import { expectProblem, expectUnchanged, snapshot } from '../support/betting-helpers.ts';
import {
  bet,
  eventWith,
  funded,
  legsOf,
  matchResult,
  placed,
  result,
  settings,
} from './sportsbook-helpers.ts';

describe('limits and liability', () => {
  const t = useTestApp();

  const exposure = async (scope: 'selection' | 'market', id: string) => {
    const [row] = await t.db.query<{ total: bigint; shards: bigint }>(
      `SELECT COALESCE(sum(exposure), 0)::bigint AS total, count(*) AS shards FROM betting.liability
       WHERE scope = $1 AND id = $2`,
      [scope, id],
    );
    return row!;
  };

  it('applies the stake limits of the market, else of its sport, per line', async () => {
    const alice = await funded(t);
    const event = await eventWith(t, [matchResult(), matchResult()]);
    const [limited, plain] = event.markets;
    await settings(t, limited.id, { minStake: '500', maxStake: '2000' });
    const before = await snapshot(t, alice);
    for (const stake of ['499', '2001']) {
      const response = await bet(t, alice, { stake, legs: legsOf(limited.selections[0]) });
      expectProblem(response, 422, 'stake_out_of_range');
      expect(response.body).toMatchObject({ minStake: '500', maxStake: '2000' });
    }
    await expectUnchanged(t, before, alice);
    await placed(t, alice, { stake: '2000', legs: legsOf(limited.selections[0]) });
    await placed(t, alice, { stake: '10', legs: legsOf(plain.selections[0]) });

    // The sport's limits apply where the market has none.
    const admin = await t.staff(['admin']);
    const sportId = event.sport.id;
    const sport = await t.api.patch(
      `/api/v1/admin/sports/${sportId}/settings`,
      { maxStake: '3000' },
      {
        token: admin.token,
      },
    );
    expect(sport.body).toMatchObject({
      maxStake: '3000',
      inPlayDelaySeconds: 5,
      builderMarginBps: 1000,
    });
    expectProblem(
      await bet(t, alice, { stake: '3001', legs: legsOf(plain.selections[1]) }),
      422,
      'stake_out_of_range',
    );
    await t.api.patch(
      `/api/v1/admin/sports/${sportId}/settings`,
      { maxStake: null },
      { token: admin.token },
    );
  });

  it("scales a player's maximum stakes by the stake factor risk sets, and 0 stops their betting", async () => {
    const alice = await funded(t);
    const risk = await t.staff(['risk']);
    const event = await eventWith(t, [matchResult()]);
    const leg = legsOf(event.markets[0].selections[0]);
    const set = await t.api.put(
      `/api/v1/admin/players/${alice.id}/betting-limits`,
      { stakeFactor: '0.25', note: 'sharp on lower leagues' },
      { token: risk.token },
    );
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      playerId: alice.id,
      stakeFactor: '0.25',
      cashOutBlocked: false,
      updatedBy: risk.id,
    });
    const refused = await bet(t, alice, { stake: '250001', legs: leg });
    expectProblem(refused, 422, 'stake_out_of_range');
    expect(refused.body.maxStake).toBe('250000');
    await placed(t, alice, { stake: '250000', legs: leg });
    await t.api.put(
      `/api/v1/admin/players/${alice.id}/betting-limits`,
      { stakeFactor: '0' },
      { token: risk.token },
    );
    expectProblem(await bet(t, alice, { stake: '10', legs: leg }), 422, 'stake_out_of_range');
    const read = await t.api.get(`/api/v1/admin/players/${alice.id}/betting-limits`, {
      token: risk.token,
    });
    expect(read.body).toMatchObject({ stakeFactor: '0', note: 'sharp on lower leagues' });
    // Traders do not set player limits; unknown players are 404; nonsense is refused.
    const trader = await t.trader();
    expectProblem(
      await t.api.put(
        `/api/v1/admin/players/${alice.id}/betting-limits`,
        { stakeFactor: '2' },
        { token: trader.token },
      ),
      403,
      'forbidden',
    );
    expectProblem(
      await t.api.put(
        `/api/v1/admin/players/${crypto.randomUUID()}/betting-limits`,
        { stakeFactor: '2' },
        {
          token: risk.token,
        },
      ),
      404,
      'account_not_found',
    );
    expectProblem(
      await t.api.put(
        `/api/v1/admin/players/${alice.id}/betting-limits`,
        { stakeFactor: '-1' },
        { token: risk.token },
      ),
      400,
      'validation_failed',
    );
    await t.api.put(
      `/api/v1/admin/players/${alice.id}/betting-limits`,
      { stakeFactor: '1' },
      { token: risk.token },
    );
  });

  it('caps the liability on a selection and reoffers the largest stake that still fits', async () => {
    const alice = await funded(t);
    const bob = await funded(t);
    const event = await eventWith(t, [matchResult(['2.00', '3.00', '5.00'])]);
    const market = event.markets[0];
    const [home, draw] = market.selections;
    await settings(t, market.id, { maxSelectionLiability: '10000' });
    // Each 4000 at 2.00 risks 4000 for the house.
    await placed(t, alice, { stake: '4000', legs: legsOf(home) });
    await placed(t, bob, { stake: '4000', legs: legsOf(home) });
    const before = await snapshot(t, alice, bob);
    const refused = await bet(t, alice, { stake: '4000', legs: legsOf(home) });
    expectProblem(refused, 422, 'liability_limit_reached');
    expect(refused.body.maxStake).toBe('2000');
    await expectUnchanged(t, before, alice, bob);
    const quote = await t.api.post(
      '/api/v1/betslip/quote',
      { stake: '4000', legs: legsOf(home) },
      { token: bob.token },
    );
    expect(quote.body).toMatchObject({ maxStake: '2000', acceptable: false });
    expect(quote.body.refusals.map((r: any) => r.code)).toEqual(['liability_limit_reached']);
    await placed(t, bob, { stake: '2000', legs: legsOf(home) });
    expect((await exposure('selection', home.id)).total).toBe(10_000n);
    expectProblem(
      await bet(t, alice, { stake: '10', legs: legsOf(home) }),
      422,
      'liability_limit_reached',
    );
    // Another selection of the market has its own room.
    await placed(t, alice, { stake: '2500', legs: legsOf(draw) });
    expect((await exposure('selection', draw.id)).total).toBe(5000n);
    expect((await exposure('market', market.id)).total).toBe(15_000n);
    // Settlement releases it all.
    await result(t, market.id, { winners: [draw.id] });
    expect((await exposure('selection', home.id)).total).toBe(0n);
    expect((await exposure('market', market.id)).total).toBe(0n);
  });

  it('caps the sum of potential net losses on a market across its selections', async () => {
    const alice = await funded(t);
    const event = await eventWith(t, [matchResult(['3.00', '3.00', '3.00'])]);
    const market = event.markets[0];
    await settings(t, market.id, { maxMarketLiability: '9000' });
    await placed(t, alice, { stake: '1500', legs: legsOf(market.selections[0]) }); // 3000
    await placed(t, alice, { stake: '1500', legs: legsOf(market.selections[1]) }); // 3000
    const refused = await bet(t, alice, { stake: '2000', legs: legsOf(market.selections[2]) });
    expectProblem(refused, 422, 'liability_limit_reached');
    expect(refused.body.maxStake).toBe('1500');
    await placed(t, alice, { stake: '1500', legs: legsOf(market.selections[2]) });
  });

  it('keeps each selection and market in shards, and its liability equal to a recomputation from the bets', async () => {
    const players: Player[] = [];
    for (let i = 0; i < 6; i++) players.push(await funded(t));
    const events: any[] = [];
    for (let i = 0; i < 3; i++)
      events.push(await eventWith(t, [matchResult(['1.80', '3.50', '4.50'])]));
    await settings(t, events[0].markets[0].id, {
      maxSelectionLiability: '60000',
      maxMarketLiability: '90000',
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            player: fc.integer({ min: 0, max: 5 }),
            legs: fc.uniqueArray(fc.integer({ min: 0, max: 8 }), {
              minLength: 1,
              maxLength: 3,
              selector: (i) => Math.floor(i / 3),
            }),
            stake: fc.integer({ min: 10, max: 20_000 }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        async (bets) => {
          for (const b of bets) {
            const legs = b.legs.map((i) => events[Math.floor(i / 3)].markets[0].selections[i % 3]);
            const response = await bet(t, players[b.player]!, {
              stake: String(b.stake),
              legs: legsOf(...legs),
            });
            if (response.status !== 201) expect(response.body.code).toBe('liability_limit_reached');
          }
          // Capped keys never go over their caps; the harness checks the recomputation.
          const capped = await t.db.query<{ scope: string; over: boolean }>(
            `SELECT scope, sum(exposure) > CASE scope WHEN 'selection' THEN 60000 ELSE 90000 END AS over
             FROM betting.liability WHERE id = ANY($1::uuid[]) GROUP BY scope, id`,
            [[events[0].markets[0].id, ...events[0].markets[0].selections.map((s: any) => s.id)]],
          );
          expect(capped.filter((c) => c.over)).toEqual([]);
        },
      ),
      { numRuns: 5 },
    );
    const shards = await exposure('market', events[1].markets[0].id);
    expect(Number(shards.shards)).toBe(LIABILITY_SHARDS);
  });
});
