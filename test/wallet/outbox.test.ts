// Payment events leave through the transactional outbox and reach the notifications consumer
// exactly once, however often they are delivered.
import { beforeAll, describe, expect, it } from 'vitest';
import type { OutboxEvent } from '../../src/platform/events/outbox.ts';
import { type Player, useTestApp } from '../support/app.ts';
import { postDeposit, postWithdrawal, testPsp } from '../support/wallet-helpers.ts';

describe('payment events and the outbox', () => {
  const psp = testPsp();
  const t = useTestApp({ paymentProvider: psp.provider });
  let player: Player;

  beforeAll(async () => {
    player = await t.player();
  });

  const outboxOf = (paymentId: string) =>
    t.db.query<{ id: bigint; type: string; payload: any; published_at: Date | null }>(
      `SELECT id, type, payload, published_at FROM platform.outbox WHERE payload->>'id' = $1`,
      [paymentId],
    );
  const messages = async () =>
    (await t.api.get('/api/v1/notifications', { token: player.token })).body.items;

  it('writes exactly one wallet.deposit.completed event in the transaction that credits the money', async () => {
    const response = await postDeposit(t, player, '2550');
    const paymentId = response.body.id;
    const events = await outboxOf(paymentId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'wallet.deposit.completed',
      published_at: null,
      payload: { ...response.body, ownerId: player.id },
    });
    // Rows written by one transaction carry its id (xmin): the event, the completed payment
    // and the deposit transfer committed together.
    const [xids] = await t.db.query<{ outbox: string; payment: string; transfer: string }>(
      `SELECT (SELECT xmin::text FROM platform.outbox WHERE payload->>'id' = $1) AS outbox,
              (SELECT xmin::text FROM wallet.payments WHERE id = $1::uuid) AS payment,
              (SELECT xmin::text FROM wallet.transfers WHERE reference = 'payment:' || $1) AS transfer`,
      [paymentId],
    );
    expect(xids!.payment).toBe(xids!.outbox);
    expect(xids!.transfer).toBe(xids!.outbox);
  });

  it('publishes on drain, marks the event published and writes one message, once', async () => {
    const response = await postDeposit(t, player, '1234');
    const paymentId = response.body.id;
    const delivered: OutboxEvent[] = [];
    const stop = t.app.bus.on('wallet.deposit.completed', (event) => {
      delivered.push(event);
    });
    try {
      expect(await t.app.relay!.drain()).toBeGreaterThanOrEqual(1);
      const [event] = await outboxOf(paymentId);
      expect(event?.published_at).toBeInstanceOf(Date);
      const mine = delivered.filter((e) => e.payload.id === paymentId);
      expect(mine).toHaveLength(1);

      const received = (await messages()).filter((m: any) => m.body.startsWith('12.34 EUR'));
      expect(received).toEqual([
        {
          id: expect.any(String),
          kind: 'wallet.deposit.completed',
          title: 'Deposit received',
          body: '12.34 EUR added to your balance.',
          createdAt: expect.any(String),
        },
      ]);

      // Neither draining again nor a redelivery of the same event creates a second message.
      const before = await messages();
      expect(await t.app.relay!.drain()).toBe(0);
      await t.app.bus.publish(mine);
      await t.app.bus.publish(mine);
      expect(await messages()).toEqual(before);
      // Once per durable consumer (AML rules, player messages, notifications, promotions).
      const handled = await t.db.query<{ consumer: string; n: number }>(
        `SELECT consumer, count(*)::int AS n FROM platform.processed_events WHERE event_id = $1
         GROUP BY consumer ORDER BY consumer`,
        [mine[0]!.id],
      );
      expect(handled).toEqual([
        { consumer: 'aml.rules', n: 1 },
        { consumer: 'notifications.mail', n: 1 },
        { consumer: 'notifications.player-messages', n: 1 },
        { consumer: 'promotions.deposit-bonus', n: 1 },
      ]);
    } finally {
      stop();
    }
  });

  it('tells the player about a withdrawal the provider refused and the money returned', async () => {
    await t.deposit(player, 5000n);
    psp.behaviour.payout = 'fail';
    const response = await postWithdrawal(t, player, '700');
    psp.reset();
    expect(response.body.status).toBe('failed');
    expect((await outboxOf(response.body.id)).map((e) => e.type)).toEqual([
      'wallet.withdrawal.failed',
    ]);
    await t.app.relay!.drain();
    const [latest] = await messages();
    expect(latest).toMatchObject({
      kind: 'wallet.withdrawal.failed',
      title: 'Withdrawal failed',
      body: '7.00 EUR was returned to your balance.',
    });
  });

  it('writes no event for a refused withdrawal', async () => {
    const [before] = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM platform.outbox',
    );
    const response = await postWithdrawal(t, player, '999999999');
    expect(response.status).toBe(422);
    const [after] = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM platform.outbox',
    );
    expect(after?.n).toBe(before?.n);
  });
});
