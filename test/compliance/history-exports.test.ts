// Player history (UKGC RTS 1B/1C): bets, transactions and sign-ins of at least 12 months with
// filters and CSV downloads, net deposits; and the compliance export of a player's activity.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Player, useTestApp } from '../support/app.ts';
import { legOn, placeBet } from '../support/betting-helpers.ts';
import { expectProblem } from '../support/identity-helpers.ts';
import { postDeposit, postWithdrawal } from '../support/wallet-helpers.ts';

const DAY = 86_400_000;

describe('player history and exports', () => {
  const t = useTestApp();
  let player: Player;
  let other: Player;
  const bets: string[] = [];

  beforeAll(async () => {
    player = await t.player();
    other = await t.player();
    const market = (await t.event()).markets[0];
    await postDeposit(t, player, '10000');
    await postDeposit(t, player, '5000');
    for (const stake of ['1000', '1500', '2000']) {
      const r = await placeBet(t, player, { stake, legs: [legOn(market.selections[0])] });
      expect(r.status).toBe(201);
      bets.push(r.body.id);
    }
    expect((await postWithdrawal(t, player, '3000')).status).toBe(201);
    await postDeposit(t, other, '999');
    // One bet from 11 months ago and one from 13 months ago.
    await t.db.query(
      `UPDATE betting.bets SET placed_at = now() - interval '330 days' WHERE id = $1`,
      [bets[0]],
    );
    await t.db.query(
      `UPDATE betting.bets SET placed_at = now() - interval '395 days' WHERE id = $1`,
      [bets[1]],
    );
  }, 120_000);

  it('shows the totals of the period with net deposits', async () => {
    const r = await t.api.get('/api/v1/history/summary', { token: player.token });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      currency: 'EUR',
      deposits: '15000',
      withdrawals: '3000',
      netDeposits: '12000',
      // The bet from 13 months ago is outside the default 12 months.
      betsPlaced: 2,
      staked: '3000',
      openStakes: '3000',
      returned: '0',
    });
  });

  it('lists bets of the last 12 months by default, older ones on request, newest first', async () => {
    const recent = await t.api.get('/api/v1/history/bets', { token: player.token });
    expect(recent.status).toBe(200);
    expect(recent.body.items.map((b: any) => b.id)).toEqual([bets[2], bets[0]]);
    expect(recent.body.items[0]).toMatchObject({
      stake: '2000',
      status: 'open',
      legs: [
        expect.objectContaining({ event: 'Home FC v Away United', price: expect.any(String) }),
      ],
    });
    const from = new Date(Date.now() - 500 * DAY).toISOString();
    const all = await t.api.get(`/api/v1/history/bets?from=${from}&limit=2`, {
      token: player.token,
    });
    expect(all.body.items.map((b: any) => b.id)).toEqual([bets[2], bets[0]]);
    const next = await t.api.get(
      `/api/v1/history/bets?from=${from}&limit=2&cursor=${all.body.nextCursor}`,
      { token: player.token },
    );
    expect(next.body).toEqual({
      items: [expect.objectContaining({ id: bets[1] })],
      nextCursor: null,
    });
    const won = await t.api.get('/api/v1/history/bets?status=won', { token: player.token });
    expect(won.body.items).toEqual([]);
  });

  it('lists balance movements and sign-ins, and never another player’s', async () => {
    const tx = await t.api.get('/api/v1/history/transactions', { token: player.token });
    expect(tx.body.items.map((i: any) => [i.kind, i.amount])).toEqual([
      ['withdrawal', '-3000'],
      ['bet_stake', '-2000'],
      ['bet_stake', '-1500'],
      ['bet_stake', '-1000'],
      ['deposit', '5000'],
      ['deposit', '10000'],
    ]);
    const sessions = await t.api.get('/api/v1/history/sessions', { token: player.token });
    expect(sessions.body.items).toHaveLength(1);
    expect(sessions.body.items[0]).toMatchObject({ endedAt: null, endReason: null });
    const theirs = await t.api.get('/api/v1/history/transactions', { token: other.token });
    expect(theirs.body.items.map((i: any) => i.amount)).toEqual(['999']);
  });

  it('refuses a range that is reversed or longer than 25 months', async () => {
    const now = Date.now();
    expectProblem(
      await t.api.get(
        `/api/v1/history/bets?from=${new Date(now).toISOString()}&to=${new Date(now - DAY).toISOString()}`,
        { token: player.token },
      ),
      422,
      'invalid_date_range',
    );
    expectProblem(
      await t.api.get(`/api/v1/history/summary?from=${new Date(now - 800 * DAY).toISOString()}`, {
        token: player.token,
      }),
      422,
      'invalid_date_range',
    );
    expectProblem(
      await t.api.get('/api/v1/history/bets?cursor=bm90LWEtY3Vyc29y', { token: player.token }),
      400,
      'invalid_cursor',
    );
  });

  it('downloads bets, transactions and sessions as CSV with amounts in major units', async () => {
    const bets = await t.api.get('/api/v1/history/bets/export', { token: player.token });
    expect(bets.status).toBe(200);
    expect(bets.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(String(bets.headers['content-disposition'])).toMatch(
      /^attachment; filename="ibet-bets-/,
    );
    const lines = (bets.body as string)
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe(
      'bet_id,placed_at,settled_at,kind,status,currency,stake,selections,potential_payout,payout,cashed_out',
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(',single,open,EUR,20.00,Home FC v Away United / ');
    const tx = await t.api.get('/api/v1/history/transactions/export', { token: player.token });
    const txLines = (tx.body as string)
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(txLines).toHaveLength(7);
    expect(txLines[1]).toMatch(/,withdrawal,-30\.00,EUR,payment:/);
    const sessions = await t.api.get('/api/v1/history/sessions/export', { token: player.token });
    expect((sessions.body as string).split('\r\n')[0]).toBe(
      '\uFEFFsession_id,started_at,last_seen_at,ended_at,end_reason,ip,user_agent',
    );
    expectProblem(
      await t.api.get('/api/v1/history/bets/export', { token: (await t.staff(['admin'])).token }),
      403,
      'forbidden',
    );
  });

  it("exports a player's complete activity for compliance staff, audited", async () => {
    const compliance = await t.staff(['compliance']);
    const risk = await t.staff(['risk']);
    const url = `/api/v1/admin/players/${player.id}/activity-export?from=${new Date(Date.now() - 500 * DAY).toISOString()}`;
    expectProblem(await t.api.get(url, { token: risk.token }), 403, 'forbidden');
    // Read raw: NDJSON is not one JSON document.
    const r = await t.app.http.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${compliance.token}` },
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const records = r.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const count = (section: string) => records.filter((x) => x.section === section).length;
    expect(records[0]).toMatchObject({
      section: 'export',
      playerId: player.id,
      generatedBy: compliance.id,
    });
    expect(records.at(-1)).toEqual({ section: 'end', playerId: player.id });
    expect(records.find((x) => x.section === 'account')).toMatchObject({
      id: player.id,
      email: player.email,
    });
    expect(count('payment')).toBe(3);
    expect(count('bet')).toBe(3);
    expect(count('transfer')).toBe(6);
    expect(count('session')).toBe(1);
    expect(count('audit')).toBeGreaterThanOrEqual(6);
    expect(records.every((x) => x.playerId === undefined || x.playerId === player.id)).toBe(true);
    const [logged] = await t.db.query<{ actor_id: string; details: any }>(
      `SELECT actor_id, details FROM audit.events
       WHERE action = 'compliance.player_activity_exported' AND target_id = $1`,
      [player.id],
    );
    expect(logged).toMatchObject({
      actor_id: compliance.id,
      details: { from: expect.any(String) },
    });
    expectProblem(
      await t.api.get(`/api/v1/admin/players/${randomUUID()}/activity-export`, {
        token: compliance.token,
      }),
      404,
      'player_not_found',
    );
  });
});
