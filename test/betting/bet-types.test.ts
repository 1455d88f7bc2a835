// Bet types through the API: system bets by name and n-of-k staked per line, each-way on
// outrights with place terms and dead heats, bet builders with their margin and forbidden
// combinations, multiples with half results; the bet-slip quote; odds formats.
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { counts, expectProblem, expectUnchanged, snapshot } from '../support/betting-helpers.ts';
import {
  bet,
  betRow,
  eventWith,
  funded,
  legsOf,
  matchResult,
  outright,
  placed,
  result,
  settings,
  twoWay,
} from './sportsbook-helpers.ts';

describe('bet types', () => {
  const t = useTestApp();

  /** The home selection of `n` fresh events at these prices. */
  async function homes(...prices: string[]) {
    const picks = [];
    for (const price of prices) {
      const event = await eventWith(t, [matchResult([price, '3.00', '3.00'])]);
      picks.push({ market: event.markets[0], home: event.markets[0].selections[0] });
    }
    return picks;
  }

  it('places a Yankee as 11 lines staked per line and pays the lines whose legs all won', async () => {
    const alice = await funded(t);
    const picks = await homes('2.00', '3.00', '1.50', '4.00');
    const start = await t.balance(alice);
    const yankee = await placed(t, alice, {
      stake: '100',
      system: 'yankee',
      legs: legsOf(...picks.map((p) => p.home)),
    });
    expect(yankee).toMatchObject({
      kind: 'system',
      system: 'yankee',
      lines: 11,
      stakePerLine: '100',
      stake: '1100',
    });
    expect(yankee.price).toBeNull();
    // Every line winning: Σ over doubles, trebles and the four-fold of the products.
    const p = [2, 3, 1.5, 4];
    let all = 0;
    for (let mask = 0; mask < 16; mask++) {
      const legs = p.filter((_, i) => mask & (1 << i));
      if (legs.length >= 2) all += 100 * legs.reduce((a, b) => a * b, 1);
    }
    expect(yankee.potentialPayout).toBe(String(all));
    expect(await t.balance(alice)).toBe(start - 1100n);

    // Three legs win, the 4.00 loses: 3 doubles and 1 treble of 2.00, 3.00, 1.50 pay.
    for (const [i, pick] of picks.entries()) {
      await result(t, pick.market.id, {
        winners: [i === 3 ? pick.market.selections[1].id : pick.home.id],
      });
    }
    const expected = 100 * (2 * 3 + 2 * 1.5 + 3 * 1.5 + 2 * 3 * 1.5);
    expect(await betRow(t, yankee.id)).toMatchObject({ status: 'won', payout: BigInt(expected) });
    expect(await t.balance(alice)).toBe(start - 1100n + BigInt(expected));
  });

  it('places "doubles from three" (2/3) as three lines and refuses systems that do not fit the selections', async () => {
    const alice = await funded(t);
    const picks = await homes('2.00', '2.00', '2.00');
    const doubles = await placed(t, alice, {
      stake: '50',
      system: '2/3',
      legs: legsOf(...picks.map((p) => p.home)),
    });
    expect(doubles).toMatchObject({ lines: 3, stake: '150', potentialPayout: '600' });
    const before = await snapshot(t, alice);
    for (const body of [
      { system: 'yankee', legs: legsOf(...picks.map((p) => p.home)) },
      { system: '2/4', legs: legsOf(...picks.map((p) => p.home)) },
      { kind: 'single', legs: legsOf(...picks.map((p) => p.home)) },
      { kind: 'multiple', system: 'trixie', legs: legsOf(...picks.map((p) => p.home)) },
    ]) {
      expectProblem(await bet(t, alice, { stake: '50', ...body }), 422, 'invalid_bet_type');
    }
    expectProblem(
      await bet(t, alice, { stake: '50', system: 'lucky99', legs: legsOf(picks[0]!.home) }),
      400,
      'validation_failed',
    );
    await expectUnchanged(t, before, alice);
  });

  it('refuses a system bet of more than 1024 lines (422 too_many_lines)', async () => {
    const alice = await funded(t);
    const picks = await homes(...Array.from({ length: 13 }, () => '1.10'));
    const before = await snapshot(t, alice);
    const legs = legsOf(...picks.map((p) => p.home));
    // C(13, 6) = 1716 lines; C(13, 2) = 78 is fine.
    expectProblem(
      await bet(t, alice, { stake: '10', system: '6/13', legs }),
      422,
      'too_many_lines',
    );
    await expectUnchanged(t, before, alice);
    expect(await placed(t, alice, { stake: '10', system: '2/13', legs })).toMatchObject({
      lines: 78,
    });
  });

  it('splits an each-way bet into a win part and a place part at the place terms, with dead heats', async () => {
    const alice = await funded(t);
    const event = await eventWith(t, [outright(['9.00', '5.00', '3.00', '6.00'])]);
    const market = event.markets[0];
    expect(market.eachWay).toEqual({ places: 3, fraction: '1/4' });
    const [first, second, third] = market.selections;
    const start = await t.balance(alice);
    const onFirst = await placed(t, alice, { stake: '100', eachWay: true, legs: legsOf(first) });
    expect(onFirst).toMatchObject({ eachWay: true, lines: 2, stake: '200' });
    // Win 100 × 9.00 = 900, place 100 × (1 + 8/4) = 300.
    expect(onFirst.potentialPayout).toBe('1200');
    const onSecond = await placed(t, alice, { stake: '100', eachWay: true, legs: legsOf(second) });
    const onThird = await placed(t, alice, { stake: '100', eachWay: true, legs: legsOf(third) });

    // The first two dead-heat for the win; the third is placed.
    const settled = await result(t, market.id, {
      outcomes: [
        { selectionId: first.id, outcome: 'win', deadHeat: '1/2' },
        { selectionId: second.id, outcome: 'win', deadHeat: '1/2' },
        { selectionId: third.id, outcome: 'lose', place: 'win' },
      ],
    });
    expect(settled.status).toBe(200);
    expect(await betRow(t, onFirst.id)).toMatchObject({ status: 'won', payout: 450n + 300n });
    // 5.00: win 100 × 5 / 2 = 250, place 100 × (1 + 4/4) = 200.
    expect(await betRow(t, onSecond.id)).toMatchObject({ status: 'won', payout: 250n + 200n });
    // 3.00 placed only: 100 × (1 + 2/4) = 150, the win part lost.
    expect(await betRow(t, onThird.id)).toMatchObject({ status: 'won', payout: 150n });
    expect(await t.balance(alice)).toBe(start - 600n + 750n + 450n + 150n);
  });

  it('refuses each-way on a market without place terms (422 each_way_not_offered)', async () => {
    const alice = await funded(t);
    const event = await eventWith(t, [matchResult()]);
    const before = await snapshot(t, alice);
    expectProblem(
      await bet(t, alice, { eachWay: true, legs: legsOf(event.markets[0].selections[0]) }),
      422,
      'each_way_not_offered',
    );
    await expectUnchanged(t, before, alice);
  });

  it('prices a bet builder as the product of its legs less the margin, and settles it on all its legs', async () => {
    const alice = await funded(t);
    const event = await eventWith(t, [
      matchResult(['2.00', '3.40', '3.60']),
      twoWay('over_under', '2.5', ['1.80', '2.00']),
    ]);
    const [result1x2, totals] = event.markets;
    const home = result1x2.selections[0];
    const over = totals.selections[0];
    const builder = await placed(t, alice, {
      stake: '1000',
      kind: 'builder',
      legs: legsOf(home, over),
    });
    // 2.00 × 1.80 = 3.60, less the sport's 10% margin: 3.24.
    expect(builder).toMatchObject({
      kind: 'builder',
      price: '3.24',
      potentialPayout: '3240',
      lines: 1,
    });
    await result(t, totals.id, { score: { home: 2, away: 1 } });
    expect((await betRow(t, builder.id)).status).toBe('open');
    await result(t, result1x2.id, { score: { home: 2, away: 1 } });
    expect(await betRow(t, builder.id)).toMatchObject({ status: 'won', payout: 3240n });
  });

  it('stands a bet builder on its other legs when one is void, keeping the margin', async () => {
    const alice = await funded(t);
    const event = await eventWith(t, [
      matchResult(['2.00', '3.40', '3.60']),
      twoWay('over_under', '2', ['1.80', '2.00']),
    ]);
    const [result1x2, totals] = event.markets;
    const builder = await placed(t, alice, {
      stake: '1000',
      kind: 'builder',
      legs: legsOf(result1x2.selections[0], totals.selections[0]),
    });
    // Two goals on a 2.0 line: the total is void; the bet stands on the home win at 3.24 / 1.80.
    await result(t, totals.id, { score: { home: 2, away: 0 } });
    await result(t, result1x2.id, { score: { home: 2, away: 0 } });
    expect(await betRow(t, builder.id)).toMatchObject({ status: 'won', payout: 1800n });
  });

  it('refuses bet builders of one market twice, of correlated or excluded markets, or of several events', async () => {
    const alice = await funded(t);
    const event = await eventWith(t, [
      matchResult(),
      {
        type: 'double_chance',
        selections: [
          { name: '1X', outcome: 'home_draw', price: '1.30' },
          { name: '12', outcome: 'home_away', price: '1.25' },
          { name: 'X2', outcome: 'draw_away', price: '1.70' },
        ],
      },
      twoWay('over_under', '2.5'),
      {
        type: 'both_teams_to_score',
        selections: [
          { name: 'Yes', outcome: 'yes', price: '1.80' },
          { name: 'No', outcome: 'no', price: '1.95' },
        ],
      },
    ]);
    const [mr, dc, ou, btts] = event.markets;
    await settings(t, mr.id, { correlatedWith: ['double_chance'] });
    await settings(t, btts.id, { builder: false });
    const other = await eventWith(t, [matchResult()]);
    const before = await snapshot(t, alice);
    const refused = async (legs: any[], code: string) =>
      expectProblem(await bet(t, alice, { kind: 'builder', legs: legsOf(...legs) }), 422, code);
    await refused([mr.selections[0], mr.selections[1]], 'builder_combination_forbidden');
    await refused([mr.selections[0], dc.selections[0]], 'builder_combination_forbidden');
    await refused([ou.selections[0], btts.selections[0]], 'builder_combination_forbidden');
    await refused([mr.selections[0], other.markets[0].selections[0]], 'invalid_bet_type');
    await refused([mr.selections[0]], 'invalid_bet_type');
    // Two selections of one event are no multiple either.
    expectProblem(
      await bet(t, alice, { legs: legsOf(mr.selections[0], ou.selections[0]) }),
      422,
      'duplicate_event',
    );
    await expectUnchanged(t, before, alice);
    // What the market config allows is accepted.
    await placed(t, alice, { kind: 'builder', legs: legsOf(dc.selections[2], ou.selections[1]) });
  });

  it('counts a half-won leg of a multiple at (1 + price)/2 and a half-lost one at 1/2', async () => {
    const alice = await funded(t);
    const first = await eventWith(t, [twoWay('asian_handicap', '0.25', ['2.00', '1.90'])]);
    const second = await eventWith(t, [twoWay('over_under', '2.75', ['2.40', '1.60'])]);
    const third = await eventWith(t, [matchResult(['3.00', '3.00', '3.00'])]);
    const multiple = await placed(t, alice, {
      stake: '1000',
      legs: legsOf(
        first.markets[0].selections[0],
        second.markets[0].selections[0],
        third.markets[0].selections[0],
      ),
    });
    await result(t, first.markets[0].id, { score: { home: 1, away: 1 } }); // home +0.25 on a draw: half won
    await result(t, second.markets[0].id, { score: { home: 2, away: 1 } }); // over 2.75 on 3: half won
    await result(t, third.markets[0].id, { winners: [third.markets[0].selections[0].id] });
    // 1000 × (1 + 2.00)/2 × (1 + 2.40)/2 × 3.00 = 1000 × 1.5 × 1.7 × 3 = 7650
    expect(await betRow(t, multiple.id)).toMatchObject({ status: 'won', payout: 7650n });

    const half = await eventWith(t, [twoWay('asian_handicap', '-0.25', ['2.00', '1.90'])]);
    const single = await placed(t, alice, {
      stake: '1001',
      legs: legsOf(half.markets[0].selections[0]),
    });
    await result(t, half.markets[0].id, { score: { home: 0, away: 0 } }); // −0.25 on a draw: half lost
    expect(await betRow(t, single.id)).toMatchObject({ status: 'won', payout: 500n });
  });

  it('refuses a multiple of more than 20 legs (400)', async () => {
    const alice = await funded(t);
    const picks = await homes(...Array.from({ length: 21 }, () => '1.01'));
    const before = await snapshot(t, alice);
    expectProblem(
      await bet(t, alice, { legs: legsOf(...picks.map((p) => p.home)) }),
      400,
      'validation_failed',
    );
    await expectUnchanged(t, before, alice);
    const twenty = await placed(t, alice, {
      stake: '10',
      legs: legsOf(...picks.slice(0, 20).map((p) => p.home)),
    });
    expect(twenty).toMatchObject({ kind: 'multiple', lines: 1 });
  });
});

describe('the bet-slip quote', () => {
  const t = useTestApp();

  it('quotes lines, total stake, prices, payout and the stake range without writing anything', async () => {
    const alice = await funded(t, 5000n);
    const a = await eventWith(t, [matchResult(['2.00', '3.00', '3.00'])]);
    const b = await eventWith(t, [matchResult(['1.50', '3.00', '3.00'])]);
    const c = await eventWith(t, [matchResult(['4.00', '3.00', '3.00'])]);
    const legs = legsOf(
      a.markets[0].selections[0],
      b.markets[0].selections[0],
      c.markets[0].selections[0],
    );
    const before = await counts(t);
    const quote = await t.api.post(
      '/api/v1/betslip/quote',
      { stake: '100', system: 'trixie', legs },
      { token: alice.token },
    );
    expect(quote.status).toBe(200);
    expect(quote.body).toMatchObject({
      kind: 'system',
      system: 'trixie',
      lines: 4,
      stakePerLine: '100',
      totalStake: '400',
      // 2×1.5 + 2×4 + 1.5×4 + 2×1.5×4 = 3 + 8 + 6 + 12 = 29 → 2900
      potentialPayout: '2900',
      currency: 'EUR',
      minStake: '10',
      acceptable: true,
      refusals: [],
      inPlay: false,
    });
    expect(quote.body.legs.map((l: any) => l.price)).toEqual(['2.00', '1.50', '4.00']);
    expect(await counts(t)).toEqual(before);
  });

  it('lists every reason a bet would be refused, with the largest stake that would be accepted', async () => {
    const alice = await funded(t, 500n);
    const event = await eventWith(t, [matchResult(['1000', '1.01', '1.01'])]);
    const home = event.markets[0].selections[0];
    const trader = await t.trader();
    await t.api.patch(
      `/api/v1/admin/selections/${event.markets[0].selections[1].id}`,
      { price: '1.05' },
      {
        token: trader.token,
      },
    );
    const quote = await t.api.post(
      '/api/v1/betslip/quote',
      {
        stake: '200000',
        legs: [
          { selectionId: home.id, price: '1000' },
          { selectionId: event.markets[0].selections[1].id, price: '1.01' },
        ],
      },
      { token: alice.token },
    );
    expect(quote.status).toBe(200);
    expect(quote.body.acceptable).toBe(false);
    expect(quote.body.refusals.map((r: any) => r.code).sort()).toEqual(
      ['duplicate_event', 'insufficient_funds', 'odds_changed', 'payout_too_high'].sort(),
    );
    const single = await t.api.post(
      '/api/v1/betslip/quote',
      { stake: '200000', legs: legsOf(home) },
      { token: alice.token },
    );
    expect(single.body).toMatchObject({ maxStake: '100000', potentialPayout: '200000000' });
    expect(single.body.refusals.find((r: any) => r.code === 'payout_too_high')).toMatchObject({
      status: 422,
      maxStake: '100000',
    });
    expectProblem(
      await t.api.post('/api/v1/betslip/quote', { stake: '100', legs: legsOf(home) }),
      401,
      'unauthenticated',
    );
  });
});

describe('odds formats', () => {
  const t = useTestApp();

  it('renders prices as fractional or American odds on request, and takes them back on a bet', async () => {
    const alice = await funded(t);
    const event = await eventWith(t, [matchResult(['2.375', '1.50', '1.909'])]);
    const fractional = await t.api.get(`/api/v1/events/${event.id}?oddsFormat=fractional`);
    expect(fractional.body.markets[0].selections.map((s: any) => s.price)).toEqual([
      '11/8',
      '1/2',
      '909/1000',
    ]);
    const american = await t.api.get(`/api/v1/events?oddsFormat=american`);
    const listed = american.body.items.find((e: any) => e.id === event.id);
    expect(listed.markets[0].selections.map((s: any) => s.price)).toEqual([
      '+137.5',
      '-200',
      '-110.01',
    ]);
    const decimal = await t.api.get(`/api/v1/events/${event.id}`);
    expect(decimal.body.markets[0].selections.map((s: any) => s.price)).toEqual([
      '2.375',
      '1.50',
      '1.909',
    ]);

    const [home, draw, away] = event.markets[0].selections;
    const fromFraction = await bet(t, alice, { legs: [{ selectionId: home.id, price: '11/8' }] });
    expect(fromFraction.status).toBe(201);
    expect(fromFraction.body.legs[0]).toMatchObject({ price: '2.375', requestedPrice: '2.375' });
    const fromAmerican = await t.api.post(
      '/api/v1/bets?oddsFormat=american',
      { stake: '1000', legs: [{ selectionId: away.id, price: '-110.01' }] },
      { token: alice.token, idempotencyKey: crypto.randomUUID() },
    );
    expect(fromAmerican.status).toBe(201);
    expect(fromAmerican.body.legs[0]).toMatchObject({
      price: '-110.01',
      requestedPrice: '-110.01',
    });
    expect(fromAmerican.body.potentialPayout).toBe('1909');
    const mine = await t.api.get('/api/v1/bets?oddsFormat=fractional', { token: alice.token });
    expect(mine.body.items.map((b: any) => b.price)).toEqual(['909/1000', '11/8']);
    const before = await snapshot(t, alice);
    for (const price of ['1/3', '+133.33', '-110', '0/1']) {
      const response = await bet(t, alice, { legs: [{ selectionId: draw.id, price }] });
      expect([response.status, response.body.code]).toEqual(
        price === '0/1' ? [400, 'validation_failed'] : [422, 'invalid_price'],
      );
    }
    expectProblem(
      await t.api.get(`/api/v1/events/${event.id}?oddsFormat=roman`),
      400,
      'validation_failed',
    );
    await expectUnchanged(t, before, alice);
  });
});
