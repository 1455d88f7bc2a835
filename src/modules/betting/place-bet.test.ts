import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Player, Staff } from '../../../test/support/app.ts';
import { useTestApp } from '../../../test/support/app.ts';
import {
  expectProblem,
  expectUnchanged,
  legOn,
  placeBet,
  placedBet,
  resultMarket,
  snapshot,
} from '../../../test/support/betting-helpers.ts';
import { priceAcceptable } from './place-bet.ts';

describe('priceAcceptable', () => {
  it('with policy none accepts only the requested price', () => {
    expect(priceAcceptable('none', 2100, 2100)).toBe(true);
    expect(priceAcceptable('none', 2100, 2200)).toBe(false);
    expect(priceAcceptable('none', 2100, 2000)).toBe(false);
  });

  it('with policy higher accepts the requested price or a better one', () => {
    expect(priceAcceptable('higher', 2100, 2100)).toBe(true);
    expect(priceAcceptable('higher', 2100, 2101)).toBe(true);
    expect(priceAcceptable('higher', 2100, 2099)).toBe(false);
  });

  it('with policy any accepts every price', () => {
    expect(priceAcceptable('any', 2100, 1001)).toBe(true);
    expect(priceAcceptable('any', 2100, 1_000_000)).toBe(true);
  });
});

describe('placing a bet', () => {
  const t = useTestApp();
  let rich: Player;
  let trader: Staff;

  beforeAll(async () => {
    trader = await t.trader();
    rich = await t.player();
    await t.deposit(rich, 5_000_000n);
  });

  /** A fresh event; returns its match result market. */
  const market = async (prices?: [string, string, string]) =>
    (await t.event(prices ? { prices } : {})).markets[0];

  const setPrice = async (selectionId: string, price: string) => {
    const response = await t.api.patch(
      `/api/v1/admin/selections/${selectionId}`,
      { price },
      { token: trader.token },
    );
    expect(response.status).toBe(200);
  };

  it('takes a single at the listed price: stake held, bet open, bet.placed announced', async () => {
    const m = await market(['2.375', '3.40', '3.10']);
    const home = m.selections[0];
    const before = await t.balance(rich);
    const response = await placeBet(t, rich, { stake: '1000', legs: [legOn(home)] });
    expect(response.status).toBe(201);
    expect(response.headers['idempotency-hit']).toBeUndefined();
    expect(response.body).toMatchObject({
      kind: 'single',
      status: 'open',
      currency: 'EUR',
      stake: '1000',
      potentialPayout: '2375',
      payout: null,
      acceptPriceChanges: 'none',
      settledAt: null,
      legs: [
        {
          selectionId: home.id,
          marketId: m.id,
          eventId: m.eventId,
          eventName: 'Home FC v Away United',
          marketName: 'Match result',
          selectionName: 'Home FC',
          price: '2.375',
          requestedPrice: '2.375',
        },
      ],
    });
    expect(await t.balance(rich)).toBe(before - 1000n);
    const [event] = await t.db.query<{ payload: any }>(
      `SELECT payload FROM platform.outbox WHERE type = 'bet.placed' AND aggregate_id = $1`,
      [response.body.id],
    );
    expect(event!.payload).toEqual({
      bet: response.body,
      playerId: rich.id,
      balance: (before - 1000n).toString(),
    });
    const read = await t.api.get(`/api/v1/bets/${response.body.id}`, { token: rich.token });
    expect(read.body).toEqual(response.body);
  });

  it('rejects a bet on a suspended market (409 market_not_open)', async () => {
    const m = await market();
    await t.api.post(`/api/v1/admin/markets/${m.id}/suspend`, undefined, { token: trader.token });
    const before = await snapshot(t, rich);
    const response = await placeBet(t, rich, { legs: [legOn(m.selections[0])] });
    expectProblem(response, 409, 'market_not_open');
    expect(response.body).toMatchObject({ marketId: m.id, marketStatus: 'suspended' });
    await expectUnchanged(t, before, rich);

    // Reopened, the same bet is taken.
    await t.api.post(`/api/v1/admin/markets/${m.id}/open`, undefined, { token: trader.token });
    expect((await placeBet(t, rich, { legs: [legOn(m.selections[0])] })).status).toBe(201);
  });

  it('rejects a bet on a settled market (409 market_not_open)', async () => {
    const m = await market();
    expect((await resultMarket(t, m.id, { winners: [m.selections[0].id] })).status).toBe(200);
    const before = await snapshot(t, rich);
    const response = await placeBet(t, rich, { legs: [legOn(m.selections[1])] });
    expectProblem(response, 409, 'market_not_open');
    expect(response.body.marketStatus).toBe('settled');
    await expectUnchanged(t, before, rich);
  });

  it('rejects a bet on an event that has started (409 event_started), by the database clock', async () => {
    const m = await market();
    await t.db.query(
      `UPDATE catalog.events SET starts_at = now() - interval '1 minute' WHERE id = $1`,
      [m.eventId],
    );
    // A live event (in-play is not offered yet) is closed to pre-match bets too.
    const live = await market();
    await t.db.query(`UPDATE catalog.events SET status = 'live' WHERE id = $1`, [live.eventId]);
    const before = await snapshot(t, rich);
    const response = await placeBet(t, rich, { legs: [legOn(m.selections[0])] });
    expectProblem(response, 409, 'event_started');
    expect(response.body.eventId).toBe(m.eventId);
    expectProblem(
      await placeBet(t, rich, { legs: [legOn(live.selections[0])] }),
      409,
      'event_started',
    );
    await expectUnchanged(t, before, rich);
  });

  it('rejects a bet on an ended or cancelled event (409 event_closed)', async () => {
    const ended = await market();
    const cancelled = await market();
    await t.db.query(`UPDATE catalog.events SET status = 'ended' WHERE id = $1`, [ended.eventId]);
    await t.db.query(`UPDATE catalog.events SET status = 'cancelled' WHERE id = $1`, [
      cancelled.eventId,
    ]);
    const before = await snapshot(t, rich);
    for (const [m, status] of [
      [ended, 'ended'],
      [cancelled, 'cancelled'],
    ] as const) {
      const response = await placeBet(t, rich, { legs: [legOn(m.selections[0])] });
      expectProblem(response, 409, 'event_closed');
      expect(response.body).toMatchObject({ eventId: m.eventId, eventStatus: status });
    }
    await expectUnchanged(t, before, rich);
  });

  it('with policy none refuses a changed price (409 odds_changed) and names the current price', async () => {
    const m = await market(['2.10', '3.40', '3.25']);
    const home = m.selections[0];
    await setPrice(home.id, '2.20');
    const before = await snapshot(t, rich);
    for (const acceptPriceChanges of [undefined, 'none'] as const) {
      const response = await placeBet(t, rich, {
        legs: [{ selectionId: home.id, price: '2.10' }],
        ...(acceptPriceChanges ? { acceptPriceChanges } : {}),
      });
      expectProblem(response, 409, 'odds_changed');
      expect(response.body.currentPrice).toBe('2.20');
      expect(response.body.legs).toEqual([
        { selectionId: home.id, requested: '2.10', current: '2.20' },
      ]);
    }
    await expectUnchanged(t, before, rich);

    // Confirming the current price places the bet.
    const bet = await placedBet(t, rich, { legs: [{ selectionId: home.id, price: '2.20' }] });
    expect(bet.potentialPayout).toBe('2200');
  });

  it('with policy higher takes a better current price and keeps the requested one', async () => {
    const m = await market(['2.10', '3.40', '3.25']);
    const home = m.selections[0];
    await setPrice(home.id, '2.25');
    const bet = await placedBet(t, rich, {
      stake: '2000',
      legs: [{ selectionId: home.id, price: '2.10' }],
      acceptPriceChanges: 'higher',
    });
    expect(bet).toMatchObject({ acceptPriceChanges: 'higher', potentialPayout: '4500' });
    expect(bet.legs[0]).toMatchObject({ price: '2.25', requestedPrice: '2.10' });
    const [leg] = await t.db.query<{ price: number; requested_price: number }>(
      'SELECT price, requested_price FROM betting.bet_legs WHERE bet_id = $1',
      [bet.id],
    );
    expect(leg).toEqual({ price: 2250, requested_price: 2100 });
  });

  it('with policy higher refuses a worse current price (409 odds_changed)', async () => {
    const m = await market(['2.10', '3.40', '3.25']);
    const home = m.selections[0];
    await setPrice(home.id, '2.05');
    const before = await snapshot(t, rich);
    const response = await placeBet(t, rich, {
      legs: [{ selectionId: home.id, price: '2.10' }],
      acceptPriceChanges: 'higher',
    });
    expectProblem(response, 409, 'odds_changed');
    expect(response.body.currentPrice).toBe('2.05');
    await expectUnchanged(t, before, rich);
  });

  it('with policy any takes a worse current price', async () => {
    const m = await market(['2.10', '3.40', '3.25']);
    const home = m.selections[0];
    await setPrice(home.id, '1.80');
    const bet = await placedBet(t, rich, {
      stake: '1000',
      legs: [{ selectionId: home.id, price: '2.10' }],
      acceptPriceChanges: 'any',
    });
    expect(bet.potentialPayout).toBe('1800');
    expect(bet.legs[0]).toMatchObject({ price: '1.80', requestedPrice: '2.10' });
  });

  it('refuses a requested price outside 1.001–1000 whatever the policy (422 invalid_price)', async () => {
    const m = await market();
    const before = await snapshot(t, rich);
    for (const price of ['1.000', '0.5', '0', '1000.001', '9999.999']) {
      for (const acceptPriceChanges of ['any', 'higher'] as const) {
        const response = await placeBet(t, rich, {
          legs: [{ selectionId: m.selections[0].id, price }],
          acceptPriceChanges,
        });
        expectProblem(response, 422, 'invalid_price');
      }
    }
    await expectUnchanged(t, before, rich);
  });

  it('refuses a stake below 10 or above 1000000 (422 stake_out_of_range) and takes the bounds', async () => {
    const m = await market();
    const leg = legOn(m.selections[0]);
    const before = await snapshot(t, rich);
    for (const stake of ['1', '9', '1000001', '999999999999999']) {
      const response = await placeBet(t, rich, { stake, legs: [leg] });
      expectProblem(response, 422, 'stake_out_of_range');
      expect(response.body).toMatchObject({ minStake: '10', maxStake: '1000000' });
    }
    await expectUnchanged(t, before, rich);
    expect((await placedBet(t, rich, { stake: '10', legs: [leg] })).potentialPayout).toBe('21');
    expect((await placedBet(t, rich, { stake: '1000000', legs: [leg] })).potentialPayout).toBe(
      '2100000',
    );
  });

  it('refuses a potential payout above 100000000 (422 payout_too_high) and takes the maxStake it names', async () => {
    const m = await market(['1000', '1.01', '1.01']);
    const longShot = m.selections[0];
    const before = await snapshot(t, rich);
    const response = await placeBet(t, rich, { stake: '200000', legs: [legOn(longShot)] });
    expectProblem(response, 422, 'payout_too_high');
    expect(response.body).toMatchObject({ maxPayout: '100000000', maxStake: '100000' });
    expectProblem(
      await placeBet(t, rich, { stake: '100001', legs: [legOn(longShot)] }),
      422,
      'payout_too_high',
    );
    await expectUnchanged(t, before, rich);
    const bet = await placedBet(t, rich, { stake: '100000', legs: [legOn(longShot)] });
    expect(bet.potentialPayout).toBe('100000000');
  });

  it('names the largest acceptable stake of a multiple whose price product is not round', async () => {
    const legs = [];
    for (const price of ['5.001', '5.001', '5.003']) {
      const m = await market([price, '1.50', '1.50']);
      legs.push(legOn(m.selections[0]));
    }
    const refused = await placeBet(t, rich, { stake: '1000000', legs });
    expectProblem(refused, 422, 'payout_too_high');
    const maxStake = BigInt(refused.body.maxStake);
    // stake × 5.001 × 5.001 × 5.003 ≤ 100000000  ⇔  stake ≤ 799200.55…
    expect(maxStake).toBe(799_200n);
    expectProblem(
      await placeBet(t, rich, { stake: (maxStake + 1n).toString(), legs }),
      422,
      'payout_too_high',
    );
    const bet = await placedBet(t, rich, { stake: maxStake.toString(), legs });
    expect(BigInt(bet.potentialPayout)).toBe((maxStake * 5001n * 5001n * 5003n) / 10n ** 9n);
    expect(BigInt(bet.potentialPayout)).toBeLessThanOrEqual(100_000_000n);
  });

  it('refuses a stake above the balance (422 insufficient_funds) and takes exactly the balance', async () => {
    const poor = await t.player();
    const m = await market();
    const leg = legOn(m.selections[1]);
    const before = await snapshot(t, poor, rich);
    const empty = await placeBet(t, poor, { stake: '100', legs: [leg] });
    expectProblem(empty, 422, 'insufficient_funds');
    expect(empty.body.balance).toBe('0');
    await expectUnchanged(t, before, poor, rich);

    await t.deposit(poor, 500n);
    const afterDeposit = await snapshot(t, poor, rich);
    const short = await placeBet(t, poor, { stake: '501', legs: [leg] });
    expectProblem(short, 422, 'insufficient_funds');
    expect(short.body.balance).toBe('500');
    await expectUnchanged(t, afterDeposit, poor, rich);

    await placedBet(t, poor, { stake: '500', legs: [leg] });
    expect(await t.balance(poor)).toBe(0n);
  });

  it('refuses an unknown selection (404 selection_not_found)', async () => {
    const m = await market();
    const unknown = randomUUID();
    const before = await snapshot(t, rich);
    for (const legs of [
      [{ selectionId: unknown, price: '2.00' }],
      [legOn(m.selections[0]), { selectionId: unknown, price: '2.00' }],
    ]) {
      const response = await placeBet(t, rich, { legs });
      expectProblem(response, 404, 'selection_not_found');
      expect(response.body.selectionId).toBe(unknown);
    }
    await expectUnchanged(t, before, rich);
  });

  it('refuses two selections of one event in one bet (422 duplicate_event)', async () => {
    const m = await market();
    const other = await market();
    const before = await snapshot(t, rich);
    for (const legs of [
      [legOn(m.selections[0]), legOn(m.selections[2])],
      [legOn(m.selections[0]), legOn(m.selections[0])],
      [legOn(other.selections[0]), legOn(m.selections[1]), legOn(m.selections[0])],
    ]) {
      expectProblem(await placeBet(t, rich, { legs }), 422, 'duplicate_event');
    }
    await expectUnchanged(t, before, rich);
  });

  it('takes a multiple of 3 legs on 3 events with potential payout floor(stake × p1 × p2 × p3)', async () => {
    const prices = ['2.375', '1.333', '3.777'];
    const legs = [];
    for (const price of prices)
      legs.push(legOn((await market([price, '3.00', '3.00'])).selections[0]));
    const before = await t.balance(rich);
    const bet = await placedBet(t, rich, { stake: '777', legs });
    // 777 × 2.375 × 1.333 × 3.777 = 9290.985…
    expect(bet).toMatchObject({ kind: 'multiple', stake: '777', potentialPayout: '9290' });
    expect(bet.legs.map((l: any) => l.price)).toEqual(prices);
    expect(await t.balance(rich)).toBe(before - 777n);
    const rows = await t.db.query<{ leg_no: number }>(
      'SELECT leg_no FROM betting.bet_legs WHERE bet_id = $1 ORDER BY leg_no',
      [bet.id],
    );
    expect(rows.map((r) => r.leg_no)).toEqual([1, 2, 3]);
  });

  it('refuses malformed bodies with 400 validation_failed', async () => {
    const m = await market();
    const leg = legOn(m.selections[0]);
    const many = Array.from({ length: 21 }, () => ({ selectionId: randomUUID(), price: '2.00' }));
    const before = await snapshot(t, rich);
    const bodies: unknown[] = [
      { stake: '1000' },
      { stake: '1000', legs: [] },
      { stake: '1000', legs: many },
      { stake: '1000', legs: [{ ...leg, price: 'abc' }] },
      { stake: '1000', legs: [{ ...leg, price: '2.1234' }] },
      { stake: '1000', legs: [leg], bonus: true },
      { stake: '1000', legs: [{ ...leg, boost: 2 }] },
      { stake: '1000', legs: [{ selectionId: 'nope', price: '2.00' }] },
      { stake: '1000', legs: [leg], acceptPriceChanges: 'sometimes' },
      { stake: '0', legs: [leg] },
      { stake: '-100', legs: [leg] },
      { stake: '10.50', legs: [leg] },
      { stake: '1e3', legs: [leg] },
      { stake: '0100', legs: [leg] },
      { legs: [leg] },
      { stake: '1000', legs: leg },
      [],
      null,
    ];
    const answers = [];
    for (const body of bodies) {
      const response = await t.api.post('/api/v1/bets', body, {
        token: rich.token,
        idempotencyKey: randomUUID(),
      });
      answers.push({ body, status: response.status, code: response.body.code });
    }
    expect(answers).toEqual(
      bodies.map((body) => ({ body, status: 400, code: 'validation_failed' })),
    );
    const notJson = await t.api.post('/api/v1/bets', '{"stake":', {
      token: rich.token,
      idempotencyKey: randomUUID(),
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(notJson, 400, 'invalid_json');
    expectProblem(
      await t.api.post('/api/v1/bets', 'stake=1000', {
        token: rich.token,
        idempotencyKey: randomUUID(),
      }),
      415,
      'unsupported_media_type',
    );
    await expectUnchanged(t, before, rich);
  });

  // Known bug outside betting: the server's Ajv coerces body types (coerceTypes in
  // src/platform/http/server.ts), so a JSON number passes as a string of digits. The bet is
  // then taken as if the string had been sent. `it.fails` turns red once that is fixed:
  // then make this a plain `it`.
  it('refuses a stake or a price sent as a JSON number (400 validation_failed)', async () => {
    const m = await market();
    const leg = legOn(m.selections[0]);
    for (const body of [
      { stake: 1000, legs: [leg] },
      { stake: '1000', legs: [{ ...leg, price: 2.1 }] },
    ]) {
      const response = await t.api.post('/api/v1/bets', body, {
        token: rich.token,
        idempotencyKey: randomUUID(),
      });
      expectProblem(response, 400, 'validation_failed');
    }
  });

  it('requires a valid Idempotency-Key (400)', async () => {
    const m = await market();
    const body = { stake: '1000', legs: [legOn(m.selections[0])] };
    const before = await snapshot(t, rich);
    expectProblem(
      await t.api.post('/api/v1/bets', body, { token: rich.token }),
      400,
      'idempotency_key_required',
    );
    for (const key of ['has space', 'x'.repeat(256), 'ünïcode']) {
      expectProblem(
        await t.api.post('/api/v1/bets', body, {
          token: rich.token,
          headers: { 'idempotency-key': key },
        }),
        400,
        'idempotency_key_invalid',
      );
    }
    await expectUnchanged(t, before, rich);
  });

  it('replays a bet for the same Idempotency-Key: same bet, idempotency-hit, stake taken once', async () => {
    const m = await market();
    const key = randomUUID();
    const body = { stake: '1500', legs: [legOn(m.selections[0])] };
    const first = await placeBet(t, rich, body, key);
    expect(first.status).toBe(201);
    const after = await snapshot(t, rich);

    // Even after the price moved, the retry gets the stored bet rather than a new check.
    await setPrice(m.selections[0].id, '2.50');
    const afterPriceMove = await snapshot(t, rich);
    const replay = await placeBet(t, rich, body, key);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotency-hit']).toBe('true');
    expect(replay.body).toEqual(first.body);
    await expectUnchanged(t, afterPriceMove, rich);
    expect(afterPriceMove.balances).toEqual(after.balances);
  });

  it('refuses the same Idempotency-Key with a different request (422 idempotency_key_reused)', async () => {
    const m = await market();
    const key = randomUUID();
    await placedBet(t, rich, { stake: '1000', legs: [legOn(m.selections[0])] });
    expect(
      (await placeBet(t, rich, { stake: '1000', legs: [legOn(m.selections[0])] }, key)).status,
    ).toBe(201);
    const before = await snapshot(t, rich);
    for (const body of [
      { stake: '1001', legs: [legOn(m.selections[0])] },
      { stake: '1000', legs: [legOn(m.selections[1])] },
      { stake: '1000', legs: [legOn(m.selections[0])], acceptPriceChanges: 'any' as const },
    ]) {
      expectProblem(await placeBet(t, rich, body, key), 422, 'idempotency_key_reused');
    }
    await expectUnchanged(t, before, rich);
  });

  it('lets a refused bet be retried with the same Idempotency-Key once the cause is gone', async () => {
    const player = await t.player();
    const m = await market();
    const key = randomUUID();
    const body = { stake: '700', legs: [legOn(m.selections[0])] };
    expectProblem(await placeBet(t, player, body, key), 422, 'insufficient_funds');
    await t.deposit(player, 1000n);
    const retried = await placeBet(t, player, body, key);
    expect(retried.status).toBe(201);
    expect(retried.headers['idempotency-hit']).toBeUndefined();
    expect(await t.balance(player)).toBe(300n);
  });

  it('keeps Idempotency-Keys per player: the same key from two players places two bets', async () => {
    const other = await t.player();
    await t.deposit(other, 1000n);
    const m = await market();
    const key = randomUUID();
    const body = { stake: '100', legs: [legOn(m.selections[0])] };
    const mine = await placeBet(t, rich, body, key);
    const theirs = await placeBet(t, other, body, key);
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.headers['idempotency-hit']).toBeUndefined();
  });

  it('lets only signed-in players bet', async () => {
    const m = await market();
    const admin = await t.staff(['admin']);
    const body = { stake: '1000', legs: [legOn(m.selections[0])] };
    const before = await snapshot(t, rich);
    expectProblem(
      await t.api.post('/api/v1/bets', body, { idempotencyKey: randomUUID() }),
      401,
      'unauthenticated',
    );
    expectProblem(
      await t.api.post('/api/v1/bets', body, { token: admin.token, idempotencyKey: randomUUID() }),
      403,
      'forbidden',
    );
    await expectUnchanged(t, before, rich);
  });
});
