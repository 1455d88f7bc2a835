// Money under concurrent requests. On PostgreSQL these run truly in parallel (a pool of 20
// connections); on PGlite transactions queue one at a time, and the same rules must hold.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Player } from '../support/app.ts';
import { useTestApp } from '../support/app.ts';
import { legOn, placeBet, resultMarket } from '../support/betting-helpers.ts';

describe('concurrent money requests', () => {
  const t = useTestApp();

  const bets = (where: string, params: unknown[]) =>
    t.db.query<{
      id: string;
      player_id: string;
      stake: bigint;
      status: string;
      payout: bigint | null;
    }>(`SELECT id, player_id, stake, status, payout FROM betting.bets ${where}`, params);

  it('never lets 50 simultaneous bets of one player spend more than the balance', async () => {
    const player = await t.player();
    await t.deposit(player, 10_000n);
    const market = (await t.event()).markets[0];
    // 50 stakes of 100–590, 17,250 in all: well over the balance.
    const stakes = Array.from({ length: 50 }, (_, i) => 100n + BigInt((i * 7) % 50) * 10n);
    expect(stakes.reduce((a, b) => a + b, 0n)).toBeGreaterThan(10_000n);

    const responses = await Promise.all(
      stakes.map((stake) =>
        placeBet(t, player, { stake: stake.toString(), legs: [legOn(market.selections[0])] }),
      ),
    );
    const accepted = responses.filter((r) => r.status === 201);
    const refused = responses.filter((r) => r.status !== 201);
    expect(refused.map((r) => [r.status, r.body.code])).toEqual(
      refused.map(() => [422, 'insufficient_funds']),
    );
    const acceptedStakes = accepted.reduce((sum, r) => sum + BigInt(r.body.stake), 0n);
    expect(acceptedStakes).toBeLessThanOrEqual(10_000n);
    expect(accepted.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    const balance = await t.balance(player);
    expect(balance).toBe(10_000n - acceptedStakes);
    expect(balance).toBeGreaterThanOrEqual(0n);
    // Every refused stake was more than what was left when it was decided; at the end,
    // whatever is left is smaller than the smallest refused stake.
    const smallestRefused = BigInt(
      Math.min(...stakes.filter((_, i) => responses[i]!.status !== 201).map(Number)),
    );
    expect(balance).toBeLessThan(smallestRefused);
    const rows = await bets('WHERE player_id = $1', [player.id]);
    expect(rows).toHaveLength(accepted.length);
  });

  it('places one bet for 20 simultaneous requests with one Idempotency-Key', async () => {
    const player = await t.player();
    await t.deposit(player, 10_000n);
    const market = (await t.event()).markets[0];
    const key = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        placeBet(t, player, { stake: '1000', legs: [legOn(market.selections[1])] }, key),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 201));
    const ids = new Set(responses.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    expect(responses.filter((r) => r.headers['idempotency-hit'] === undefined)).toHaveLength(1);
    expect(await bets('WHERE player_id = $1', [player.id])).toHaveLength(1);
    expect(await t.balance(player)).toBe(9_000n);
  });

  it('pays each of ~200 bets exactly once when two settlements of one market race', async () => {
    const market = (await t.event({ prices: ['2.10', '3.40', '3.25'] })).markets[0];
    const players: Player[] = [];
    for (let i = 0; i < 4; i++) {
      const player = await t.player();
      await t.deposit(player, 100_000n);
      players.push(player);
    }
    // 50 bets each, on all three outcomes, stakes 101–150.
    const placed = await Promise.all(
      players.flatMap((player) =>
        Array.from({ length: 50 }, (_, i) =>
          placeBet(t, player, {
            stake: String(101 + i),
            legs: [legOn(market.selections[i % 3])],
          }),
        ),
      ),
    );
    expect(placed.filter((r) => r.status !== 201)).toEqual([]);
    const before = await Promise.all(players.map((p) => t.balance(p)));

    const home = market.selections[0].id;
    const [first, second] = await Promise.all([
      resultMarket(t, market.id, { winners: [home] }),
      resultMarket(t, market.id, { winners: [home] }),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);

    const settled = await bets(
      'WHERE id IN (SELECT bet_id FROM betting.bet_legs WHERE market_id = $1)',
      [market.id],
    );
    expect(settled).toHaveLength(200);
    expect(settled.filter((b) => b.status === 'open')).toEqual([]);
    const onHome = new Set(
      placed.filter((r) => r.body.legs[0].selectionId === home).map((r) => r.body.id),
    );
    let expectedPayouts = 0n;
    for (const bet of settled) {
      const expected = onHome.has(bet.id) ? (bet.stake * 2100n) / 1000n : 0n;
      expect([bet.status, bet.payout]).toEqual([onHome.has(bet.id) ? 'won' : 'lost', expected]);
      expectedPayouts += expected;
    }
    const [paid] = await t.db.query<{ total: bigint }>(
      `SELECT COALESCE(sum(amount), 0)::bigint AS total FROM wallet.transfers
       WHERE kind IN ('bet_stake_return', 'bet_winnings')
         AND substr(reference, 5, 36) IN (SELECT bet_id::text FROM betting.bet_legs WHERE market_id = $1)`,
      [market.id],
    );
    expect(paid!.total).toBe(expectedPayouts);
    const after = await Promise.all(players.map((p) => t.balance(p)));
    const gained = after.reduce((a, b) => a + b, 0n) - before.reduce((a, b) => a + b, 0n);
    expect(gained).toBe(expectedPayouts);

    // Each settler returns (and stores for replays) the settled state, not a snapshot taken
    // while the other one still held the bets.
    const summary = {
      marketId: market.id,
      result: { void: false, winners: [home] },
      version: 1,
      bets: { open: 0, won: onHome.size, lost: 200 - onHome.size, void: 0 },
      blocked: 0,
    };
    expect([first.body, second.body]).toEqual([summary, summary]);
  });

  it('leaves no bet open on a settled market when placements race its settlement', async () => {
    const market = (await t.event()).markets[0];
    const players: Player[] = [];
    for (let i = 0; i < 3; i++) {
      const player = await t.player();
      await t.deposit(player, 100_000n);
      players.push(player);
    }
    const seed = await Promise.all(
      players.map((p) => placeBet(t, p, { stake: '100', legs: [legOn(market.selections[0])] })),
    );
    expect(seed.map((r) => r.status)).toEqual([201, 201, 201]);

    const placing = Array.from({ length: 30 }, (_, i) =>
      placeBet(t, players[i % 3]!, {
        stake: String(100 + i),
        legs: [legOn(market.selections[i % 3])],
      }),
    );
    const settling = resultMarket(t, market.id, { winners: [market.selections[0].id] });
    const responses = await Promise.all(placing);
    expect((await settling).status).toBe(200);
    for (const response of responses) {
      if (response.status !== 201) {
        expect([response.status, response.body.code]).toEqual([409, 'market_not_open']);
      }
    }

    // No sweep: the result waited for the placements that had seen the market open.
    const open = await bets(
      `WHERE status = 'open' AND id IN (SELECT bet_id FROM betting.bet_legs WHERE market_id = $1)`,
      [market.id],
    );
    expect(open).toEqual([]);
  });
});
