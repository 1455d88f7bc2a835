import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Player } from '../../../test/support/app.ts';
import { useTestApp } from '../../../test/support/app.ts';
import {
  betTransfers,
  counts,
  expectProblem,
  expectUnchanged,
  houseBalance,
  legOn,
  placedBet,
  resultMarket,
  snapshot,
} from '../../../test/support/betting-helpers.ts';

describe('settling a market', () => {
  const t = useTestApp();
  let alice: Player;
  let bob: Player;

  beforeAll(async () => {
    alice = await t.player();
    bob = await t.player();
    await t.deposit(alice, 1_000_000n);
    await t.deposit(bob, 1_000_000n);
  });

  const market = async (prices?: [string, string, string]) =>
    (await t.event(prices ? { prices } : {})).markets[0];
  const bet = async (player: Player, selection: any, stake: string) =>
    placedBet(t, player, { stake, legs: [legOn(selection)] });
  const status = async (betId: string) =>
    (
      await t.db.query<{ status: string }>('SELECT status FROM betting.bets WHERE id = $1', [betId])
    )[0]!.status;

  it('pays winners stake × price rounded down, sends losing stakes to the house', async () => {
    const m = await market(['2.375', '3.40', '3.10']);
    const [home, draw, away] = m.selections;
    const [aliceStart, bobStart, houseStart] = [
      await t.balance(alice),
      await t.balance(bob),
      await houseBalance(t),
    ];
    const win = await bet(alice, home, '333');
    const lose = await bet(bob, draw, '500');
    const lose2 = await bet(alice, away, '200');

    const response = await resultMarket(t, m.id, { winners: [home.id] });
    expect(response.status).toBe(200);
    expect(response.headers['idempotency-hit']).toBeUndefined();
    expect(response.body).toEqual({
      marketId: m.id,
      result: { void: false, winners: [home.id] },
      version: 1,
      bets: { open: 0, won: 1, lost: 2, void: 0 },
      blocked: 0,
    });
    // 333 × 2.375 = 790.875 → 790
    expect(await t.balance(alice)).toBe(aliceStart - 333n - 200n + 790n);
    expect(await t.balance(bob)).toBe(bobStart - 500n);
    expect(await houseBalance(t)).toBe(houseStart + 500n + 200n - (790n - 333n));
    expect(await betTransfers(t, win.id)).toEqual([
      ['bet_stake', '333'],
      ['bet_stake_return', '333'],
      ['bet_winnings', '457'],
    ]);
    expect(await betTransfers(t, lose.id)).toEqual([
      ['bet_stake', '500'],
      ['bet_stake_lost', '500'],
    ]);
    const won = await t.api.get(`/api/v1/bets/${win.id}`, { token: alice.token });
    expect(won.body).toMatchObject({ status: 'won', payout: '790', settledAt: expect.any(String) });
    const lost = await t.api.get(`/api/v1/bets/${lose2.id}`, { token: alice.token });
    expect(lost.body).toMatchObject({ status: 'lost', payout: '0' });
    const market2 = await t.api.get(`/api/v1/events/${m.eventId}`);
    expect(market2.body.markets[0]).toMatchObject({ status: 'settled' });
  });

  it('returns every stake when the market is void', async () => {
    const m = await market();
    const [aliceStart, bobStart, houseStart] = [
      await t.balance(alice),
      await t.balance(bob),
      await houseBalance(t),
    ];
    const a = await bet(alice, m.selections[0], '1234');
    const b = await bet(bob, m.selections[2], '99');
    const response = await resultMarket(t, m.id, { void: true });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      marketId: m.id,
      result: { void: true, winners: [] },
      version: 1,
      bets: { open: 0, won: 0, lost: 0, void: 2 },
      blocked: 0,
    });
    expect(await t.balance(alice)).toBe(aliceStart);
    expect(await t.balance(bob)).toBe(bobStart);
    expect(await houseBalance(t)).toBe(houseStart);
    expect(await betTransfers(t, a.id)).toEqual([
      ['bet_stake', '1234'],
      ['bet_stake_return', '1234'],
    ]);
    expect((await t.api.get(`/api/v1/bets/${b.id}`, { token: bob.token })).body).toMatchObject({
      status: 'void',
      payout: '99',
    });
  });

  it('pays every winner of a market with several winners', async () => {
    const m = await market(['2.00', '3.50', '4.25']);
    const [first, second, third] = m.selections;
    const aliceStart = await t.balance(alice);
    const bobStart = await t.balance(bob);
    await bet(alice, first, '1000');
    await bet(bob, second, '1000');
    await bet(bob, third, '1000');
    const response = await resultMarket(t, m.id, { winners: [first.id, second.id] });
    expect(response.status).toBe(200);
    expect(response.body.bets).toEqual({ open: 0, won: 2, lost: 1, void: 0 });
    expect(await t.balance(alice)).toBe(aliceStart - 1000n + 2000n);
    expect(await t.balance(bob)).toBe(bobStart - 2000n + 3500n);
  });

  it('settles a market without bets', async () => {
    const m = await market();
    const response = await resultMarket(t, m.id, { winners: [m.selections[1].id] });
    expect(response.status).toBe(200);
    expect(response.body.bets).toEqual({ open: 0, won: 0, lost: 0, void: 0 });
  });

  it('accepts the same result again under a new key and changes nothing', async () => {
    const m = await market();
    await bet(alice, m.selections[0], '1000');
    await bet(bob, m.selections[1], '1000');
    const first = await resultMarket(t, m.id, { winners: [m.selections[0].id] });
    expect(first.status).toBe(200);
    const before = await snapshot(t, alice, bob);
    const again = await resultMarket(t, m.id, { winners: [m.selections[0].id] });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const after = await snapshot(t, alice, bob);
    // Only the new key's row is new: no transfer, no bet change, no event.
    expect(after).toEqual({
      ...before,
      counts: {
        ...before.counts,
        'platform.idempotency_keys': before.counts['platform.idempotency_keys'] + 1,
      },
    });
  });

  it('refuses a different result for a resulted market (409 market_already_resulted)', async () => {
    const m = await market();
    await bet(alice, m.selections[0], '1000');
    await resultMarket(t, m.id, { winners: [m.selections[0].id] });
    const before = await snapshot(t, alice);
    for (const body of [
      { winners: [m.selections[1].id] },
      { void: true },
      {
        winners: [m.selections[0].id, m.selections[1].id],
      },
    ]) {
      const response = await resultMarket(t, m.id, body);
      expectProblem(response, 409, 'market_already_resulted');
      expect(response.body.result).toEqual({
        void: false,
        winners: [m.selections[0].id],
        version: 1,
      });
    }
    await expectUnchanged(t, before, alice);
  });

  it('replays the stored summary for the same Idempotency-Key', async () => {
    const m = await market();
    await bet(alice, m.selections[2], '1000');
    const key = randomUUID();
    const first = await resultMarket(t, m.id, { winners: [m.selections[2].id] }, key);
    expect(first.status).toBe(200);
    const before = await snapshot(t, alice);
    const replay = await resultMarket(t, m.id, { winners: [m.selections[2].id] }, key);
    expect(replay.status).toBe(200);
    expect(replay.headers['idempotency-hit']).toBe('true');
    expect(replay.body).toEqual(first.body);
    await expectUnchanged(t, before, alice);

    expectProblem(
      await resultMarket(t, m.id, { winners: [m.selections[0].id] }, key),
      422,
      'idempotency_key_reused',
    );
    await expectUnchanged(t, before, alice);
  });

  it('refuses malformed results and winners that are not selections of the market, changing nothing', async () => {
    const m = await market();
    const other = await market();
    const open = await bet(alice, m.selections[0], '1000');
    const before = await snapshot(t, alice);
    const cases: [unknown, number, string][] = [
      [{ winners: [m.selections[0].id], void: true }, 422, 'invalid_result'],
      [{}, 422, 'invalid_result'],
      [{ void: false }, 422, 'invalid_result'],
      [{ void: false, winners: [m.selections[0].id] }, 422, 'invalid_result'],
      [{ winners: [other.selections[0].id] }, 422, 'invalid_result'],
      [{ winners: [m.selections[0].id, other.selections[0].id] }, 422, 'invalid_result'],
      [{ winners: [m.selections[0].id, m.selections[0].id] }, 422, 'invalid_result'],
      [{ winners: [randomUUID()] }, 422, 'invalid_result'],
      [{ winners: [] }, 400, 'validation_failed'],
      [{ winners: ['home'] }, 400, 'validation_failed'],
      [{ void: 'yes' }, 400, 'validation_failed'],
      [{ void: true, reason: 'rain' }, 400, 'validation_failed'],
    ];
    const answers = [];
    for (const [body] of cases) {
      const response = await resultMarket(t, m.id, body as Record<string, unknown>);
      answers.push([body, response.status, response.body.code]);
    }
    expect(answers).toEqual(cases);
    expectProblem(await resultMarket(t, randomUUID(), { void: true }), 404, 'market_not_found');
    const trader = await t.trader();
    expectProblem(
      await t.api.post(
        `/api/v1/admin/markets/${m.id}/result`,
        { void: true },
        { token: trader.token },
      ),
      400,
      'idempotency_key_required',
    );
    await expectUnchanged(t, before, alice);
    expect(await status(open.id)).toBe('open');
  });

  // Known bug outside settlement: the server's Ajv wraps a scalar into an array
  // (coerceTypes: 'array' in src/platform/http/server.ts), so a bare string is taken as a
  // one-winner list and the market is settled. `it.fails` turns red once that is fixed.
  it('refuses winners sent as a bare string instead of a list (400)', async () => {
    const m = await market();
    const before = await snapshot(t);
    expectProblem(
      await resultMarket(t, m.id, { winners: m.selections[0].id }),
      400,
      'validation_failed',
    );
    await expectUnchanged(t, before);
  });

  it('lets only staff with markets:settle record results', async () => {
    const m = await market();
    const support = await t.staff(['support']);
    const before = await snapshot(t, alice);
    const url = `/api/v1/admin/markets/${m.id}/result`;
    const options = { idempotencyKey: randomUUID() };
    expectProblem(await t.api.post(url, { void: true }, options), 401, 'unauthenticated');
    expectProblem(
      await t.api.post(url, { void: true }, { ...options, token: alice.token }),
      403,
      'forbidden',
    );
    expectProblem(
      await t.api.post(url, { void: true }, { ...options, token: support.token }),
      403,
      'forbidden',
    );
    await expectUnchanged(t, before, alice);
  });

  describe('multiples', () => {
    it('stay open until the last leg is resulted, count a void leg at 1.00, and lose on any lost leg', async () => {
      const m1 = await market(['2.00', '3.00', '4.00']);
      const m2 = await market(['1.50', '3.00', '4.00']);
      const m3 = await market(['3.00', '3.00', '2.50']);
      const start = await t.balance(alice);
      const winner = await placedBet(t, alice, {
        stake: '1001',
        legs: [legOn(m1.selections[0]), legOn(m2.selections[0]), legOn(m3.selections[0])],
      });
      const loser = await placedBet(t, alice, {
        stake: '500',
        legs: [legOn(m1.selections[1]), legOn(m2.selections[0]), legOn(m3.selections[0])],
      });
      expect(winner.potentialPayout).toBe('9009'); // 1001 × 2 × 1.5 × 3

      // Leg 1: the winner's leg wins (still open), the loser's leg loses (lost at once).
      const r1 = await resultMarket(t, m1.id, { winners: [m1.selections[0].id] });
      expect(r1.body.bets).toEqual({ open: 1, won: 0, lost: 1, void: 0 });
      expect(await status(winner.id)).toBe('open');
      expect(await status(loser.id)).toBe('lost');
      expect(await t.balance(alice)).toBe(start - 1001n - 500n);

      // Leg 2 is void: still open, and the leg will count at 1.00.
      const r2 = await resultMarket(t, m2.id, { void: true });
      expect(r2.body.bets).toEqual({ open: 1, won: 0, lost: 1, void: 0 });
      expect(await status(winner.id)).toBe('open');

      const r3 = await resultMarket(t, m3.id, { winners: [m3.selections[0].id] });
      expect(r3.body.bets).toEqual({ open: 0, won: 1, lost: 1, void: 0 });
      // 1001 × 2.00 × 1.00 × 3.00 = 6006
      const settled = await t.api.get(`/api/v1/bets/${winner.id}`, { token: alice.token });
      expect(settled.body).toMatchObject({
        status: 'won',
        payout: '6006',
        potentialPayout: '9009',
      });
      expect(await t.balance(alice)).toBe(start - 1001n - 500n + 6006n);
    });

    it('is void, with the stake returned, when every leg is void', async () => {
      const m1 = await market();
      const m2 = await market();
      const start = await t.balance(bob);
      const multiple = await placedBet(t, bob, {
        stake: '750',
        legs: [legOn(m1.selections[2]), legOn(m2.selections[1])],
      });
      await resultMarket(t, m1.id, { void: true });
      expect(await status(multiple.id)).toBe('open');
      await resultMarket(t, m2.id, { void: true });
      expect(await status(multiple.id)).toBe('void');
      expect(await t.balance(bob)).toBe(start);
    });

    it('rounds the payout of a multiple down once, on the exact product', async () => {
      const m1 = await market(['1.333', '3.00', '3.00']);
      const m2 = await market(['1.777', '3.00', '3.00']);
      const start = await t.balance(bob);
      const multiple = await placedBet(t, bob, {
        stake: '999',
        legs: [legOn(m1.selections[0]), legOn(m2.selections[0])],
      });
      await resultMarket(t, m1.id, { winners: [m1.selections[0].id] });
      await resultMarket(t, m2.id, { winners: [m2.selections[0].id] });
      // 999 × 1.333 × 1.777 = 2366.381… (rounding each leg first would give less)
      const payout = (999n * 1333n * 1777n) / 1_000_000n;
      expect(payout).toBe(2366n);
      const read = await t.api.get(`/api/v1/bets/${multiple.id}`, { token: bob.token });
      expect(read.body).toMatchObject({ status: 'won', payout: '2366', potentialPayout: '2366' });
      expect(await t.balance(bob)).toBe(start - 999n + 2366n);
    });
  });

  describe('announcing settled bets', () => {
    it('writes one bet.settled event per bet and one message per settled bet after the relay runs', async () => {
      const m = await market(['2.50', '3.00', '3.00']);
      const carol = await t.player();
      await t.deposit(carol, 10_000n);
      const won = await bet(carol, m.selections[0], '1000');
      const lost = await bet(carol, m.selections[1], '250');
      await t.app.relay!.drain();
      const before = await counts(t);

      await resultMarket(t, m.id, { winners: [m.selections[0].id] });
      // Same result again, and a replay: neither announces anything twice.
      await resultMarket(t, m.id, { winners: [m.selections[0].id] });
      const events = await t.db.query<{ aggregate_id: string; payload: any }>(
        `SELECT aggregate_id, payload FROM platform.outbox WHERE type = 'bet.settled'
         AND aggregate_id = ANY($1::text[]) ORDER BY aggregate_id`,
        [[won.id, lost.id]],
      );
      expect(events.map((e) => e.aggregate_id).sort()).toEqual([won.id, lost.id].sort());
      expect(events.find((e) => e.aggregate_id === won.id)!.payload).toEqual({
        betId: won.id,
        playerId: carol.id,
        status: 'won',
        stake: '1000',
        payout: '2500',
        currency: 'EUR',
        resultedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      const after = await counts(t);
      // bet.settled × 2 and market.resulted × 1.
      expect(after['platform.outbox']).toBe(before['platform.outbox'] + 3);

      await t.app.relay!.drain();
      await t.app.relay!.drain();
      const messages = await t.api.get('/api/v1/notifications', { token: carol.token });
      expect(messages.status).toBe(200);
      const settledMessages = messages.body.items.filter((i: any) => i.kind === 'bet.settled');
      expect(settledMessages.map((i: any) => [i.title, i.body]).sort()).toEqual([
        ['Your bet lost', 'Stake 2.50 EUR lost.'],
        ['Your bet won', '25.00 EUR paid to your balance.'],
      ]);
      const rows = await t.db.query(
        `SELECT 1 FROM notifications.messages WHERE account_id = $1 AND kind = 'bet.settled'`,
        [carol.id],
      );
      expect(rows).toHaveLength(2);
      const unpublished = await t.db.query(
        'SELECT 1 FROM platform.outbox WHERE published_at IS NULL',
      );
      expect(unpublished).toHaveLength(0);
    });
  });
});
