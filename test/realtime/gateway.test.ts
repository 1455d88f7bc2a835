// The WebSocket gateway with real `ws` clients, in one process (role all, in-process fan-out):
// topics, snapshots, private `me`, bad input, limits, resume, slow consumers, heartbeats,
// idle connections and the drain on shutdown. The relay is driven by hand, so a test sees
// exactly when a committed change is published.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE, MAX_CLIENT_FRAME } from '../../src/modules/realtime/index.ts';
import { startTestApp, type TestApp, useTestApp } from '../support/app.ts';
import { legOn, placedBet, resultMarket } from '../support/betting-helpers.ts';
import { Client, listen, sleep } from './support.ts';

const ENV = {
  IBET_SIMULATOR: 'false',
  IBET_WS_MAX_SUBSCRIPTIONS: '5',
  IBET_WS_MESSAGES_PER_SECOND: '10',
  IBET_WS_RESUME_BUFFER: '5',
};

describe('the realtime gateway', () => {
  const t = useTestApp({ env: ENV });
  let url: string;
  const clients: Client[] = [];
  const connect = async (options?: { token?: string; autoPong?: boolean }) => {
    const client = await Client.connect(url, options);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    url = await listen(t.app);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const c of clients)
      expect(c.invalid, 'messages outside the documented schema').toEqual([]);
  });

  const setPrice = async (selectionId: string, price: string) => {
    const trader = await t.trader();
    const response = await t.api.patch(
      `/api/v1/admin/selections/${selectionId}`,
      { price },
      { token: trader.token },
    );
    expect(response.status).toBe(200);
  };

  it('pushes a price change to the market, event and sport topics only after it commits and the relay publishes it', async () => {
    const event = await t.event();
    const market = event.markets[0];
    await t.app.relay!.drain();
    const client = await connect();
    const subs = {
      market: await client.subscribe(`market:${market.id}`),
      event: await client.subscribe(`event:${event.id}`),
      sport: await client.subscribe(`sport:${event.sport.id}`),
    };
    expect(subs.market.snapshot!.data).toMatchObject({ id: market.id, status: 'open' });
    expect(subs.event.snapshot!.data).toMatchObject({ id: event.id, score: null, clock: null });
    expect(subs.sport.snapshot!.data.events.map((e: any) => e.id)).toContain(event.id);

    await setPrice(market.selections[0].id, '2.55');
    await sleep(50);
    expect(client.on(`market:${market.id}`)).toEqual([]); // committed, not yet published

    await t.app.relay!.drain();
    const [onMarket] = await client.until(`market:${market.id}`, 1);
    const [onEvent] = await client.until(`event:${event.id}`, 1);
    const [onSport] = await client.until(`sport:${event.sport.id}`, 1);
    for (const [message, sub] of [
      [onMarket, subs.market],
      [onEvent, subs.event],
      [onSport, subs.sport],
    ] as const) {
      expect(message).toMatchObject({
        type: 'market',
        id: market.id,
        event: event.id,
        status: 'open',
        seq: sub.subscribed.seq + 1,
      });
      expect(message.prices[market.selections[0].id]).toBe('2.55');
    }
  });

  it('pushes my bets and balance to me and to nobody else', async () => {
    const event = await t.event();
    const [alice, bob] = [await t.player(), await t.player()];
    await t.deposit(alice, 5000n);
    await t.app.relay!.drain();
    const a = await connect();
    const b = await connect({ token: bob.token });
    expect((await a.request({ op: 'auth', token: alice.token })).type).toBe('authenticated');
    const me = await a.subscribe('me');
    expect(me.snapshot!.data.wallet).toMatchObject({ balance: '5000', currency: 'EUR' });
    await b.subscribe('me');

    const bet = await placedBet(t, alice, {
      stake: '700',
      legs: [legOn(event.markets[0].selections[0])],
    });
    await t.app.relay!.drain();
    const messages = await a.until('me', 2);
    expect(messages).toEqual([
      expect.objectContaining({
        type: 'bet',
        id: bet.id,
        status: 'open',
        stake: '700',
        seq: me.subscribed.seq + 1,
      }),
      expect.objectContaining({
        type: 'balance',
        balance: '4300',
        currency: 'EUR',
        seq: me.subscribed.seq + 2,
      }),
    ]);
    await sleep(50);
    expect(b.on('me')).toEqual([]);

    // Settled: the bet's new state and the balance with the winnings.
    await resultMarket(t, event.markets[0].id, { winners: [event.markets[0].selections[0].id] });
    await t.app.relay!.drain();
    const settled = await a.until('me', 4);
    expect(settled.slice(2)).toEqual([
      expect.objectContaining({ type: 'bet', id: bet.id, status: 'won', payout: '1470' }),
      expect.objectContaining({ type: 'balance', balance: String(4300 + 1470) }),
    ]);
    expect(b.on('me')).toEqual([]);
  });

  it("refuses `me` without a token and another player's topic, with an error frame; the connection goes on", async () => {
    const [alice, bob] = [await t.player(), await t.player()];
    const anonymous = await connect();
    expect(await anonymous.request({ op: 'subscribe', topic: 'me' })).toMatchObject({
      type: 'error',
      code: 'unauthenticated',
    });
    const a = await connect({ token: alice.token });
    expect(await a.request({ op: 'subscribe', topic: `player:${bob.id}` })).toMatchObject({
      type: 'error',
      code: 'forbidden',
    });
    expect((await a.request({ op: 'ping' })).type).toBe('pong');
    expect(await a.request({ op: 'auth', token: bob.token })).toMatchObject({
      code: 'account_mismatch',
    });
    expect(await anonymous.request({ op: 'auth', token: 'not.a.token' })).toMatchObject({
      type: 'error',
      code: 'token_invalid',
    });
  });

  it('answers bad input with a clear error frame and keeps the connection', async () => {
    const client = await connect();
    client.send('{not json');
    expect(await client.next((m) => m.type === 'error')).toMatchObject({ code: 'invalid_json' });
    expect(await client.request({ op: 'dance' })).toMatchObject({ code: 'invalid_message' });
    expect(await client.request({ op: 'subscribe', topic: 'market:1', extra: true })).toMatchObject(
      {
        code: 'invalid_message',
      },
    );
    expect(await client.request({ op: 'subscribe', topic: 'casino:42' })).toMatchObject({
      code: 'unknown_topic',
    });
    expect(await client.request({ op: 'subscribe', topic: 'market:42' })).toMatchObject({
      code: 'invalid_topic',
    });
    expect(await client.request({ op: 'subscribe', topic: `event:${randomUUID()}` })).toMatchObject(
      {
        code: 'topic_not_found',
      },
    );
    expect(
      await client.request({ op: 'unsubscribe', topic: `event:${randomUUID()}` }),
    ).toMatchObject({
      code: 'not_subscribed',
    });
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await client.next((m) => m.type === 'error')).toMatchObject({ code: 'invalid_message' });
    expect((await client.request({ op: 'ping' })).type).toBe('pong');
  });

  it('closes a connection that sends an oversized frame with 1009, and other clients are unaffected', async () => {
    const event = await t.event();
    const bystander = await connect();
    await bystander.subscribe(`event:${event.id}`);
    const client = await connect();
    client.send(JSON.stringify({ op: 'ping', id: 'x'.repeat(MAX_CLIENT_FRAME) }));
    expect((await client.closed).code).toBe(CLOSE.tooBig);
    await setPrice(event.markets[0].selections[1].id, '3.90');
    await t.app.relay!.drain();
    await bystander.until(`event:${event.id}`, 1);
  });

  it('limits subscriptions per connection', async () => {
    const client = await connect();
    const events = [];
    for (let i = 0; i < 6; i++) events.push(await t.event());
    for (const event of events.slice(0, 5)) {
      expect((await client.subscribe(`event:${event.id}`)).subscribed.type).toBe('subscribed');
    }
    expect(await client.request({ op: 'subscribe', topic: `event:${events[5].id}` })).toMatchObject(
      {
        code: 'too_many_subscriptions',
      },
    );
    expect(await client.request({ op: 'subscribe', topic: `event:${events[0].id}` })).toMatchObject(
      {
        code: 'already_subscribed',
      },
    );
    expect(
      await client.request({ op: 'unsubscribe', topic: `event:${events[0].id}` }),
    ).toMatchObject({
      type: 'unsubscribed',
    });
    expect((await client.subscribe(`event:${events[5].id}`)).subscribed.type).toBe('subscribed');
  });

  it('answers a flood with rate_limited errors, then closes it with 4029, without touching others', async () => {
    const bystander = await connect();
    const flooder = await connect();
    for (let i = 0; i < 200; i++)
      flooder.send({ op: 'subscribe', topic: `market:${randomUUID()}` });
    const closed = await flooder.closed;
    expect(closed.code).toBe(CLOSE.rateLimited);
    const errors = flooder.received.filter((m) => m.code === 'rate_limited');
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeLessThan(5); // at most one a second
    expect((await bystander.request({ op: 'ping' })).type).toBe('pong');
  });

  it('resumes after a disconnect with exactly the messages missed, and gives a snapshot when too much was missed', async () => {
    const event = await t.event();
    const [home, draw] = event.markets[0].selections;
    await t.app.relay!.drain();
    const first = await connect();
    const { subscribed } = await first.subscribe(`event:${event.id}`);
    await setPrice(home.id, '2.01');
    await t.app.relay!.drain();
    const [seen] = await first.until(`event:${event.id}`, 1);
    await first.close();

    // Missed while away: three changes (the buffer keeps five).
    for (const price of ['2.02', '2.03', '2.04']) {
      await setPrice(home.id, price);
      await t.app.relay!.drain();
    }
    const second = await connect();
    const resumed = await second.subscribe(`event:${event.id}`, {
      epoch: subscribed.epoch,
      seq: seen.seq,
    });
    expect(resumed.subscribed).toMatchObject({ resumed: true, seq: seen.seq });
    await setPrice(draw.id, '3.33');
    await t.app.relay!.drain();
    const got = await second.until(`event:${event.id}`, 4);
    expect(got.map((m) => m.seq)).toEqual([seen.seq + 1, seen.seq + 2, seen.seq + 3, seen.seq + 4]);
    expect(got.map((m) => m.prices[home.id])).toEqual(['2.02', '2.03', '2.04', '2.04']);
    expect(got[3].prices[draw.id]).toBe('3.33');
    expect(second.received.filter((m) => m.type === 'snapshot')).toEqual([]);

    // Away for longer than the buffer: a snapshot instead, then live messages go on.
    const last = got[3].seq;
    await second.close();
    for (let i = 0; i < 7; i++) {
      await setPrice(home.id, `2.${10 + i}`);
      await t.app.relay!.drain();
    }
    const third = await connect();
    const fresh = await third.subscribe(`event:${event.id}`, {
      epoch: subscribed.epoch,
      seq: last,
    });
    expect(fresh.subscribed).toMatchObject({ resumed: false, seq: last + 7 });
    expect(fresh.snapshot!.data.markets[0].selections[0].price).toBe('2.16');
    // An epoch from elsewhere is not trusted either.
    const fourth = await connect();
    const other = await fourth.subscribe(`event:${event.id}`, { epoch: 'x', seq: 1 });
    expect(other.subscribed.resumed).toBe(false);
  });

  it('sends each message once and in order to subscribers that joined while changes were being published', async () => {
    const event = await t.event();
    const [home] = event.markets[0].selections;
    await t.app.relay!.drain();
    const topic = `event:${event.id}`;
    const joiners: Promise<Client>[] = [];
    for (let i = 0; i < 8; i++) {
      await setPrice(home.id, `2.${20 + i}`);
      const relay = t.app.relay!.drain();
      joiners.push(
        connect().then(async (c) => {
          await c.subscribe(topic);
          return c;
        }),
      );
      await relay;
    }
    const all = await Promise.all(joiners);
    await setPrice(home.id, '2.99');
    await t.app.relay!.drain();
    await sleep(100);
    const last = Math.max(...all.map((c) => c.on(topic).at(-1)!.seq));
    for (const client of all) {
      // From its snapshot's sequence number on, every message once, in order, to the last.
      const start = client.received.find((m) => m.type === 'subscribed')!.seq;
      const seqs = client.on(topic).map((m) => m.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => start + 1 + i));
      expect(seqs.at(-1)).toBe(last);
      expect(client.on(topic).at(-1)!.prices[home.id]).toBe('2.99');
    }
  });
});

describe('slow consumers, heartbeats, idle connections and the drain', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        IBET_SIMULATOR: 'false',
        IBET_WS_MAX_BUFFER: '65536',
        IBET_WS_HEARTBEAT_SECONDS: '1',
        IBET_WS_IDLE_SECONDS: '1',
        IBET_WS_DRAIN_SECONDS: '0',
      },
    });
    url = await listen(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('drops a client that does not read fast enough with close code 4008, and goes on serving the others', async () => {
    const event = await t.event();
    const topic = `event:${event.id}`;
    const slow = await Client.connect(url);
    const fast = await Client.connect(url);
    await slow.subscribe(topic);
    await fast.subscribe(topic);
    // The slow client stops reading; its kernel buffers fill, then the server's.
    (slow.ws as any)._socket.pause();
    const body = `"type":"market","id":"${event.markets[0].id}","event":"${event.id}","status":"open","prices":{"p":"${'9'.repeat(4000)}"}`;
    for (let i = 1; i <= 3000; i++) {
      await t.app.fanout!.publish([
        {
          key: `test:${i}`,
          version: 1n,
          at: Date.now(),
          topics: [{ name: topic, label: topic }],
          body,
        },
      ]);
      if (i % 100 === 0) await sleep(5);
    }
    await fast.until(topic, 3000, 20_000);
    (slow.ws as any)._socket.resume();
    const closed = await slow.closed;
    expect(closed.code).toBe(CLOSE.slowConsumer);
    expect(slow.on(topic).length).toBeLessThan(3000);
    const metrics = await t.app.metrics.registry.getSingleMetricAsString(
      'ibet_realtime_connections_closed_total',
    );
    expect(metrics).toContain('reason="slow_consumer"} 1');
    await fast.close();
  }, 60_000);

  it('closes a connection without subscriptions after the idle timeout (4000)', async () => {
    const idle = await Client.connect(url);
    const closed = await idle.closed;
    expect(closed.code).toBe(CLOSE.idle);
  });

  it('drops a client that stops answering pings', async () => {
    const event = await t.event();
    const deaf = await Client.connect(url, { autoPong: false });
    await deaf.subscribe(`event:${event.id}`);
    const closed = await deaf.closed;
    expect(closed.code).toBe(1006); // terminated: nobody was there to read a close frame
  });

  it('on shutdown tells every client to reconnect elsewhere and closes it with 1001; new connections get 503', async () => {
    const event = await t.event();
    const clients = [await Client.connect(url), await Client.connect(url)];
    for (const c of clients) await c.subscribe(`event:${event.id}`);
    t.app.beginShutdown();
    await expect(Client.connect(url)).rejects.toThrow('503');
    const ready = await t.api.get('/readyz');
    expect(ready.status).toBe(503);
    await t.app.realtime!.close();
    for (const c of clients) {
      expect(await c.next((m) => m.type === 'reconnect')).toMatchObject({ reason: 'draining' });
      expect((await c.closed).code).toBe(CLOSE.goingAway);
    }
  });
});
