import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';

describe('the money loop over HTTP', () => {
  const t = useTestApp();

  it('takes a player from registration to a settled, paid bet', async () => {
    const player = await t.player();
    await t.deposit(player, 10_000n);
    const events = await t.api.get('/api/v1/events');
    expect(events.status).toBe(200);
    const event = await t.event({ prices: ['2.375', '3.40', '3.10'] });
    const listed = await t.api.get(`/api/v1/events/${event.id}`);
    const home = listed.body.markets[0].selections[0];
    expect(home.price).toBe('2.375');

    const bet = await t.api.post(
      '/api/v1/bets',
      { stake: '1000', legs: [{ selectionId: home.id, price: '2.375' }] },
      { token: player.token, idempotencyKey: randomUUID() },
    );
    expect(bet.status).toBe(201);
    expect(bet.body.potentialPayout).toBe('2375');
    expect(await t.balance(player)).toBe(9_000n);

    const trader = await t.trader();
    const result = await t.api.post(
      `/api/v1/admin/markets/${listed.body.markets[0].id}/result`,
      { winners: [home.id] },
      { token: trader.token, idempotencyKey: randomUUID() },
    );
    expect(result.status).toBe(200);
    expect(result.body.bets).toEqual({ open: 0, won: 1, lost: 0, void: 0 });
    expect(await t.balance(player)).toBe(11_375n);
    const settled = await t.api.get(`/api/v1/bets/${bet.body.id}`, { token: player.token });
    expect(settled.body).toMatchObject({ status: 'won', payout: '2375' });
  });
});
