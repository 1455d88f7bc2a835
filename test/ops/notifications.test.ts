// The notifications worker end to end against a real SMTP server on 127.0.0.1: outbox events
// become mail in the player's language, sent once per event and channel, retried with back-off
// while the server says "try later", dead-lettered when it refuses for good or the attempts run
// out — and neither a refusing server nor a poison event ever holds up the outbox relay.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  backoffSeconds,
  listMail,
  requeueDeadLetters,
} from '../../src/modules/notifications/index.ts';
import { emit } from '../../src/platform/events/outbox.ts';
import { type Player, startTestApp, type TestApp } from '../support/app.ts';
import { staffSession } from '../support/identity-helpers.ts';
import { startSmtp, type TestSmtp } from './support/smtp.ts';

interface DeliveryRow {
  id: bigint;
  event_id: bigint;
  template: string;
  locale: string;
  subject: string | null;
  body: string;
  status: string;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  sent_at: Date | null;
}

describe('notifications over SMTP', () => {
  let smtp: TestSmtp;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await startSmtp();
    t = await startTestApp({
      env: {
        IBET_MAIL_PROVIDER: 'smtp',
        SMTP_URL: smtp.url,
        IBET_MAIL_FROM: 'iBet <no-reply@ibet.example>',
        IBET_NOTIFY_RETRY_SECONDS: '60',
        IBET_NOTIFY_MAX_ATTEMPTS: '4',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });
  beforeEach(() => {
    smtp.failNext(0);
  });

  const dispatch = () => t.app.notifications!.dispatcher.runOnce();
  const deliveriesTo = (address: string) =>
    t.db.query<DeliveryRow>(
      `SELECT id, event_id, template, locale, subject, body, status, attempts, next_attempt_at,
              last_error, sent_at
       FROM notifications.deliveries WHERE recipient = $1 ORDER BY id`,
      [address],
    );
  const mailTo = (address: string) => smtp.received.filter((m) => m.to.includes(address));
  /** Lets the clock "pass" until every pending delivery is due. */
  const timePasses = () =>
    t.db.query(
      `UPDATE notifications.deliveries SET next_attempt_at = now() WHERE status = 'pending'`,
    );

  async function registered(country = 'IE'): Promise<Player> {
    const player = await t.player({ country });
    await t.app.relay!.drain();
    return player;
  }

  it('sends the verification mail of a new player, once, with a message id per event and channel', async () => {
    const player = await registered();
    expect(await dispatch()).toBeGreaterThanOrEqual(1);
    const [mail, ...more] = mailTo(player.email);
    expect(more).toEqual([]);
    expect(mail!.subject).toBe('Confirm your email address');
    expect(mail!.from).toBe('no-reply@ibet.example');
    expect(mail!.body).toContain('Hello Test Player,');
    expect(mail!.body).toMatch(/\/#\/verify-email\?token=[A-Za-z0-9_-]+/);
    const [delivery] = await deliveriesTo(player.email);
    expect(delivery).toMatchObject({ template: 'email_verification', status: 'sent', attempts: 1 });
    expect(mail!.messageId).toBe(`<ibet-${delivery!.event_id}-email@ibet.example>`);
    // The back office's mail log says when it left.
    const [logged] = await listMail(t.db, { to: player.email, limit: 1 });
    expect(logged!.sentAt).toBe(delivery!.sent_at!.toISOString());
    // Nothing left to send: a second pass sends nothing again.
    expect(await dispatch()).toBe(0);
    expect(mailTo(player.email)).toHaveLength(1);
  });

  it('welcomes a player once their address is confirmed, and only once', async () => {
    const player = await registered();
    await dispatch();
    const token = /verify-email\?token=([A-Za-z0-9_-]+)/.exec(mailTo(player.email)[0]!.body)![1]!;
    expect((await t.api.post('/api/v1/auth/verify-email', { token })).status).toBe(204);
    await t.app.relay!.drain();
    await dispatch();
    const welcome = mailTo(player.email).filter((m) => m.subject === 'Welcome to iBet');
    expect(welcome).toHaveLength(1);
    expect(welcome[0]!.body).toContain('Hello Test Player,');
    // The link is spent; a second confirmation is refused and welcomes nobody again.
    expect((await t.api.post('/api/v1/auth/verify-email', { token })).body.code).toBe(
      'link_invalid',
    );
    await t.app.relay!.drain();
    await dispatch();
    expect(mailTo(player.email).filter((m) => m.subject === 'Welcome to iBet')).toHaveLength(1);
  });

  it('retries with growing back-off while the server answers 451, then delivers exactly once', async () => {
    smtp.failNext(2);
    const player = await registered();
    const started = Date.now();
    await dispatch();
    let [row] = await deliveriesTo(player.email);
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row!.last_error).toMatch(/451/);
    // First retry after 30–60 s (IBET_NOTIFY_RETRY_SECONDS=60, halved at most by jitter).
    const firstDelay = (row!.next_attempt_at.getTime() - started) / 1000;
    expect(firstDelay).toBeGreaterThanOrEqual(29);
    expect(firstDelay).toBeLessThanOrEqual(62);
    // Not due yet: the worker leaves it alone.
    expect(await dispatch()).toBe(0);

    await timePasses();
    const second = Date.now();
    await dispatch();
    [row] = await deliveriesTo(player.email);
    expect(row).toMatchObject({ status: 'pending', attempts: 2 });
    const secondDelay = (row!.next_attempt_at.getTime() - second) / 1000;
    expect(secondDelay).toBeGreaterThanOrEqual(59); // 60–120 s: doubled
    expect(secondDelay).toBeLessThanOrEqual(122);

    await timePasses();
    await dispatch();
    [row] = await deliveriesTo(player.email);
    expect(row).toMatchObject({ status: 'sent', attempts: 3, last_error: null });
    expect(mailTo(player.email)).toHaveLength(1);
  });

  it('dead-letters mail the server refuses for good (550) without holding up other mail, and requeues it', async () => {
    const refused = await registered();
    const fine = await registered();
    smtp.refuse(refused.email);
    await dispatch();
    expect(mailTo(fine.email)).toHaveLength(1);
    expect(mailTo(refused.email)).toHaveLength(0);
    // The batch's sent mail is recorded as sent (the mail log shows when), the other
    // left dead: a batch's outcomes are written together.
    const [delivered] = await deliveriesTo(fine.email);
    expect(delivered).toMatchObject({ status: 'sent', attempts: 1 });
    const [logged] = await listMail(t.db, { to: fine.email, limit: 1 });
    expect(logged!.sentAt).toBe(delivered!.sent_at!.toISOString());
    expect((await listMail(t.db, { to: refused.email, limit: 1 }))[0]!.sentAt).toBeNull();
    const [dead] = await deliveriesTo(refused.email);
    expect(dead).toMatchObject({ status: 'dead', attempts: 1 });
    expect(dead!.last_error).toMatch(/550/);

    // The dead-letter list in the back office.
    const admin = await staffSession(t.db, t.api, ['admin']);
    const list = await t.api.get('/api/v1/admin/notifications?status=dead&limit=100', {
      token: admin.token,
    });
    expect(list.status).toBe(200);
    expect(list.body.items).toContainEqual(
      expect.objectContaining({
        id: dead!.id.toString(),
        recipient: refused.email,
        status: 'dead',
        template: 'email_verification',
        lastError: expect.stringMatching(/550/),
      }),
    );
    const support = await staffSession(t.db, t.api, ['support']);
    expect((await t.api.get('/api/v1/admin/notifications', { token: support.token })).status).toBe(
      403,
    );

    // The mailbox exists now: the operator requeues the letter and it goes.
    smtp.accept(refused.email);
    expect(await requeueDeadLetters(t.db, { id: dead!.id.toString() })).toBe(1);
    await dispatch();
    expect(mailTo(refused.email)).toHaveLength(1);
    const [sent] = await deliveriesTo(refused.email);
    expect(sent).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('dead-letters mail once the attempts run out (IBET_NOTIFY_MAX_ATTEMPTS)', async () => {
    smtp.failNext(100);
    const player = await registered();
    for (let attempt = 1; attempt <= 4; attempt++) {
      await timePasses();
      await dispatch();
    }
    const [row] = await deliveriesTo(player.email);
    expect(row).toMatchObject({ status: 'dead', attempts: 4 });
    expect(mailTo(player.email)).toHaveLength(0);
    smtp.failNext(0);
  });

  it('sends a backlog of several batches oldest first, while mail not yet due waits behind it', async () => {
    const base = 9_000_000_000; // event ids of no outbox event: the rows alone make the queue
    // 120 mails queued over the last two minutes (more than two batches of 50) and, queued
    // before them, one whose retry is due only in an hour.
    await t.db.query(
      `INSERT INTO notifications.deliveries
         (event_id, event_type, channel, template, locale, recipient, subject, body, next_attempt_at, created_at)
       SELECT $1::bigint + g, 'test.backlog', 'email', 'welcome', 'en', 'backlog-' || g || '@example.com',
              'Backlog ' || g, 'Mail ' || g, now() - make_interval(secs => 121 - g), now() - interval '3 minutes'
       FROM generate_series(1, 120) g
       UNION ALL
       SELECT $1::bigint, 'test.backlog', 'email', 'welcome', 'en', 'backlog-later@example.com',
              'Later', 'Later', now() + interval '1 hour', now() - interval '4 minutes'`,
      [base],
    );
    expect(await dispatch()).toBe(120);
    const rows = await t.db.query<{ event_id: bigint; status: string; attempts: number }>(
      `SELECT event_id, status, attempts FROM notifications.deliveries
       WHERE event_type = 'test.backlog' ORDER BY event_id`,
    );
    expect(rows[0]).toMatchObject({ event_id: BigInt(base), status: 'pending', attempts: 0 });
    expect(rows.slice(1).every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    const sent = smtp.received.filter((m) => m.to.some((to) => to.startsWith('backlog-')));
    expect(sent).toHaveLength(120);
    // Batch by batch in queue order: mail 1–50 went out before any of 51–120.
    const batchOf = (m: (typeof sent)[number]) =>
      Math.ceil(Number(/backlog-(\d+)@/.exec(m.to.join())![1]) / 50);
    expect(sent.map(batchOf)).toEqual([...sent.map(batchOf)].sort());
  });

  it('queues one message per event and channel however often the event is delivered, and a resend after a crash reuses its Message-ID', async () => {
    const player = await registered();
    const [queued] = await deliveriesTo(player.email);
    const [event] = await t.db.query<{
      id: bigint;
      type: string;
      aggregate_id: string;
      payload: any;
      created_at: Date;
    }>('SELECT id, type, aggregate_id, payload, created_at FROM platform.outbox WHERE id = $1', [
      queued!.event_id,
    ]);
    const redelivered = {
      id: event!.id,
      type: event!.type,
      aggregateId: event!.aggregate_id,
      payload: event!.payload,
      createdAt: event!.created_at,
    };
    // At-least-once delivery: the consumer sees the same event again.
    for (let i = 0; i < 3; i++)
      await t.db.transaction((tx) => t.app.notifications!.consumer.handle(tx, redelivered));
    expect(await deliveriesTo(player.email)).toHaveLength(1);

    await dispatch();
    // The worker died after the server accepted the mail, before it recorded that.
    await t.db.query(
      `UPDATE notifications.deliveries SET status = 'pending', sent_at = NULL, attempts = 1 WHERE id = $1`,
      [queued!.id],
    );
    await dispatch();
    const copies = mailTo(player.email);
    expect(copies).toHaveLength(2);
    expect(copies[1]!.messageId).toBe(copies[0]!.messageId); // the receiver can drop the copy
  });

  it('dead-letters a poison event and the relay goes on with the events behind it', async () => {
    await t.app.relay!.drain();
    const player = await t.player();
    await t.db.transaction((tx) =>
      emit(
        tx,
        { type: 'wallet.deposit.completed', aggregateId: 'x', payload: { ownerId: 'not-an-id' } },
        {
          type: 'wallet.deposit.completed',
          aggregateId: 'y',
          payload: { ownerId: randomUUID(), amount: '100', currency: 'EUR' },
        },
      ),
    );
    await t.deposit(player, 1234n);
    await expect(t.app.relay!.drain()).resolves.toBeGreaterThanOrEqual(3);
    const poisoned = await t.db.query<{ template: string; status: string; last_error: string }>(
      `SELECT d.template, d.status, d.last_error FROM notifications.deliveries d
       JOIN platform.outbox o ON o.id = d.event_id WHERE o.aggregate_id IN ('x', 'y') ORDER BY d.id`,
    );
    expect(poisoned).toEqual([
      {
        template: 'unrenderable',
        status: 'dead',
        last_error: expect.stringMatching(/bad account id/),
      },
      { template: 'unrenderable', status: 'dead', last_error: expect.stringMatching(/no account/) },
    ]);
    // Unrenderable letters stay dead when the others are requeued: there is nothing to send.
    await requeueDeadLetters(t.db, { all: true });
    const still = await t.db.query<{ status: string }>(
      `SELECT status FROM notifications.deliveries WHERE template = 'unrenderable'`,
    );
    expect(still.map((r) => r.status)).toEqual(['dead', 'dead']);
    // The deposit behind them was composed as usual.
    const receipts = (await deliveriesTo(player.email)).filter(
      (d) => d.template === 'deposit_receipt',
    );
    expect(receipts).toHaveLength(1);
    expect(receipts[0]!.subject).toBe('Deposit received: €12.34');
  });

  it('writes to each player in their language, with amounts formatted for it', async () => {
    const german = await registered('DE');
    const swede = await registered('SE');
    await t.deposit(german, 1234n);
    await t.deposit(swede, 50_000n);
    await t.app.relay!.drain();
    const [gVerify, gReceipt] = await deliveriesTo(german.email);
    expect(gVerify).toMatchObject({ locale: 'de', subject: 'Bestätige deine E-Mail-Adresse' });
    expect(gVerify!.body).toContain('Hallo Test Player,');
    expect(gReceipt!.template).toBe('deposit_receipt');
    expect(gReceipt!.subject).toMatch(/^Einzahlung erhalten: 12,34\s€$/);
    const [sVerify, sReceipt] = await deliveriesTo(swede.email);
    expect(sVerify).toMatchObject({ locale: 'sv', subject: 'Bekräfta din e-postadress' });
    expect(sReceipt!.subject).toMatch(/^Insättning mottagen: 500,00\s€$/);
    await dispatch();
    expect(mailTo(german.email)).toHaveLength(2);
  });

  it('backs off exponentially with jitter, capped at six hours', () => {
    expect(backoffSeconds(1, 30, () => 0)).toBe(15);
    expect(backoffSeconds(1, 30, () => 1)).toBe(30);
    expect(backoffSeconds(3, 30, () => 1)).toBe(120);
    expect(backoffSeconds(30, 30, () => 1)).toBe(6 * 3600);
  });
});
