// Cash out: a quoted value from current prices less the margin, confirmed within seconds under
// the player's policy for a changed value; full or partial; blocked per player or market;
// automatic at a player's target; paid once through the ledger.
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
  eventWith,
  funded,
  legsOf,
  matchResult,
  placed,
  result,
  settings,
} from './sportsbook-helpers.ts';

describe('cash out', () => {
  const t = useTestApp();

  const setPrice = async (selectionId: string, price: string) => {
    const trader = await t.trader();
    expect(
      (
        await t.api.patch(
          `/api/v1/admin/selections/${selectionId}`,
          { price },
          { token: trader.token },
        )
      ).status,
    ).toBe(200);
  };
  const quote = (player: Player, betId: string, body: Record<string, unknown> = {}) =>
    t.api.post(`/api/v1/bets/${betId}/cash-out/quote`, body, { token: player.token });
  const confirm = (
    player: Player,
    betId: string,
    body: Record<string, unknown>,
    key = crypto.randomUUID(),
  ) =>
    t.api.post(`/api/v1/bets/${betId}/cash-out`, body, {
      token: player.token,
      idempotencyKey: key,
    });

  it('cashes a bet out in full at the current value less the margin, once', async () => {
    const alice = await funded(t, 10_000n);
    const event = await eventWith(t, [matchResult(['3.00', '3.00', '3.00'])]);
    const [home, draw] = event.markets[0].selections;
    const single = await placed(t, alice, { stake: '1000', legs: legsOf(home) });
    // The home side scores: its price falls to 2.00. Fair value 1000 × 3.00 / 2.00 = 1500, less 5%.
    await setPrice(home.id, '2.00');
    const offered = await quote(alice, single.id);
    expect(offered.status).toBe(200);
    expect(offered.body).toMatchObject({
      betId: single.id,
      stake: '1000',
      value: '1425',
      fullValue: '1425',
    });
    const key = crypto.randomUUID();
    const cashed = await confirm(alice, single.id, { quoteId: offered.body.quoteId }, key);
    expect(cashed.status).toBe(200);
    expect(cashed.body).toMatchObject({
      status: 'cashed_out',
      payout: '1425',
      cashOut: { stake: '1000', value: '1425' },
      potentialPayout: '0',
    });
    expect(await t.balance(alice)).toBe(9000n + 1425n);
    expect(await betTransfers(t, single.id)).toEqual([
      ['bet_stake', '1000'],
      ['bet_stake_return', '1000'],
      ['bet_winnings', '425'],
    ]);
    const replay = await confirm(alice, single.id, { quoteId: offered.body.quoteId }, key);
    expect(replay.headers['idempotency-hit']).toBe('true');
    expectProblem(
      await confirm(alice, single.id, { quoteId: offered.body.quoteId }),
      404,
      'cash_out_quote_not_found',
    );
    // The result changes nothing for a cashed-out bet.
    const before = await snapshot(t, alice);
    await result(t, event.markets[0].id, { winners: [draw.id] });
    expect((await betRow(t, single.id)).status).toBe('cashed_out');
    expect(await t.balance(alice)).toBe(before.balances[0]);
  });

  it('cashes out part of the stake and lets the rest ride', async () => {
    const alice = await funded(t, 10_000n);
    const event = await eventWith(t, [matchResult(['3.00', '3.00', '3.00'])]);
    const [home] = event.markets[0].selections;
    const single = await placed(t, alice, { stake: '1000', legs: legsOf(home) });
    await setPrice(home.id, '2.00');
    const part = await quote(alice, single.id, { stake: '400' });
    expect(part.body).toMatchObject({ stake: '400', value: '570', fullValue: '1425' });
    const cashed = await confirm(alice, single.id, { quoteId: part.body.quoteId });
    expect(cashed.body).toMatchObject({
      status: 'open',
      payout: null,
      cashOut: { stake: '400', value: '570' },
      potentialPayout: '1800',
    });
    expect(await t.api.get('/api/v1/wallet', { token: alice.token })).toMatchObject({
      body: { balance: String(9000 + 570), inBets: '600' },
    });
    // The rest wins: 600 × 3.00.
    await result(t, event.markets[0].id, { winners: [home.id] });
    const settled = await t.api.get(`/api/v1/bets/${single.id}`, { token: alice.token });
    expect(settled.body).toMatchObject({ status: 'won', payout: String(1800 + 570) });
    expect(await t.balance(alice)).toBe(9000n + 570n + 1800n);
    const tooMuch = await quote(alice, single.id, { stake: '700' });
    expectProblem(tooMuch, 409, 'cash_out_unavailable');
  });

  it('values a multiple by its won legs and the price taken / current price of the others', async () => {
    const alice = await funded(t, 10_000n);
    const first = await eventWith(t, [matchResult(['2.00', '3.00', '3.00'])]);
    const second = await eventWith(t, [matchResult(['3.00', '3.00', '3.00'])]);
    const multiple = await placed(t, alice, {
      stake: '1000',
      legs: legsOf(first.markets[0].selections[0], second.markets[0].selections[0]),
    });
    await result(t, first.markets[0].id, { winners: [first.markets[0].selections[0].id] });
    await setPrice(second.markets[0].selections[0].id, '2.00');
    // 1000 × 2.00 × 3.00/2.00 × 0.95
    expect((await quote(alice, multiple.id)).body.value).toBe('2850');
  });

  it('refuses a value that moved since the quote unless the policy accepts it', async () => {
    const alice = await funded(t, 10_000n);
    const event = await eventWith(t, [matchResult(['3.00', '3.00', '3.00'])]);
    const [home] = event.markets[0].selections;
    const single = await placed(t, alice, { stake: '1000', legs: legsOf(home) });
    const offered = await quote(alice, single.id);
    expect(offered.body.value).toBe('950');
    await setPrice(home.id, '4.00');
    const before = await snapshot(t, alice);
    const moved = await confirm(alice, single.id, { quoteId: offered.body.quoteId });
    expectProblem(moved, 409, 'cash_out_value_changed');
    expect(moved.body.value).toBe('712'); // 1000 × 3/4 × 0.95 = 712.5
    expectProblem(
      await confirm(alice, single.id, {
        quoteId: offered.body.quoteId,
        acceptValueChanges: 'higher',
      }),
      409,
      'cash_out_value_changed',
    );
    await expectUnchanged(t, before, alice);
    const taken = await confirm(alice, single.id, {
      quoteId: offered.body.quoteId,
      acceptValueChanges: 'any',
    });
    expect(taken.body).toMatchObject({ status: 'cashed_out', payout: '712' });
  });

  it('lets a quote lapse after a few seconds by the database clock', async () => {
    const alice = await funded(t, 10_000n);
    const event = await eventWith(t, [matchResult(['3.00', '3.00', '3.00'])]);
    const single = await placed(t, alice, {
      stake: '1000',
      legs: legsOf(event.markets[0].selections[0]),
    });
    const offered = await quote(alice, single.id);
    const ttl = Date.parse(offered.body.expiresAt) - Date.now();
    expect(ttl).toBeLessThanOrEqual(5_000);
    await t.db.query(
      `UPDATE betting.cash_out_quotes SET expires_at = now() - interval '1 millisecond' WHERE id = $1`,
      [offered.body.quoteId],
    );
    const before = await snapshot(t, alice);
    expectProblem(
      await confirm(alice, single.id, { quoteId: offered.body.quoteId }),
      409,
      'cash_out_quote_expired',
    );
    await expectUnchanged(t, before, alice);
  });

  it('offers no cash out to a blocked player, on a market without it, on a suspended market or a bet not open', async () => {
    const alice = await funded(t, 10_000n);
    const bob = await funded(t, 10_000n);
    const risk = await t.staff(['risk']);
    const trader = await t.trader();
    const event = await eventWith(t, [
      matchResult(['3.00', '3.00', '3.00']),
      matchResult(['3.00', '3.00', '3.00']),
    ]);
    const [one, two] = event.markets;
    const a = await placed(t, alice, { stake: '1000', legs: legsOf(one.selections[0]) });
    const b = await placed(t, bob, { stake: '1000', legs: legsOf(two.selections[0]) });
    await t.api.put(
      `/api/v1/admin/players/${alice.id}/betting-limits`,
      { cashOutBlocked: true },
      { token: risk.token },
    );
    expectProblem(await quote(alice, a.id), 409, 'cash_out_unavailable');
    // Risk blocks cash out on a market (traders switch it in the market's settings).
    const blocked = await t.api.put(
      `/api/v1/admin/markets/${two.id}/cash-out`,
      { enabled: false, reason: 'suspicious cash-out pattern' },
      { token: risk.token },
    );
    expect(blocked.body).toMatchObject({ cashOutEnabled: false });
    expectProblem(await quote(bob, b.id), 409, 'cash_out_unavailable');
    expectProblem(
      await t.api.put(
        `/api/v1/admin/markets/${two.id}/cash-out`,
        { enabled: true },
        { token: trader.token },
      ),
      403,
      'forbidden',
    );
    await settings(t, two.id, { cashOut: true });
    await t.api.post(`/api/v1/admin/markets/${two.id}/suspend`, {}, { token: trader.token });
    expectProblem(await quote(bob, b.id), 409, 'cash_out_unavailable');
    await t.api.post(`/api/v1/admin/markets/${two.id}/open`, {}, { token: trader.token });
    // Another player's bet is not found; so is a quote of another bet.
    expectProblem(await quote(alice, b.id), 404, 'bet_not_found');
    const ok = await quote(bob, b.id);
    expect(ok.status).toBe(200);
    expectProblem(
      await confirm(alice, a.id, { quoteId: ok.body.quoteId }),
      404,
      'cash_out_quote_not_found',
    );
    await result(t, two.id, { winners: [two.selections[1].id] });
    expectProblem(await quote(bob, b.id), 409, 'cash_out_unavailable');
    await t.api.put(
      `/api/v1/admin/players/${alice.id}/betting-limits`,
      { cashOutBlocked: false },
      { token: risk.token },
    );
  });

  it('cashes a bet out automatically once its value reaches the target its player set', async () => {
    const alice = await funded(t, 10_000n);
    const event = await eventWith(t, [matchResult(['3.00', '3.00', '3.00'])]);
    const [home] = event.markets[0].selections;
    const single = await placed(t, alice, { stake: '1000', legs: legsOf(home) });
    const set = await t.api.put(
      `/api/v1/bets/${single.id}/auto-cash-out`,
      { value: '1400' },
      { token: alice.token },
    );
    expect(set.body).toMatchObject({ autoCashOut: '1400', status: 'open' });
    await t.app.runJobs();
    expect((await betRow(t, single.id)).status).toBe('open');
    await setPrice(home.id, '2.00');
    await t.app.runJobs();
    expect(await betRow(t, single.id)).toMatchObject({ status: 'cashed_out' });
    const [row] = await t.db.query<{ value: bigint; automatic: boolean }>(
      'SELECT value, automatic FROM betting.cash_outs WHERE bet_id = $1',
      [single.id],
    );
    expect(row).toEqual({ value: 1425n, automatic: true });
    expectProblem(
      await t.api.put(
        `/api/v1/bets/${single.id}/auto-cash-out`,
        { value: '1' },
        { token: alice.token },
      ),
      409,
      'cash_out_unavailable',
    );
  });
});
