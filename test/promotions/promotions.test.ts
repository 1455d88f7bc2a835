// Promotions through the API: free bets (the stake is not returned on a win), bonus funds with
// wagering (cash first, bonus share of winnings, release and forfeit exact to the minor unit),
// deposit bonuses, odds boosts, the acca bonus, campaigns with eligibility, budgets and caps,
// and abuse — claiming twice, withdrawing bonus funds, excluded markets, expired free bets,
// excluded players — refused with problem+json and nothing changed. The money invariants are
// checked after every test (useTestApp).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { OutboxEvent } from '../../src/platform/events/outbox.ts';
import {
  bet,
  betRow,
  eventWith,
  funded,
  legsOf,
  matchResult,
  placed,
  resettle,
  result,
} from '../betting/sportsbook-helpers.ts';
import type { Player, TestApp } from '../support/app.ts';
import { useTestApp } from '../support/app.ts';
import { expectProblem } from '../support/betting-helpers.ts';

const day = 86_400_000;

async function marketer(t: TestApp) {
  return t.staff(['marketing']);
}

async function createPromotion(t: TestApp, body: Record<string, unknown>) {
  const staff = await marketer(t);
  const response = await t.api.post(
    '/api/v1/admin/promotions',
    {
      name: `Promo ${randomUUID().slice(0, 8)}`,
      currency: 'EUR',
      startsAt: new Date(Date.now() - 60_000).toISOString(),
      endsAt: new Date(Date.now() + 30 * day).toISOString(),
      ...body,
    },
    { token: staff.token },
  );
  if (response.status !== 201) throw new Error(`promotion: ${JSON.stringify(response.body)}`);
  return response.body;
}

function claim(t: TestApp, player: Player, promotionId: string, key = randomUUID()) {
  return t.api.post(`/api/v1/promotions/${promotionId}/opt-in`, undefined, {
    token: player.token,
    idempotencyKey: key,
  });
}

async function bonusWallet(t: TestApp, player: Player) {
  const response = await t.api.get('/api/v1/promotions/wallet', { token: player.token });
  expect(response.status).toBe(200);
  return response.body;
}

async function state(t: TestApp, player: Player) {
  const wallet = await bonusWallet(t, player);
  return {
    cash: await t.balance(player),
    bonus: BigInt(wallet.bonusBalance),
    freeBets: wallet.freeBets.map((f: any) => `${f.id}:${f.status}`),
    grants: wallet.grants.map((g: any) => `${g.id}:${g.status}:${g.wagered}`),
    awards: (await t.db.query('SELECT id FROM promotions.awards WHERE player_id = $1', [player.id]))
      .length,
    transfers: (await t.db.query('SELECT count(*)::int AS n FROM wallet.transfers'))[0],
  };
}

/** A free bet of `amount` awarded to a fresh player through a claimed promotion. */
async function freeBetFor(t: TestApp, terms: Record<string, unknown> = {}, cash = 0n) {
  const promotion = await createPromotion(t, {
    kind: 'free_bet',
    terms: { amount: '1000', expiryDays: 7, ...terms },
  });
  const player = await t.player();
  if (cash > 0n) await t.deposit(player, cash);
  const claimed = await claim(t, player, promotion.id);
  expect(claimed.status).toBe(201);
  return { player, promotion, freeBetId: claimed.body.award.freeBetId as string };
}

/** A bonus of `amount` with `multiplier`× wagering awarded to a fresh player. */
async function bonusFor(t: TestApp, amount: string, multiplier: number, cash = 0n, extra = {}) {
  const promotion = await createPromotion(t, {
    kind: 'bonus',
    terms: { amount, wageringMultiplier: multiplier, expiryDays: 30, ...extra },
  });
  const player = await t.player();
  if (cash > 0n) await t.deposit(player, cash);
  const claimed = await claim(t, player, promotion.id);
  expect(claimed.status).toBe(201);
  return { player, promotion, grantId: claimed.body.award.grantId as string };
}

describe('free bets', () => {
  const t = useTestApp();

  it('pays a winning free bet its winnings only: the stake is not returned', async () => {
    const { player, freeBetId } = await freeBetFor(t);
    const event = await eventWith(t, [matchResult(['2.10', '3.40', '3.25'])]);
    const home = event.markets[0].selections[0];
    const placedBet = await placed(t, player, { stake: '1000', legs: legsOf(home), freeBetId });
    expect(placedBet.stake).toBe('1000');
    expect(await t.balance(player)).toBe(0n);
    expect((await bonusWallet(t, player)).freeBets[0]).toMatchObject({
      status: 'used',
      betId: placedBet.id,
    });

    const resulted = await result(t, event.markets[0].id, { winners: [home.id] });
    expect(resulted.body).toMatchObject({ bets: { won: 1 } });
    expect(await betRow(t, placedBet.id)).toMatchObject({ status: 'won', payout: 2100n });
    // 10.00 at 2.10 returns 21.00; the free stake of 10.00 goes back to the house.
    expect(await t.balance(player)).toBe(1100n);
  });

  it('pays nothing on a losing free bet and gives the token back on a void one', async () => {
    const { player, freeBetId } = await freeBetFor(t);
    const event = await eventWith(t, [matchResult()]);
    const [home, draw] = event.markets[0].selections;
    const lost = await placed(t, player, { stake: '1000', legs: legsOf(home), freeBetId });
    await result(t, event.markets[0].id, { winners: [draw.id] });
    expect((await betRow(t, lost.id)).status).toBe('lost');
    expect(await t.balance(player)).toBe(0n);

    const second = await freeBetFor(t);
    const other = await eventWith(t, [matchResult()]);
    const voided = await placed(t, second.player, {
      stake: '1000',
      legs: legsOf(other.markets[0].selections[0]),
      freeBetId: second.freeBetId,
    });
    await result(t, other.markets[0].id, { void: true });
    expect((await betRow(t, voided.id)).status).toBe('void');
    expect(await t.balance(second.player)).toBe(0n);
    expect((await bonusWallet(t, second.player)).freeBets[0]).toMatchObject({
      id: second.freeBetId,
      status: 'active',
      betId: null,
    });
  });

  it('resettles a won free bet as lost through mirror transfers, exact to the minor unit', async () => {
    const { player, freeBetId } = await freeBetFor(t, {}, 5000n);
    const event = await eventWith(t, [matchResult(['2.50', '3.40', '3.25'])]);
    const [home, draw] = event.markets[0].selections;
    const b = await placed(t, player, { stake: '1000', legs: legsOf(home), freeBetId });
    await result(t, event.markets[0].id, { winners: [home.id] });
    expect(await t.balance(player)).toBe(5000n + 1500n);
    expect((await resettle(t, event.markets[0].id, { winners: [draw.id] })).status).toBe(200);
    expect(await betRow(t, b.id)).toMatchObject({ status: 'lost', payout: 0n });
    expect(await t.balance(player)).toBe(5000n);
  });

  it('refuses an expired free bet, a used one, a wrong stake and a price below its minimum odds, changing nothing', async () => {
    const { player, freeBetId } = await freeBetFor(t, { minOdds: '2.00' }, 5000n);
    const event = await eventWith(t, [matchResult(['1.50', '3.40', '4.00'])]);
    const [short, , long] = event.markets[0].selections;
    const before = await state(t, player);

    expectProblem(
      await bet(t, player, { stake: '1000', legs: legsOf(short), freeBetId }),
      422,
      'promotion_market_excluded',
    );
    expectProblem(
      await bet(t, player, { stake: '500', legs: legsOf(long), freeBetId }),
      422,
      'free_bet_stake_mismatch',
    );
    expectProblem(
      await bet(t, player, { stake: '1000', legs: legsOf(long), freeBetId, useBonus: true }),
      422,
      'promotion_funds_conflict',
    );
    expectProblem(
      await bet(t, player, { stake: '1000', legs: legsOf(long), freeBetId: randomUUID() }),
      404,
      'free_bet_not_found',
    );
    await t.db.query(
      `UPDATE promotions.free_bets SET expires_at = now() - interval '1 minute' WHERE id = $1`,
      [freeBetId],
    );
    expectProblem(
      await bet(t, player, { stake: '1000', legs: legsOf(long), freeBetId }),
      409,
      'free_bet_not_usable',
    );
    expect(await state(t, player)).toEqual(before);
    // The expiry job marks it expired.
    await t.app.runJobs();
    expect((await bonusWallet(t, player)).freeBets[0].status).toBe('expired');
  });

  it('uses a free bet once when two bets race for it', async () => {
    const { player, freeBetId } = await freeBetFor(t, {}, 5000n);
    const event = await eventWith(t, [matchResult()]);
    const [home, , away] = event.markets[0].selections;
    const responses = await Promise.all([
      bet(t, player, { stake: '1000', legs: legsOf(home), freeBetId }),
      bet(t, player, { stake: '1000', legs: legsOf(away), freeBetId }),
    ]);
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await t.balance(player)).toBe(5000n);
  });

  it('gives the token back when staff void a free bet, and moves no cash', async () => {
    const { player, freeBetId } = await freeBetFor(t);
    const event = await eventWith(t, [matchResult()]);
    const b = await placed(t, player, {
      stake: '1000',
      legs: legsOf(event.markets[0].selections[0]),
      freeBetId,
    });
    const risk = await t.staff(['risk']);
    const voided = await t.api.post(
      `/api/v1/admin/bets/${b.id}/void`,
      { reason: 'palpable error' },
      { token: risk.token, idempotencyKey: randomUUID() },
    );
    expect(voided.status).toBe(200);
    expect(await t.balance(player)).toBe(0n);
    expect((await bonusWallet(t, player)).freeBets[0]).toMatchObject({ status: 'active' });
  });

  it('refuses to cash out a bet staked with a free bet', async () => {
    const { player, freeBetId } = await freeBetFor(t);
    const event = await eventWith(t, [matchResult()]);
    const b = await placed(t, player, {
      stake: '1000',
      legs: legsOf(event.markets[0].selections[0]),
      freeBetId,
    });
    const quote = await t.api.post(
      `/api/v1/bets/${b.id}/cash-out/quote`,
      {},
      { token: player.token },
    );
    expectProblem(quote, 409, 'promotional_bet_not_cashable');
  });
});

describe('bonus funds and wagering', () => {
  const t = useTestApp();

  it('stakes cash first, then bonus, and routes the bonus share of the winnings to the bonus wallet', async () => {
    const { player } = await bonusFor(t, '1000', 5, 300n);
    const event = await eventWith(t, [matchResult(['2.50', '3.40', '3.25'])]);
    const home = event.markets[0].selections[0];
    const b = await placed(t, player, { stake: '1000', legs: legsOf(home), useBonus: true });
    expect(await t.balance(player)).toBe(0n);
    expect((await bonusWallet(t, player)).bonusBalance).toBe('300');

    await result(t, event.markets[0].id, { winners: [home.id] });
    expect(await betRow(t, b.id)).toMatchObject({ status: 'won', payout: 2500n });
    // 700 of the 1000 stake was bonus: floor(2500 × 700 / 1000) = 1750 back to bonus, 750 cash.
    expect(await t.balance(player)).toBe(750n);
    const wallet = await bonusWallet(t, player);
    expect(wallet.bonusBalance).toBe('2050');
    expect(wallet.activeGrant).toMatchObject({ wageringRequired: '5000', wagered: '1000' });
  });

  it('releases the whole bonus balance to cash when the wagering requirement is met', async () => {
    const { player, grantId } = await bonusFor(t, '1000', 3);
    const events = await Promise.all(
      ['2.00', '2.00', '3.00'].map((p) => eventWith(t, [matchResult([p, '3.40', '3.25'])])),
    );
    const pick = (i: number) => events[i]!.markets[0].selections[0];
    const lose = (i: number) => events[i]!.markets[0].selections[1].id;

    await placed(t, player, { stake: '1000', legs: legsOf(pick(0)), useBonus: true });
    await result(t, events[0]!.markets[0].id, { winners: [pick(0).id] });
    expect((await bonusWallet(t, player)).bonusBalance).toBe('2000');

    await placed(t, player, { stake: '1000', legs: legsOf(pick(1)), useBonus: true });
    await result(t, events[1]!.markets[0].id, { winners: [lose(1)] });
    expect((await bonusWallet(t, player)).activeGrant).toMatchObject({ wagered: '2000' });

    await placed(t, player, { stake: '1000', legs: legsOf(pick(2)), useBonus: true });
    await result(t, events[2]!.markets[0].id, { winners: [pick(2).id] });
    // 1000 left + 3000 returned = 3000 in bonus when the 3000 requirement is met: all to cash.
    const wallet = await bonusWallet(t, player);
    expect(wallet.bonusBalance).toBe('0');
    expect(wallet.activeGrant).toBeNull();
    expect(wallet.grants[0]).toMatchObject({
      id: grantId,
      status: 'released',
      wagered: '3000',
      closedAmount: '3000',
    });
    expect(await t.balance(player)).toBe(3000n);
  });

  it('does not count bets below the minimum odds or void bets towards wagering', async () => {
    const { player } = await bonusFor(t, '1000', 2, 5000n, { minOdds: '1.80' });
    const event = await eventWith(t, [matchResult(['1.50', '3.40', '3.25'])]);
    const [short, draw] = event.markets[0].selections;
    await placed(t, player, { stake: '1000', legs: legsOf(short) });
    await result(t, event.markets[0].id, { winners: [draw.id] });
    const other = await eventWith(t, [matchResult(['2.00', '3.40', '3.25'])]);
    await placed(t, player, { stake: '1000', legs: legsOf(other.markets[0].selections[0]) });
    await result(t, other.markets[0].id, { void: true });
    expect((await bonusWallet(t, player)).activeGrant).toMatchObject({ wagered: '0' });
    // Bonus funds cannot be staked below the minimum odds either.
    const third = await eventWith(t, [matchResult(['1.50', '3.40', '3.25'])]);
    const poor = await t.player();
    const before = await state(t, player);
    expectProblem(
      await bet(t, player, {
        stake: '6000',
        legs: legsOf(third.markets[0].selections[0]),
        useBonus: true,
      }),
      422,
      'promotion_market_excluded',
    );
    expect(await state(t, player)).toEqual(before);
    expectProblem(
      await bet(t, poor, {
        stake: '100',
        legs: legsOf(third.markets[0].selections[2]),
        useBonus: true,
      }),
      409,
      'no_bonus_funds',
    );
  });

  it('takes back the bonus share when a result is corrected, keeping the wagering counted once', async () => {
    const { player } = await bonusFor(t, '1000', 5, 300n);
    const event = await eventWith(t, [matchResult(['2.50', '3.40', '3.25'])]);
    const [home, draw] = event.markets[0].selections;
    await placed(t, player, { stake: '1000', legs: legsOf(home), useBonus: true });
    await result(t, event.markets[0].id, { winners: [home.id] });
    expect(await t.balance(player)).toBe(750n);
    expect((await bonusWallet(t, player)).bonusBalance).toBe('2050');
    expect((await resettle(t, event.markets[0].id, { winners: [draw.id] })).status).toBe(200);
    // As if it had lost: 300 − 300 cash, 1000 − 700 bonus; its stake counted once.
    expect(await t.balance(player)).toBe(0n);
    const wallet = await bonusWallet(t, player);
    expect(wallet.bonusBalance).toBe('300');
    expect(wallet.activeGrant).toMatchObject({ wagered: '1000' });
  });

  it('never lets bonus funds be withdrawn', async () => {
    const { player } = await bonusFor(t, '1000', 5);
    const before = await state(t, player);
    const response = await t.api.post(
      '/api/v1/wallet/withdrawals',
      { amount: '500' },
      { token: player.token, idempotencyKey: randomUUID() },
    );
    expectProblem(response, 422, 'insufficient_funds');
    expect(await state(t, player)).toEqual(before);
  });

  it('forfeits the active bonus to the house when a withdrawal is paid out', async () => {
    const { player, grantId } = await bonusFor(t, '1000', 5, 5000n);
    const response = await t.api.post(
      '/api/v1/wallet/withdrawals',
      { amount: '1000' },
      { token: player.token, idempotencyKey: randomUUID() },
    );
    expect(response.status).toBe(201);
    await t.app.relay!.drain();
    const wallet = await bonusWallet(t, player);
    expect(wallet.bonusBalance).toBe('0');
    expect(wallet.grants[0]).toMatchObject({
      id: grantId,
      status: 'forfeited',
      closedAmount: '1000',
      closedReason: 'withdrawal',
    });
    expect(await t.balance(player)).toBe(4000n);
  });

  it('forfeits an expired bonus, and the bonus share of a bet settled after it goes to the house', async () => {
    const { player, grantId } = await bonusFor(t, '1000', 5);
    const event = await eventWith(t, [matchResult(['2.00', '3.40', '3.25'])]);
    const home = event.markets[0].selections[0];
    await placed(t, player, { stake: '600', legs: legsOf(home), useBonus: true });
    await t.db.query(
      `UPDATE promotions.bonus_grants SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [grantId],
    );
    await t.app.runJobs();
    let wallet = await bonusWallet(t, player);
    expect(wallet.grants[0]).toMatchObject({ status: 'forfeited', closedAmount: '400' });
    await result(t, event.markets[0].id, { winners: [home.id] });
    wallet = await bonusWallet(t, player);
    expect(wallet.bonusBalance).toBe('0');
    expect(await t.balance(player)).toBe(0n);
  });

  it('refuses a second bonus while one is active, changing nothing', async () => {
    const { player } = await bonusFor(t, '1000', 5);
    const other = await createPromotion(t, {
      kind: 'bonus',
      terms: { amount: '500', wageringMultiplier: 1, expiryDays: 5 },
    });
    const before = await state(t, player);
    expectProblem(await claim(t, player, other.id), 409, 'bonus_already_active');
    expect(await state(t, player)).toEqual(before);
  });

  it('awards a deposit bonus as a share of a qualifying deposit, capped, once', async () => {
    const promotion = await createPromotion(t, {
      kind: 'deposit_bonus',
      terms: {
        percentBps: 5000,
        maxBonus: '2000',
        minDeposit: '1000',
        wageringMultiplier: 4,
        expiryDays: 14,
      },
    });
    const player = await t.player();
    expect((await claim(t, player, promotion.id)).status).toBe(201);
    await t.deposit(player, 500n);
    await t.app.relay!.drain();
    expect((await bonusWallet(t, player)).bonusBalance).toBe('0');
    await t.deposit(player, 3001n);
    await t.app.relay!.drain();
    let wallet = await bonusWallet(t, player);
    expect(wallet.bonusBalance).toBe('1500');
    expect(wallet.activeGrant).toMatchObject({ amount: '1500', wageringRequired: '6000' });
    await t.deposit(player, 9000n);
    await t.app.relay!.drain();
    wallet = await bonusWallet(t, player);
    expect(wallet.grants).toHaveLength(1);
  });
});

describe('odds boosts and the acca bonus', () => {
  const t = useTestApp();

  it('strikes a boosted selection at the boosted price up to the boost’s maximum stake, once per player', async () => {
    const event = await eventWith(t, [matchResult(['2.10', '3.40', '3.25'])]);
    const home = event.markets[0].selections[0];
    const boost = await createPromotion(t, {
      kind: 'odds_boost',
      optIn: false,
      terms: { selectionId: home.id, boostedPrice: '3.00', maxStake: '500' },
    });
    const player = await funded(t, 10_000n);
    expectProblem(
      await bet(t, player, {
        stake: '600',
        legs: [{ selectionId: home.id, price: '3.00' }],
        boostId: boost.id,
      }),
      422,
      'boost_stake_too_high',
    );
    const b = await placed(t, player, {
      stake: '500',
      legs: [{ selectionId: home.id, price: '3.00' }],
      boostId: boost.id,
    });
    expect(b.potentialPayout).toBe('1500');
    // The listing shows it used up, so the slip stops offering it.
    const listed = await t.api.get('/api/v1/promotions', { token: player.token });
    expect(listed.body.find((p: { id: string }) => p.id === boost.id)).toMatchObject({
      claimed: 1,
      perPlayer: 1,
    });
    expectProblem(
      await bet(t, player, {
        stake: '100',
        legs: [{ selectionId: home.id, price: '3.00' }],
        boostId: boost.id,
      }),
      409,
      'boost_not_available',
    );
    await result(t, event.markets[0].id, { winners: [home.id] });
    expect(await t.balance(player)).toBe(10_000n - 500n + 1500n);
  });

  it('adds the acca bonus percentage for the legs won to a winning multiple', async () => {
    await createPromotion(t, {
      kind: 'acca_bonus',
      optIn: false,
      terms: { minLegOdds: '1.50', percentBpsByLegs: { '3': 1000, '5': 2000 } },
    });
    const player = await funded(t, 10_000n);
    const events = await Promise.all(
      [0, 1, 2].map(() => eventWith(t, [matchResult(['2.00', '3.40', '3.25'])])),
    );
    const homes = events.map((e) => e.markets[0].selections[0]);
    const acca = await placed(t, player, { stake: '1000', legs: legsOf(...homes) });
    for (const [i, e] of events.entries())
      await result(t, e.markets[0].id, { winners: [homes[i].id] });
    expect(await betRow(t, acca.id)).toMatchObject({ status: 'won', payout: 8000n });
    // Winnings 7000 × 10% = 700 on top.
    expect(await t.balance(player)).toBe(10_000n - 1000n + 8000n + 700n);
  });
});

describe('campaigns', () => {
  const t = useTestApp();

  it('lists the promotions a player is eligible for and refuses a second claim, changing nothing', async () => {
    const promotion = await createPromotion(t, {
      kind: 'free_bet',
      countries: ['IE'],
      terms: { amount: '500', expiryDays: 3 },
    });
    const elsewhere = await createPromotion(t, {
      kind: 'free_bet',
      countries: ['MT'],
      terms: { amount: '500', expiryDays: 3 },
    });
    const player = await t.player();
    const listed = await t.api.get('/api/v1/promotions', { token: player.token });
    const ids = listed.body.map((p: any) => p.id);
    expect(ids).toContain(promotion.id);
    expect(ids).not.toContain(elsewhere.id);

    const key = randomUUID();
    const first = await claim(t, player, promotion.id, key);
    expect(first.status).toBe(201);
    // The same request again is the same answer; another claim is refused.
    const replay = await claim(t, player, promotion.id, key);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers['idempotency-hit']).toBe('true');
    const before = await state(t, player);
    expectProblem(await claim(t, player, promotion.id), 409, 'promotion_already_claimed');
    expectProblem(await claim(t, player, elsewhere.id), 403, 'promotion_not_eligible');
    expect(await state(t, player)).toEqual(before);
    const audited = await t.db.query(
      `SELECT 1 FROM audit.events WHERE action = 'promotion.awarded' AND target_id = $1`,
      [promotion.id],
    );
    expect(audited).toHaveLength(1);
  });

  it('stops awarding when the budget or the number of awards is used up', async () => {
    const promotion = await createPromotion(t, {
      kind: 'bonus',
      budget: '1500',
      terms: { amount: '1000', wageringMultiplier: 1, expiryDays: 3 },
    });
    const a = await t.player();
    const b = await t.player();
    expect((await claim(t, a, promotion.id)).status).toBe(201);
    const before = await state(t, b);
    expectProblem(await claim(t, b, promotion.id), 409, 'promotion_budget_exhausted');
    expect(await state(t, b)).toEqual(before);
    const staff = await marketer(t);
    const view = await t.api.get(`/api/v1/admin/promotions/${promotion.id}`, {
      token: staff.token,
    });
    expect(view.body).toMatchObject({ spent: '1000', awards: 1 });
  });

  it('gives nothing to a player in a time-out', async () => {
    const promotion = await createPromotion(t, {
      kind: 'free_bet',
      terms: { amount: '500', expiryDays: 3 },
    });
    const player = await t.player();
    const out = await t.api.post('/api/v1/me/time-out', { hours: 24 }, { token: player.token });
    expect(out.status).toBe(201);
    const staff = await marketer(t);
    const response = await t.api.post(
      `/api/v1/admin/promotions/${promotion.id}/awards`,
      { playerId: player.id },
      { token: staff.token, idempotencyKey: randomUUID() },
    );
    expectProblem(response, 403, 'promotions_blocked');
    const awards = await t.db.query('SELECT 1 FROM promotions.awards WHERE player_id = $1', [
      player.id,
    ]);
    expect(awards).toHaveLength(0);
  });

  it('lets staff award by hand, idempotently, to players of a segment', async () => {
    const promotion = await createPromotion(t, {
      kind: 'free_bet',
      segments: ['vip'],
      terms: { amount: '2500', expiryDays: 3 },
    });
    const player = await t.player();
    const staff = await marketer(t);
    const key = randomUUID();
    const award = () =>
      t.api.post(
        `/api/v1/admin/promotions/${promotion.id}/awards`,
        { playerId: player.id },
        { token: staff.token, idempotencyKey: key },
      );
    expectProblem(await award(), 403, 'promotion_not_eligible');
    const added = await t.api.post(
      '/api/v1/admin/promotions/segments/vip',
      { add: [player.id] },
      { token: staff.token },
    );
    expect(added.body).toEqual({ segment: 'vip', members: 1 });
    const first = await award();
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ kind: 'free_bet', amount: '2500' });
    const again = await award();
    expect(again.body).toEqual(first.body);
    expect((await bonusWallet(t, player)).freeBets).toHaveLength(1);
  });

  it('refuses terms that do not fit the kind', async () => {
    const staff = await marketer(t);
    const response = await t.api.post(
      '/api/v1/admin/promotions',
      {
        kind: 'free_bet',
        name: 'No amount',
        currency: 'EUR',
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + day).toISOString(),
        terms: { expiryDays: 3 },
      },
      { token: staff.token },
    );
    expectProblem(response, 422, 'invalid_promotion_terms');
    expect(response.body.field).toBe('terms/amount');
  });

  it('refuses a cap on awards beyond what the campaign can count, changing nothing', async () => {
    const staff = await marketer(t);
    const before = await t.db.query('SELECT id FROM promotions.promotions');
    const response = await t.api.post(
      '/api/v1/admin/promotions',
      {
        kind: 'free_bet',
        name: 'Too many',
        currency: 'EUR',
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + day).toISOString(),
        maxAwards: 2_147_483_648,
        terms: { amount: '500', expiryDays: 3 },
      },
      { token: staff.token },
    );
    expectProblem(response, 400, 'validation_failed');
    expect(await t.db.query('SELECT id FROM promotions.promotions')).toEqual(before);
  });
});

describe('loyalty', () => {
  const t = useTestApp();

  it('earns points on settled stakes at the configured rate and redeems them into a free bet', async () => {
    const staff = await marketer(t);
    const config = await t.api.get('/api/v1/admin/loyalty', { token: staff.token });
    const updated = await t.api.put(
      '/api/v1/admin/loyalty',
      {
        ...config.body,
        rates: [
          { sportId: null, betKind: null, pointsPerHundred: 2 },
          { sportId: null, betKind: 'multiple', pointsPerHundred: 5 },
        ],
        redemption: { ...config.body.redemption, pointsPerHundred: 10, minRedeemPoints: '20' },
      },
      { token: staff.token },
    );
    expect(updated.status).toBe(200);
    // The scheme reads back as it was written: rates (default first), tiers by points.
    expect(updated.body).toEqual({
      rates: [
        { sportId: null, betKind: null, pointsPerHundred: 2 },
        { sportId: null, betKind: 'multiple', pointsPerHundred: 5 },
      ],
      tiers: config.body.tiers,
      redemption: { ...config.body.redemption, pointsPerHundred: 10, minRedeemPoints: '20' },
    });
    expect((await t.api.get('/api/v1/admin/loyalty', { token: staff.token })).body).toEqual(
      updated.body,
    );

    const player = await funded(t, 10_000n);
    const event = await eventWith(t, [matchResult(['2.00', '3.40', '3.25'])]);
    const [home, draw] = event.markets[0].selections;
    await placed(t, player, { stake: '1550', legs: legsOf(home) });
    await result(t, event.markets[0].id, { winners: [draw.id] });
    await t.app.relay!.drain();
    // floor(1550 × 2 / 100) = 31 points at bronze (×1).
    let loyalty = await t.api.get('/api/v1/loyalty', { token: player.token });
    expect(loyalty.body).toMatchObject({ balance: '31', lifetime: '31', tier: 'bronze' });
    // The same event again earns nothing more.
    await t.app.relay!.drain();

    const before = await t.balance(player);
    const tooMany = await t.api.post(
      '/api/v1/loyalty/redemptions',
      { points: '40', into: 'free_bet' },
      { token: player.token, idempotencyKey: randomUUID() },
    );
    expectProblem(tooMany, 409, 'not_enough_points');
    const redeemed = await t.api.post(
      '/api/v1/loyalty/redemptions',
      { points: '30', into: 'free_bet' },
      { token: player.token, idempotencyKey: randomUUID() },
    );
    expect(redeemed.status).toBe(201);
    expect(redeemed.body).toMatchObject({ amount: '300', balance: '1' });
    loyalty = await t.api.get('/api/v1/loyalty', { token: player.token });
    expect(loyalty.body).toMatchObject({ balance: '1', lifetime: '31' });
    const wallet = await bonusWallet(t, player);
    expect(wallet.freeBets[0]).toMatchObject({ amount: '300', status: 'active' });
    expect(await t.balance(player)).toBe(before);
  });

  it('earns bet by bet within one settled market: the tier rises between bets, excluded players and free bets earn nothing, and once', async () => {
    const staff = await marketer(t);
    const config = await t.api.get('/api/v1/admin/loyalty', { token: staff.token });
    const scheme = await t.api.put(
      '/api/v1/admin/loyalty',
      {
        ...config.body,
        rates: [{ sportId: null, betKind: null, pointsPerHundred: 2 }],
        tiers: [
          { name: 'bronze', minPoints: '0', multiplierBps: 10_000 },
          { name: 'silver', minPoints: '40', multiplierBps: 15_000 },
        ],
      },
      { token: staff.token },
    );
    expect(scheme.status).toBe(200);
    const regular = await funded(t, 10_000n);
    const excluded = await funded(t, 10_000n);
    const { player: freeBetter, freeBetId } = await freeBetFor(t);
    const event = await eventWith(t, [matchResult(['2.00', '3.40', '3.25'])]);
    const [home, draw] = event.markets[0].selections;
    const bets: { id: string }[] = [];
    for (let i = 0; i < 3; i++)
      bets.push(await placed(t, regular, { stake: '1550', legs: legsOf(home) }));
    bets.push(await placed(t, excluded, { stake: '1550', legs: legsOf(home) }));
    bets.push(await placed(t, freeBetter, { stake: '1000', legs: legsOf(home), freeBetId }));
    const timeOut = await t.api.post(
      '/api/v1/me/time-out',
      { hours: 48 },
      { token: excluded.token },
    );
    expect(timeOut.status).toBe(201);
    await t.app.relay!.drain();

    const settled: OutboxEvent[] = [];
    const stop = t.app.bus.on('bet.settled', (e) => {
      settled.push(e);
    });
    try {
      await result(t, event.markets[0].id, { winners: [draw.id] });
      await t.app.relay!.drain();
    } finally {
      stop();
    }
    expect(settled.map((e) => e.payload.betId).sort()).toEqual(bets.map((b) => b.id).sort());
    // One transaction handled the market's bets (one batch of the relay).
    const [handled] = await t.db.query<{ events: number; transactions: number }>(
      `SELECT count(*)::int AS events, count(DISTINCT processed_at)::int AS transactions
       FROM platform.processed_events
       WHERE consumer = 'promotions.loyalty-points' AND event_id = ANY($1::bigint[])`,
      [settled.map((e) => e.id)],
    );
    expect(handled).toEqual({ events: 5, transactions: 1 });

    const entries = () =>
      t.db.query<{ player_id: string; points: bigint; tier: string }>(
        `SELECT player_id, points, details->>'tier' AS tier FROM promotions.loyalty_entries
         WHERE reference = ANY($1::text[]) ORDER BY id`,
        [bets.map((b) => `bet:${b.id}`)],
      );
    // floor(1550 × 2 / 100) = 31 at bronze twice (lifetime 62 reaches silver), then 31 × 1.5.
    const earned = await entries();
    expect(earned.map((e) => [e.player_id, BigInt(e.points), e.tier])).toEqual([
      [regular.id, 31n, 'bronze'],
      [regular.id, 31n, 'bronze'],
      [regular.id, 46n, 'silver'],
    ]);
    const loyalty = await t.api.get('/api/v1/loyalty', { token: regular.token });
    expect(loyalty.body).toMatchObject({ balance: '108', lifetime: '108', tier: 'silver' });

    // Delivered again, the batch earns nothing more.
    await t.app.bus.publish(settled);
    expect(await entries()).toEqual(earned);
    const again = await t.api.get('/api/v1/loyalty', { token: regular.token });
    expect(again.body).toMatchObject({ balance: '108', lifetime: '108' });
  });
});
