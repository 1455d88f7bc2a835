// Sportsbook money under concurrent requests. On PostgreSQL these run truly in parallel (a
// pool of 20 connections); on PGlite they queue, and the same rules must hold.
import { describe, expect, it } from 'vitest';
import { confirmPendingBets } from '../../src/modules/betting/index.ts';
import type { Player } from '../support/app.ts';
import { useTestApp } from '../support/app.ts';
import {
  bet,
  betRow,
  eventWith,
  funded,
  legsOf,
  matchResult,
  placed,
  result,
  settings,
} from './sportsbook-helpers.ts';

describe('concurrent sportsbook requests', () => {
  const t = useTestApp();

  it('lets exactly one of a cash out and the settlement of the same bet win', async () => {
    const event = await eventWith(t, [matchResult(['3.00', '3.00', '3.00'])]);
    const market = event.markets[0];
    const players: Player[] = [];
    const bets: any[] = [];
    for (let i = 0; i < 12; i++) {
      const player = await funded(t, 10_000n);
      players.push(player);
      bets.push(await placed(t, player, { stake: '1000', legs: legsOf(market.selections[i % 3]) }));
    }
    const quotes = await Promise.all(
      bets.map((b, i) =>
        t.api.post(`/api/v1/bets/${b.id}/cash-out/quote`, {}, { token: players[i]!.token }),
      ),
    );
    expect(quotes.map((q) => q.status)).toEqual(quotes.map(() => 200));
    const cashing = bets.map((b, i) =>
      t.api.post(
        `/api/v1/bets/${b.id}/cash-out`,
        { quoteId: quotes[i]!.body.quoteId, acceptValueChanges: 'any' },
        { token: players[i]!.token, idempotencyKey: crypto.randomUUID() },
      ),
    );
    const settling = result(t, market.id, { winners: [market.selections[0].id] });
    const [settled, ...cashed] = await Promise.all([settling, ...cashing]);
    expect(settled.status).toBe(200);
    for (const [i, response] of cashed.entries()) {
      const row = await betRow(t, bets[i].id);
      if (response.status === 200) {
        expect(row.status).toBe('cashed_out');
      } else {
        expect([response.status, response.body.code]).toEqual([409, 'cash_out_unavailable']);
        expect(['won', 'lost']).toContain(row.status);
      }
    }
    // Exactly one settled or cashed the bet out: the harness checks every move against it.
  });

  it('never lets simultaneous bets of many players on one selection take it over its liability cap', async () => {
    const event = await eventWith(t, [matchResult(['2.00', '3.00', '3.00'])]);
    const market = event.markets[0];
    await settings(t, market.id, { maxSelectionLiability: '50000' });
    const players: Player[] = [];
    for (let i = 0; i < 30; i++) players.push(await funded(t, 100_000n));
    // 30 bets of 3000–5900 at 2.00: 133,500 of liability against a cap of 50,000.
    const responses = await Promise.all(
      players.map((p, i) =>
        bet(t, p, { stake: String(3000 + i * 100), legs: legsOf(market.selections[0]) }),
      ),
    );
    const accepted = responses.filter((r) => r.status === 201);
    const refused = responses.filter((r) => r.status !== 201);
    expect(refused.map((r) => r.body.code)).toEqual(refused.map(() => 'liability_limit_reached'));
    const used = accepted.reduce((sum, r) => sum + BigInt(r.body.stake), 0n);
    expect(used).toBeLessThanOrEqual(50_000n);
    expect(accepted.length).toBeGreaterThan(0);
    const [row] = await t.db.query<{ total: bigint }>(
      `SELECT sum(exposure)::bigint AS total FROM betting.liability WHERE scope = 'selection' AND id = $1`,
      [market.selections[0].id],
    );
    expect(row!.total).toBe(used);
    // Room only shrinks while bets come in: a bet was refused because its liability (its
    // stake, at 2.00) did not fit, so what is left at the end is less than any refused stake.
    if (refused.length > 0) {
      const stakes = responses.map((r, i) => [r.status, 3000 + i * 100] as const);
      const smallest = Math.min(...stakes.filter(([status]) => status !== 201).map(([, s]) => s));
      expect(50_000n - used).toBeLessThan(BigInt(smallest));
      for (const r of refused) expect(BigInt(r.body.maxStake)).toBeLessThan(6000n);
    }
  });

  it('checks each pending bet once when two workers check them at the same time', async () => {
    const event = await eventWith(t, [{ ...matchResult(), inPlay: true, betDelaySeconds: 5 }]);
    await t.db.query(
      `UPDATE catalog.events SET status = 'live', starts_at = now() - interval '5 minutes' WHERE id = $1`,
      [event.id],
    );
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const player = await funded(t, 10_000n);
      ids.push(
        (
          await placed(t, player, {
            stake: '500',
            legs: legsOf(event.markets[0].selections[i % 3]),
          })
        ).id,
      );
    }
    await t.db.query(`UPDATE betting.bets SET accept_after = now() WHERE id = ANY($1::uuid[])`, [
      ids,
    ]);
    const [a, b] = await Promise.all([confirmPendingBets(t.db), confirmPendingBets(t.db)]);
    expect([...a.accepted, ...b.accepted].sort()).toEqual([...ids].sort());
    const accepted = await t.db.query(
      `SELECT 1 FROM platform.outbox WHERE type = 'bet.accepted' AND aggregate_id = ANY($1::text[])`,
      [ids],
    );
    expect(accepted).toHaveLength(10);
  });
});
