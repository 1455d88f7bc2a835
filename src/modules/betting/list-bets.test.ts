import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Player } from '../../../test/support/app.ts';
import { useTestApp } from '../../../test/support/app.ts';
import {
  expectProblem,
  legOn,
  placedBet,
  resultMarket,
} from '../../../test/support/betting-helpers.ts';

describe('reading my bets', () => {
  const t = useTestApp();
  let me: Player;
  let other: Player;
  /** My bets, oldest first. */
  const mine: any[] = [];
  let theirs: any;

  beforeAll(async () => {
    me = await t.player();
    other = await t.player();
    await t.deposit(me, 100_000n);
    await t.deposit(other, 100_000n);
    const markets = [];
    for (let i = 0; i < 3; i++) markets.push((await t.event()).markets[0]);
    // Bet 0 wins, bet 1 loses, bet 2 is void, bets 3–5 stay open.
    const picks = [
      markets[0].selections[0],
      markets[0].selections[1],
      markets[1].selections[0],
      markets[2].selections[0],
      markets[2].selections[1],
      markets[2].selections[2],
    ];
    for (const [i, pick] of picks.entries()) {
      mine.push(await placedBet(t, me, { stake: String(100 + i), legs: [legOn(pick)] }));
    }
    theirs = await placedBet(t, other, { stake: '500', legs: [legOn(markets[2].selections[0])] });
    expect((await resultMarket(t, markets[0].id, { winners: [picks[0].id] })).status).toBe(200);
    expect((await resultMarket(t, markets[1].id, { void: true })).status).toBe(200);
  });

  const ids = (bets: any[]) => bets.map((b) => b.id);
  const newestFirst = () => ids([...mine].reverse());

  async function walk(query: string, limit: number, player = me): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const url: string = `/api/v1/bets?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await t.api.get(url, { token: player.token });
      expect(response.status).toBe(200);
      expect(response.body.items.length).toBeLessThanOrEqual(limit);
      seen.push(...ids(response.body.items));
      cursor = response.body.nextCursor;
      if (!cursor) return seen;
    }
    throw new Error('the cursor never ended');
  }

  it('lists my own bets newest first, with their status and payout', async () => {
    const response = await t.api.get('/api/v1/bets', { token: me.token });
    expect(response.status).toBe(200);
    expect(ids(response.body.items)).toEqual(newestFirst());
    expect(response.body.nextCursor).toBeNull();
    expect(ids(response.body.items)).not.toContain(theirs.id);
    const byId = new Map(response.body.items.map((b: any) => [b.id, b]));
    expect(byId.get(mine[0].id)).toMatchObject({ status: 'won', payout: '210' });
    expect(byId.get(mine[1].id)).toMatchObject({ status: 'lost', payout: '0' });
    expect(byId.get(mine[2].id)).toMatchObject({ status: 'void', payout: '102' });
    expect(byId.get(mine[3].id)).toMatchObject({ status: 'open', payout: null, settledAt: null });
    expect(byId.get(mine[0].id)).toMatchObject({ settledAt: expect.any(String) });
  });

  it('filters by status: open bets, and settled bets (won, lost or void)', async () => {
    expect(await walk('&status=open', 10)).toEqual(ids([mine[5], mine[4], mine[3]]));
    expect(await walk('&status=settled', 10)).toEqual(ids([mine[2], mine[1], mine[0]]));
    expect(await walk('&status=settled', 1, other)).toEqual([]);
    expect(await walk('&status=open', 1, other)).toEqual([theirs.id]);
    expectProblem(
      await t.api.get('/api/v1/bets?status=won', { token: me.token }),
      400,
      'validation_failed',
    );
  });

  it('pages with a cursor: every bet exactly once, newest first', async () => {
    expect(await walk('', 1)).toEqual(newestFirst());
    expect(await walk('', 2)).toEqual(newestFirst());
    expect(await walk('', 4)).toEqual(newestFirst());
    expect(await walk('&status=open', 2)).toEqual(ids([mine[5], mine[4], mine[3]]));
  });

  it('pages through bets placed within the same millisecond without skipping any', async () => {
    const player = await t.player();
    await t.deposit(player, 10_000n);
    const market = (await t.event()).markets[0];
    const bets = [];
    for (let i = 0; i < 4; i++) {
      bets.push(await placedBet(t, player, { stake: '100', legs: [legOn(market.selections[0])] }));
    }
    // Four bets in one millisecond, microseconds apart (a busy player on a fast database).
    for (const [i, bet] of bets.entries()) {
      await t.db.query(
        `UPDATE betting.bets SET placed_at = '2030-01-01T12:00:00.123Z'::timestamptz + $2 * interval '1 microsecond'
         WHERE id = $1`,
        [bet.id, 100 * (i + 1)],
      );
    }
    const expected = ids([...bets].reverse());
    expect(await walk('', 1, player)).toEqual(expected);
    expect(await walk('', 3, player)).toEqual(expected);
  });

  it('refuses a cursor it did not issue (400 invalid_cursor)', async () => {
    const id = mine[0].id;
    for (const cursor of [
      ...[
        '1',
        '2030-02-31T00:00:00Z',
        'Tue, 01 Jan 2030 00:00:00 GMT',
        '99999-01-01T00:00:00Z',
        '0000-01-01T00:00:00Z',
        '2030-01-01T24:00:00Z',
      ].map((at) => Buffer.from(`${at}|${id}`).toString('base64url')),
      Buffer.from('not a time|123').toString('base64url'),
      Buffer.from(`2030-01-01T00:00:00Z|${'-'.repeat(36)}`).toString('base64url'),
      Buffer.from('2030-01-01T00:00:00Z').toString('base64url'),
      '!!!',
    ]) {
      expectProblem(
        await t.api.get(`/api/v1/bets?cursor=${encodeURIComponent(cursor)}`, { token: me.token }),
        400,
        'invalid_cursor',
      );
    }
    for (const query of ['limit=0', 'limit=101', `cursor=${'x'.repeat(201)}`]) {
      expectProblem(
        await t.api.get(`/api/v1/bets?${query}`, { token: me.token }),
        400,
        'validation_failed',
      );
    }
  });

  it('reads one of my bets by id', async () => {
    const response = await t.api.get(`/api/v1/bets/${mine[0].id}`, { token: me.token });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: mine[0].id,
      status: 'won',
      stake: '100',
      potentialPayout: '210',
      payout: '210',
      legs: [{ selectionId: mine[0].legs[0].selectionId, price: '2.10' }],
    });
  });

  it("answers 404 bet_not_found for another player's bet, never 403", async () => {
    const response = await t.api.get(`/api/v1/bets/${theirs.id}`, { token: me.token });
    expectProblem(response, 404, 'bet_not_found');
    const unknown = await t.api.get(`/api/v1/bets/${randomUUID()}`, { token: me.token });
    expectProblem(unknown, 404, 'bet_not_found');
    // The two answers are indistinguishable.
    expect(response.body.detail).toBe(unknown.body.detail);
    expectProblem(
      await t.api.get('/api/v1/bets/xyz', { token: me.token }),
      400,
      'validation_failed',
    );
  });

  it('refuses staff tokens (403) and anonymous callers (401) on the player routes', async () => {
    const admin = await t.staff(['admin']);
    expectProblem(
      await t.api.get(`/api/v1/bets/${mine[0].id}`, { token: admin.token }),
      403,
      'forbidden',
    );
    expectProblem(await t.api.get('/api/v1/bets', { token: admin.token }), 403, 'forbidden');
    expectProblem(await t.api.get('/api/v1/bets'), 401, 'unauthenticated');
    expectProblem(await t.api.get(`/api/v1/bets/${mine[0].id}`), 401, 'unauthenticated');
  });
});
