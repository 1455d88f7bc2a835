// Bet events leave through the transactional outbox: written with the bet (or its
// settlement), published by the relay in order, at least once, to idempotent consumers.
import { describe, expect, it } from 'vitest';
import type { OutboxEvent } from '../../src/platform/events/outbox.ts';
import { useTestApp } from '../support/app.ts';
import { legOn, placeBet, placedBet, resultMarket } from '../support/betting-helpers.ts';

describe('the outbox relay for bets', () => {
  const t = useTestApp();

  const messagesOf = (accountId: string) =>
    t.db.query<{ event_id: bigint; title: string }>(
      'SELECT event_id, title FROM notifications.messages WHERE account_id = $1 ORDER BY id',
      [accountId],
    );

  it('publishes bet.placed and bet.settled once each, in order, and marks them published', async () => {
    const player = await t.player();
    await t.deposit(player, 10_000n);
    const market = (await t.event({ prices: ['2.00', '3.00', '4.00'] })).markets[0];
    await t.app.relay!.drain();

    const seen: OutboxEvent[] = [];
    const stop = t.app.bus.on('*', (event) => {
      if (event.type.startsWith('bet.')) seen.push(event);
    });
    try {
      const win = await placedBet(t, player, { stake: '500', legs: [legOn(market.selections[0])] });
      const lose = await placedBet(t, player, {
        stake: '300',
        legs: [legOn(market.selections[1])],
      });
      // A refused bet announces nothing.
      expect(
        (await placeBet(t, player, { stake: '999999', legs: [legOn(market.selections[1])] }))
          .status,
      ).toBe(422);
      const rows = await t.db.query<{ type: string; published_at: Date | null }>(
        `SELECT type, published_at FROM platform.outbox WHERE aggregate_id = ANY($1::text[])`,
        [[win.id, lose.id]],
      );
      expect(rows.map((r) => [r.type, r.published_at])).toEqual([
        ['bet.placed', null],
        ['bet.placed', null],
      ]);
      expect(seen).toEqual([]); // nothing leaves before the relay runs

      await resultMarket(t, market.id, { winners: [market.selections[0].id] });
      expect(await t.app.relay!.drain()).toBeGreaterThanOrEqual(4);
      expect(seen.map((e) => [e.type, e.aggregateId])).toEqual([
        ['bet.placed', win.id],
        ['bet.placed', lose.id],
        ['bet.settled', win.id],
        ['bet.settled', lose.id],
      ]);
      const ids = seen.map((e) => e.id);
      expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
      expect(seen[0]!.payload).toMatchObject({
        playerId: player.id,
        balance: '9500',
        bet: { id: win.id, stake: '500', status: 'open' },
      });
      expect(seen[2]!.payload).toMatchObject({ status: 'won', payout: '1000' });

      expect(await t.app.relay!.drain()).toBe(0);
      expect(seen).toHaveLength(4);
      const unpublished = await t.db.query(
        'SELECT id FROM platform.outbox WHERE published_at IS NULL',
      );
      expect(unpublished).toEqual([]);
      expect((await messagesOf(player.id)).map((m) => m.title)).toEqual([
        'Deposit received',
        'Your bet won',
        'Your bet lost',
      ]);
    } finally {
      stop();
    }
  });

  it('redelivers a batch whose publication failed, and the notifications consumer writes each message once', async () => {
    const player = await t.player();
    await t.deposit(player, 10_000n);
    const market = (await t.event()).markets[0];
    const bets = [];
    for (const selection of market.selections) {
      bets.push(await placedBet(t, player, { stake: '100', legs: [legOn(selection)] }));
    }
    await t.app.relay!.drain();
    await resultMarket(t, market.id, { winners: [market.selections[2].id] });

    // A listener that fails once, after the consumer has handled the first event.
    let failures = 0;
    const stop = t.app.bus.on('bet.settled', () => {
      if (failures++ === 0) throw new Error('listener down');
    });
    try {
      await expect(t.app.relay!.drain()).rejects.toThrow('listener down');
      const pending = await t.db.query<{ id: bigint }>(
        `SELECT id FROM platform.outbox WHERE type = 'bet.settled' AND published_at IS NULL`,
      );
      expect(pending).toHaveLength(3);
      // Leased: another pass does not take them until the lease runs out.
      expect(await t.app.relay!.drain()).toBe(0);
      await t.db.query(
        `UPDATE platform.outbox SET leased_until = now() - interval '1 second'
         WHERE published_at IS NULL`,
      );
      // The whole failed batch again: market.resulted and the three bet.settled.
      expect(await t.app.relay!.drain()).toBe(4);
    } finally {
      stop();
    }
    const messages = (await messagesOf(player.id)).filter((m) => m.title.startsWith('Your bet'));
    expect(messages.map((m) => m.title).sort()).toEqual([
      'Your bet lost',
      'Your bet lost',
      'Your bet won',
    ]);
    expect(new Set(messages.map((m) => m.event_id)).size).toBe(3);

    // A full redelivery (e.g. a relay that died before marking the batch) changes nothing.
    await t.db.query(
      `UPDATE platform.outbox SET published_at = NULL, leased_until = NULL WHERE type = 'bet.settled'`,
    );
    await t.app.relay!.drain();
    expect(
      (await messagesOf(player.id)).filter((m) => m.title.startsWith('Your bet')),
    ).toHaveLength(3);
  });
});
