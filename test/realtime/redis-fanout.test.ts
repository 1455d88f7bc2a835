// Fan-out across processes through the machine's real Redis: one database, an api, a worker
// (the outbox relay) and two realtime gateways, each with its own Redis connections, as they
// run in separate pods. Keys and the channel use a prefix of this file's own.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { ConfigError, loadConfig, type ProcessRole } from '../../src/platform/config.ts';
import type { Db } from '../../src/platform/db/db.ts';
import { createLogger } from '../../src/platform/observability/logger.ts';
import { Api } from '../support/app.ts';
import { createTestDb } from '../support/db.ts';
import { staffSession } from '../support/identity-helpers.ts';
import { assertMoneyInvariants } from '../support/invariants.ts';
import { Client, cleanRedis, listen, REDIS_URL, redisPrefix, sleep } from './support.ts';

describe('realtime fan-out through Redis between processes', () => {
  const prefix = redisPrefix('fanout');
  let db: Db;
  const apps: Partial<Record<'api' | 'worker' | 'a' | 'b', App>> = {};
  let api: Api;
  let trader: string;
  let urls: { a: string; b: string };
  const clients: Client[] = [];

  const start = (role: ProcessRole) =>
    createApp({
      config: loadConfig({
        LOG_LEVEL: 'silent',
        IBET_DATA_DIR: '/nonexistent',
        IBET_SIMULATOR: 'false',
        REDIS_URL,
        IBET_REDIS_PREFIX: prefix,
        IBET_WS_RESUME_BUFFER: '20',
      }),
      db,
      log: createLogger('silent'),
      role,
      background: false,
    });

  beforeAll(async () => {
    db = await createTestDb();
    apps.api = await start('api');
    apps.worker = await start('worker');
    apps.a = await start('realtime');
    apps.b = await start('realtime');
    api = new Api(apps.api);
    trader = (await staffSession(db, api, ['trader', 'admin'])).token;
    urls = { a: await listen(apps.a), b: await listen(apps.b) };
  });
  afterEach(async () => {
    await assertMoneyInvariants(db);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const c of clients) expect(c.invalid).toEqual([]);
    for (const app of Object.values(apps)) await app?.close();
    await db?.close();
    await cleanRedis(prefix);
  });

  const connect = async (url: string) => {
    const client = await Client.connect(url);
    clients.push(client);
    return client;
  };

  let competitionId: string | undefined;
  const newEvent = async () => {
    if (!competitionId) {
      const sport = await api.post(
        '/api/v1/admin/sports',
        { slug: `football-${randomUUID().slice(0, 8)}`, name: 'Football' },
        { token: trader },
      );
      const competition = await api.post(
        '/api/v1/admin/competitions',
        { sportId: sport.body.id, name: 'Redis League' },
        { token: trader },
      );
      competitionId = competition.body.id;
    }
    const response = await api.post(
      '/api/v1/admin/events',
      {
        competitionId,
        name: 'Home v Away',
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        markets: [
          {
            type: 'match_result',
            name: 'Match result',
            selections: [
              { name: 'Home', outcome: 'home', price: '2.10' },
              { name: 'Draw', outcome: 'draw', price: '3.40' },
              { name: 'Away', outcome: 'away', price: '3.25' },
            ],
          },
        ],
      },
      { token: trader },
    );
    expect(response.status).toBe(201);
    await apps.worker!.relay!.drain();
    return response.body;
  };
  const setPrice = async (selectionId: string, price: string) => {
    const response = await api.patch(
      `/api/v1/admin/selections/${selectionId}`,
      { price },
      { token: trader },
    );
    expect(response.status).toBe(200);
  };

  it('mounts the gateway on the realtime role only, and refuses a realtime role without Redis', async () => {
    expect(apps.api!.realtime).toBeUndefined();
    expect(apps.worker!.realtime).toBeUndefined();
    expect(apps.a!.relay).toBeUndefined();
    expect(apps.a!.fanout!.kind).toBe('redis');
    await expect(
      createApp({
        config: loadConfig({ LOG_LEVEL: 'silent', IBET_DATA_DIR: '/nonexistent' }),
        db,
        log: createLogger('silent'),
        role: 'realtime',
        background: false,
      }),
    ).rejects.toThrow(ConfigError);
  });

  it('a price change made through the api reaches the clients of both realtime processes, numbered alike', async () => {
    const event = await newEvent();
    const market = event.markets[0];
    const [onA, onB] = [await connect(urls.a), await connect(urls.b)];
    const subA = await onA.subscribe(`market:${market.id}`);
    const subB = await onB.subscribe(`market:${market.id}`);
    expect(subA.subscribed.epoch).toBe(subB.subscribed.epoch);
    expect(subA.subscribed.seq).toBe(subB.subscribed.seq);

    await setPrice(market.selections[2].id, '3.05');
    await sleep(50);
    expect(onA.on(`market:${market.id}`)).toEqual([]);
    await apps.worker!.relay!.drain();
    const [a] = await onA.until(`market:${market.id}`, 1);
    const [b] = await onB.until(`market:${market.id}`, 1);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ seq: subA.subscribed.seq + 1, type: 'market' });
    expect(a!.prices[market.selections[2].id]).toBe('3.05');
  });

  it('a client that reconnects to the other process resumes there without gaps or duplicates', async () => {
    const event = await newEvent();
    const [home] = event.markets[0].selections;
    const topic = `event:${event.id}`;
    const first = await connect(urls.a);
    const { subscribed } = await first.subscribe(topic);
    await setPrice(home.id, '2.20');
    await apps.worker!.relay!.drain();
    const [seen] = await first.until(topic, 1);
    await first.close();
    for (const price of ['2.30', '2.40']) {
      await setPrice(home.id, price);
      await apps.worker!.relay!.drain();
    }
    const second = await connect(urls.b);
    const resumed = await second.subscribe(topic, { epoch: subscribed.epoch, seq: seen!.seq });
    expect(resumed.subscribed.resumed).toBe(true);
    await setPrice(home.id, '2.50');
    await apps.worker!.relay!.drain();
    const got = await second.until(topic, 3);
    await sleep(50);
    expect(second.on(topic).map((m) => [m.seq, m.prices[home.id]])).toEqual([
      [seen!.seq + 1, '2.30'],
      [seen!.seq + 2, '2.40'],
      [seen!.seq + 3, '2.50'],
    ]);
    void got;
  });

  it('publishes a redelivered event once, and drops a state older than the one already published', async () => {
    const event = await newEvent();
    const market = event.markets[0];
    const topic = `market:${market.id}`;
    const client = await connect(urls.b);
    const { subscribed } = await client.subscribe(topic);
    const message = (version: bigint, price: string) => ({
      key: `market:${market.id}`,
      version,
      at: Date.now(),
      topics: [{ name: topic, label: topic }],
      body: `"type":"market","id":"${market.id}","event":"${event.id}","status":"open","prices":{"${market.selections[0].id}":"${price}"}`,
    });
    const fanout = apps.worker!.fanout!;
    const high = 10n ** 12n;
    expect(await fanout.publish([message(high + 2n, '4.00')])).toBe(1);
    expect(await fanout.publish([message(high + 2n, '4.00')])).toBe(0); // redelivery
    expect(await fanout.publish([message(high + 1n, '3.00')])).toBe(0); // late, older
    expect(await fanout.publish([message(high + 3n, '5.00')])).toBe(1);
    await client.until(topic, 2);
    await sleep(50);
    expect(client.on(topic).map((m) => [m.seq, m.prices[market.selections[0].id]])).toEqual([
      [subscribed.seq + 1, '4.00'],
      [subscribed.seq + 2, '5.00'],
    ]);
  });

  it('after its Redis subscription is cut and comes back, a realtime process delivers what it missed', async () => {
    const event = await newEvent();
    const [home] = event.markets[0].selections;
    const topic = `event:${event.id}`;
    const client = await connect(urls.a);
    const { subscribed } = await client.subscribe(topic);
    await setPrice(home.id, '2.60');
    await apps.worker!.relay!.drain();
    await client.until(topic, 1);

    // Cut gateway A's subscriber connection, publish while it is away.
    const admin = new Redis(REDIS_URL);
    const list = (await admin.client('LIST')) as string;
    const subscribers = list
      .split('\n')
      .filter((line) => line.includes(`name=${prefix}-fanout-sub`))
      .map((line) => /id=(\d+)/.exec(line)![1]!);
    expect(subscribers.length).toBe(2); // one per realtime process
    const victim = subscribers[0]!;
    await admin.client('KILL', 'ID', victim);
    for (const price of ['2.70', '2.80']) {
      await setPrice(home.id, price);
      await apps.worker!.relay!.drain();
    }
    admin.disconnect();
    await setPrice(home.id, '2.90');
    await sleep(500); // the killed subscription reconnects (and fills its gap)
    await apps.worker!.relay!.drain();
    const got = await client.until(topic, 4, 10_000);
    await sleep(100);
    expect(client.on(topic).map((m) => m.seq)).toEqual([1, 2, 3, 4].map((i) => subscribed.seq + i));
    expect(got.at(-1)!.prices[home.id]).toBe('2.90');
  });
});
