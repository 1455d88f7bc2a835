// In-play betting: a bet on a live event's in-play market is placed pending, its stake held,
// and checked again after the market's delay by the database clock, in a transaction of its
// own — accepted, or rejected with its stake returned. Suspending the market rejects the
// pending bets on it, whoever suspends it.
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { expectProblem } from '../support/betting-helpers.ts';
import {
  bet,
  betRow,
  eventWith,
  funded,
  legsOf,
  matchResult,
  placed,
  settings,
} from './sportsbook-helpers.ts';

describe('in-play bets', () => {
  const t = useTestApp();

  /** A live event with an in-play match-result market (delay `delay` seconds). */
  async function liveMarket(
    delay = 3,
    prices: [string, string, string] = ['2.00', '3.00', '4.00'],
  ) {
    const event = await eventWith(t, [
      { ...matchResult(prices), inPlay: true, betDelaySeconds: delay },
    ]);
    await t.db.query(
      `UPDATE catalog.events SET status = 'live', starts_at = now() - interval '10 minutes' WHERE id = $1`,
      [event.id],
    );
    return event.markets[0];
  }
  /** Lets the database clock pass a pending bet's delay. */
  const elapse = (betId: string) =>
    t.db.query(
      `UPDATE betting.bets SET accept_after = now() - interval '1 millisecond' WHERE id = $1`,
      [betId],
    );
  const wallet = async (token: string) => (await t.api.get('/api/v1/wallet', { token })).body;
  const setPrice = async (selectionId: string, price: string) => {
    const trader = await t.trader();
    const response = await t.api.patch(
      `/api/v1/admin/selections/${selectionId}`,
      { price },
      { token: trader.token },
    );
    expect(response.status).toBe(200);
  };

  it('holds an in-play bet pending for the delay, then accepts it', async () => {
    const alice = await funded(t, 10_000n);
    const market = await liveMarket(3);
    const pending = await placed(t, alice, { stake: '1000', legs: legsOf(market.selections[0]) });
    expect(pending).toMatchObject({ status: 'pending', acceptAfter: expect.any(String) });
    expect(pending.legs[0].inPlay).toBe(true);
    const placedAt = Date.parse(pending.placedAt);
    expect(Date.parse(pending.acceptAfter) - placedAt).toBeGreaterThanOrEqual(2_999);
    expect(await wallet(alice.token)).toMatchObject({ balance: '9000', inBets: '1000' });

    // Not yet: the delay has not passed. Meanwhile nothing waits on the bet.
    await t.app.runJobs();
    expect((await betRow(t, pending.id)).status).toBe('pending');
    await placed(t, alice, { stake: '100', legs: legsOf(market.selections[1]) });

    await elapse(pending.id);
    await t.app.runJobs();
    const accepted = await t.api.get(`/api/v1/bets/${pending.id}`, { token: alice.token });
    expect(accepted.body).toMatchObject({ status: 'open', acceptAfter: null });
    const announced = await t.db.query(
      `SELECT 1 FROM platform.outbox WHERE type = 'bet.accepted' AND aggregate_id = $1`,
      [pending.id],
    );
    expect(announced).toHaveLength(1);
  });

  it('rejects the pending bets of a market when it is suspended, returning their stakes', async () => {
    const alice = await funded(t, 10_000n);
    const market = await liveMarket(5);
    const first = await placed(t, alice, { stake: '1000', legs: legsOf(market.selections[0]) });
    const second = await placed(t, alice, { stake: '500', legs: legsOf(market.selections[2]) });
    const trader = await t.trader();
    expect(
      (await t.api.post(`/api/v1/admin/markets/${market.id}/suspend`, {}, { token: trader.token }))
        .status,
    ).toBe(200);
    await t.app.relay!.drain();
    for (const id of [first.id, second.id]) {
      const rejected = await t.api.get(`/api/v1/bets/${id}`, { token: alice.token });
      expect(rejected.body).toMatchObject({ status: 'rejected', reason: 'market_suspended' });
      expect(rejected.body.payout).toBe(rejected.body.stake);
    }
    expect(await wallet(alice.token)).toMatchObject({ balance: '10000', inBets: '0' });
    const events = await t.db.query(`SELECT 1 FROM platform.outbox WHERE type = 'bet.rejected'`);
    expect(events.length).toBeGreaterThanOrEqual(2);
  });

  it('rejects a pending bet whose market was suspended during its delay even if it reopened before the check', async () => {
    const alice = await funded(t, 10_000n);
    const market = await liveMarket(5);
    const pending = await placed(t, alice, { stake: '1000', legs: legsOf(market.selections[0]) });
    const trader = await t.trader();
    await t.api.post(`/api/v1/admin/markets/${market.id}/suspend`, {}, { token: trader.token });
    await t.api.post(`/api/v1/admin/markets/${market.id}/open`, {}, { token: trader.token });
    // The consumer has not run yet (no relay): the check itself sees the suspension.
    await elapse(pending.id);
    await t.app.runJobs();
    expect(await betRow(t, pending.id)).toMatchObject({ status: 'rejected', payout: 1000n });
    expect(await t.balance(alice)).toBe(10_000n);
    // A bet placed after the market reopened is accepted.
    const after = await placed(t, alice, { stake: '1000', legs: legsOf(market.selections[0]) });
    await elapse(after.id);
    await t.app.runJobs();
    expect((await betRow(t, after.id)).status).toBe('open');
  });

  it('checks the price after the delay by the player’s policy: a drop rejects or re-prices, a rise keeps the price taken', async () => {
    const alice = await funded(t, 100_000n);
    const market = await liveMarket(5, ['2.00', '3.00', '4.00']);
    const [home, draw, away] = market.selections;
    const strict = await placed(t, alice, { stake: '1000', legs: legsOf(home) });
    const flexible = await placed(t, alice, {
      stake: '1000',
      legs: legsOf(draw),
      acceptPriceChanges: 'any',
    });
    const rising = await placed(t, alice, { stake: '1000', legs: legsOf(away) });
    await setPrice(home.id, '1.80');
    await setPrice(draw.id, '2.50');
    await setPrice(away.id, '5.00');
    for (const b of [strict, flexible, rising]) await elapse(b.id);
    await t.app.runJobs();
    expect(await betRow(t, strict.id)).toMatchObject({ status: 'rejected', payout: 1000n });
    const [strictRow] = await t.db.query<{ status_reason: string }>(
      'SELECT status_reason FROM betting.bets WHERE id = $1',
      [strict.id],
    );
    expect(strictRow!.status_reason).toBe('odds_changed');
    const repriced = await t.api.get(`/api/v1/bets/${flexible.id}`, { token: alice.token });
    expect(repriced.body).toMatchObject({ status: 'open', potentialPayout: '2500' });
    expect(repriced.body.legs[0]).toMatchObject({ price: '2.50', requestedPrice: '3.00' });
    expect((await betRow(t, flexible.id)).liability).toBe(1500n);
    const kept = await t.api.get(`/api/v1/bets/${rising.id}`, { token: alice.token });
    expect(kept.body).toMatchObject({ status: 'open', potentialPayout: '4000' });
  });

  it('accepts at once where the delay is 0, and refuses in-play bets on markets not offered in-play', async () => {
    const alice = await funded(t, 10_000n);
    const market = await liveMarket(0);
    const instant = await placed(t, alice, { stake: '100', legs: legsOf(market.selections[0]) });
    expect(instant).toMatchObject({ status: 'open', acceptAfter: null });
    await settings(t, market.id, { inPlay: false });
    expectProblem(
      await bet(t, alice, { stake: '100', legs: legsOf(market.selections[0]) }),
      409,
      'event_started',
    );
  });

  it('takes the delay of the market, else of its sport, and the longest of a multiple’s in-play legs', async () => {
    const alice = await funded(t, 10_000n);
    const short = await liveMarket(2);
    const admin = await t.staff(['admin']);
    const event = await eventWith(t, [{ ...matchResult(), inPlay: true }]);
    await t.api.patch(
      `/api/v1/admin/sports/${event.sport.id}/settings`,
      { inPlayDelaySeconds: 7 },
      {
        token: admin.token,
      },
    );
    await t.db.query(
      `UPDATE catalog.events SET status = 'live', starts_at = now() - interval '1 minute' WHERE id = $1`,
      [event.id],
    );
    const multiple = await placed(t, alice, {
      stake: '100',
      legs: legsOf(short.selections[0], event.markets[0].selections[0]),
    });
    const wait = Date.parse(multiple.acceptAfter) - Date.parse(multiple.placedAt);
    expect(wait).toBeGreaterThanOrEqual(6_999);
    expect(wait).toBeLessThan(8_000);
    await t.api.patch(
      `/api/v1/admin/sports/${event.sport.id}/settings`,
      { inPlayDelaySeconds: 5 },
      {
        token: admin.token,
      },
    );
  });
});
