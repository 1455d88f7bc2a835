// Outbox events become whole-state messages: each bet event, whatever it carries, becomes the
// bet's state (read when the event does not say it) and the player's balance; catalogue
// events go to their market, event and sport topics.
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { legOn, placedBet } from '../../../test/support/betting-helpers.ts';
import type { OutboxEvent } from '../../platform/events/outbox.ts';
import { createTranslator } from './translate.ts';

const parse = (body: string) => JSON.parse(`{${body}}`);

describe('translating outbox events into realtime messages', () => {
  const t = useTestApp({ env: { IBET_SIMULATOR: 'false' } });
  let id = 10_000n;
  const event = (type: string, payload: Record<string, unknown>): OutboxEvent => ({
    id: ++id,
    type,
    aggregateId: 'x',
    payload,
    createdAt: new Date(),
  });

  it('makes a bet event that does not carry the bet (accepted, cashed out) into the bet’s current state and the balance', async () => {
    const player = await t.player();
    await t.deposit(player, 5000n);
    const market = (await t.event()).markets[0];
    const bet = await placedBet(t, player, { stake: '600', legs: [legOn(market.selections[0])] });
    const translate = createTranslator(t.db);
    const messages = await translate([
      event('bet.accepted', { betId: bet.id, playerId: player.id, prices: ['2.10'] }),
      event('bet.rejected', {
        betId: bet.id,
        playerId: player.id,
        reason: 'market_suspended',
        stake: '600',
        currency: 'EUR',
      }),
    ]);
    expect(messages.map((m) => [m.key, m.topics.map((x) => x.label), parse(m.body)])).toEqual([
      [
        `bet:${bet.id}`,
        ['me'],
        expect.objectContaining({
          type: 'bet',
          id: bet.id,
          status: 'open',
          stake: '600',
          currency: 'EUR',
        }),
      ],
      [`balance:${player.id}`, ['me'], { type: 'balance', currency: 'EUR', balance: '4400' }],
      [
        `bet:${bet.id}`,
        ['me'],
        { type: 'bet', id: bet.id, status: 'rejected', stake: '600', currency: 'EUR' },
      ],
      [`balance:${player.id}`, ['me'], { type: 'balance', currency: 'EUR', balance: '4400' }],
    ]);
    expect(messages[0]!.topics[0]!.name).toBe(`player:${player.id}`);
  });

  it('sends a market change to its market and event, and to its sport when it is the event’s main market', async () => {
    const created = await t.event();
    const trader = await t.trader();
    const second = await t.api.post(
      `/api/v1/admin/events/${created.id}/markets`,
      {
        type: 'both_teams_to_score',
        name: 'Both teams to score',
        selections: [
          { name: 'Yes', outcome: 'yes', price: '1.90' },
          { name: 'No', outcome: 'no', price: '1.90' },
        ],
      },
      { token: trader.token },
    );
    expect(second.status).toBe(201);
    const translate = createTranslator(t.db);
    const [main, other] = await translate([
      event('market.updated', { market: created.markets[0] }),
      event('market.updated', { market: second.body }),
    ]);
    expect(main!.topics.map((x) => x.name)).toEqual([
      `market:${created.markets[0].id}`,
      `event:${created.id}`,
      `sport:${created.sport.id}`,
    ]);
    expect(other!.topics.map((x) => x.name)).toEqual([
      `market:${second.body.id}`,
      `event:${created.id}`,
    ]);
    expect(parse(main!.body)).toMatchObject({ type: 'market', status: 'open', event: created.id });
  });
});
