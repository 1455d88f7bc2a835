// The support desk reads a player's cash movements: the same page, filters and cursor as the
// player's own history listing, for staff holding players:read only, without an audit row.
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { legOn, placedBet } from '../support/betting-helpers.ts';
import { countRows, expectProblem } from '../support/identity-helpers.ts';

const staffUrl = (id: string, query = '') => `/api/v1/admin/players/${id}/transactions${query}`;
const ownUrl = (query = '') => `/api/v1/history/transactions${query}`;

describe('support desk: a player’s transactions', () => {
  const t = useTestApp();

  it("lists a player's transactions for support staff", async () => {
    const player = await t.player();
    await t.deposit(player, 5000n);
    const event = await t.event();
    await placedBet(t, player, { stake: '1000', legs: [legOn(event.markets[0].selections[0])] });
    const support = await t.staff(['support']);

    const seen = await t.api.get(staffUrl(player.id), { token: support.token });
    expect(seen.status, JSON.stringify(seen.body)).toBe(200);
    expect(seen.body.items.map((m: any) => [m.kind, m.amount, m.currency])).toEqual([
      ['bet_stake', '-1000', 'EUR'],
      ['deposit', '5000', 'EUR'],
    ]);
    expect(seen.body.nextCursor).toBeNull();
    // What the player sees in their own history, to the byte.
    const own = await t.api.get(ownUrl(), { token: player.token });
    expect(own.status).toBe(200);
    expect(seen.body).toEqual(own.body);
  });

  it('pages with the cursor and filters by period as the player listing does', async () => {
    const player = await t.player();
    for (const amount of [1000n, 2000n, 3000n]) await t.deposit(player, amount);
    const risk = await t.staff(['risk']);

    const first = await t.api.get(staffUrl(player.id, '?limit=2'), { token: risk.token });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.items.map((m: any) => m.amount)).toEqual(['3000', '2000']);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await t.api.get(
      staffUrl(player.id, `?limit=2&cursor=${first.body.nextCursor}`),
      { token: risk.token },
    );
    expect(second.body.items.map((m: any) => m.amount)).toEqual(['1000']);
    expect(second.body.nextCursor).toBeNull();
    const ownSecond = await t.api.get(ownUrl(`?limit=2&cursor=${first.body.nextCursor}`), {
      token: player.token,
    });
    expect(second.body).toEqual(ownSecond.body);

    // A period before the account existed holds nothing.
    const past = await t.api.get(
      staffUrl(player.id, '?from=2020-01-01T00:00:00Z&to=2020-12-31T00:00:00Z'),
      { token: risk.token },
    );
    expect(past.status).toBe(200);
    expect(past.body).toEqual({ items: [], nextCursor: null });
  });

  it('shows an empty page for a player without a wallet movement', async () => {
    const player = await t.player();
    const support = await t.staff(['support']);
    const seen = await t.api.get(staffUrl(player.id), { token: support.token });
    expect(seen.status, JSON.stringify(seen.body)).toBe(200);
    expect(seen.body).toEqual({ items: [], nextCursor: null });
  });

  it('refuses a trader without players:read, a player and nobody', async () => {
    const player = await t.player();
    await t.deposit(player, 1000n);
    const trader = await t.staff(['trader']);
    const other = await t.player();
    expect((await t.api.get(staffUrl(player.id), { token: trader.token })).status).toBe(403);
    // A player reads no one's movements through the staff door, not even their own.
    expect((await t.api.get(staffUrl(player.id), { token: other.token })).status).toBe(403);
    expect((await t.api.get(staffUrl(player.id), { token: player.token })).status).toBe(403);
    expect((await t.api.get(staffUrl(player.id))).status).toBe(401);
  });

  it('answers 404 for an unknown player or a staff account', async () => {
    const support = await t.staff(['support']);
    expectProblem(
      await t.api.get(staffUrl('00000000-0000-4000-8000-000000000000'), {
        token: support.token,
      }),
      404,
      'player_not_found',
    );
    expectProblem(
      await t.api.get(staffUrl(support.id), { token: support.token }),
      404,
      'player_not_found',
    );
  });

  it('answers bad input with problem+json and audits no read', async () => {
    const player = await t.player();
    const support = await t.staff(['support']);
    const auditBefore = await countRows(t.db, 'audit.events');
    expectProblem(
      await t.api.get('/api/v1/admin/players/not-a-uuid/transactions', { token: support.token }),
      400,
      'validation_failed',
    );
    expectProblem(
      await t.api.get(staffUrl(player.id, '?limit=1000'), { token: support.token }),
      400,
      'validation_failed',
    );
    expectProblem(
      await t.api.get(staffUrl(player.id, '?cursor=bm9wZQ'), { token: support.token }),
      400,
      'invalid_cursor',
    );
    expectProblem(
      await t.api.get(staffUrl(player.id, '?from=2021-01-01T00:00:00Z&to=2020-01-01T00:00:00Z'), {
        token: support.token,
      }),
      422,
      'invalid_date_range',
    );
    expect((await t.api.get(staffUrl(player.id), { token: support.token })).status).toBe(200);
    expect(await countRows(t.db, 'audit.events')).toBe(auditBefore);
  });
});
