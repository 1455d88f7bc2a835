// The deployment shape, as separate operating-system processes started with the command
// line: one api, one worker and two realtime processes against one PostgreSQL database and
// the machine's Redis. PostgreSQL only: the embedded database belongs to a single process.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/platform/config.ts';
import type { Db } from '../../src/platform/db/db.ts';
import { openPostgres } from '../../src/platform/db/postgres.ts';
import { createLogger } from '../../src/platform/observability/logger.ts';
import { Api } from '../support/app.ts';
import { databaseUrl, engine, postgresUrl } from '../support/engine.ts';
import { staffSession } from '../support/identity-helpers.ts';
import { Client, cleanRedis, REDIS_URL, redisPrefix, sleep } from './support.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

interface Proc {
  role: string;
  port: number;
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

describe.skipIf(engine !== 'postgres')('realtime across operating-system processes', () => {
  const prefix = redisPrefix('procs');
  const name = `ibet_rt_${process.pid}_${randomBytes(4).toString('hex')}`;
  const procs: Record<string, Proc> = {};
  let db: Db;
  let admin: pg.Client;
  let login: App;
  let trader: string;

  const startProcess = async (role: string, key: string): Promise<Proc> => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', 'serve', '--role', role],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: databaseUrl(postgresUrl!, name),
          HOST: '127.0.0.1',
          PORT: String(port),
          LOG_LEVEL: 'warn',
          REDIS_URL,
          IBET_REDIS_PREFIX: prefix,
          IBET_OUTBOX_POLL_MS: '50',
          IBET_SIMULATOR: 'false',
          IBET_DATABASE_POOL_SIZE: '4',
          IBET_WS_DRAIN_SECONDS: '0',
          IBET_SHUTDOWN_DELAY_SECONDS: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const output: string[] = [];
    child.stdout!.on('data', (d) => output.push(String(d)));
    child.stderr!.on('data', (d) => output.push(String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const proc = { role, port, child, output, exited };
    procs[key] = proc;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${role} exited: ${output.join('')}`);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      if (ready?.status === 200) return proc;
      if (Date.now() > deadline) throw new Error(`${role} not ready: ${output.join('')}`);
      await sleep(200);
    }
  };

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: postgresUrl! });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('template')}`);
    db = await openPostgres({ url: databaseUrl(postgresUrl!, name), poolSize: 2 });
    // Sign a trader in (tokens are signed with keys in the database, valid on every process).
    login = await createApp({
      config: loadConfig({
        LOG_LEVEL: 'silent',
        IBET_DATA_DIR: '/nonexistent',
        IBET_SIMULATOR: 'false',
      }),
      db,
      log: createLogger('silent'),
      role: 'api',
      background: false,
    });
    trader = (await staffSession(db, new Api(login), ['trader', 'admin'])).token;
    await Promise.all([
      startProcess('api', 'api'),
      startProcess('worker', 'worker'),
      startProcess('realtime', 'a'),
      startProcess('realtime', 'b'),
    ]);
  }, 120_000);

  afterAll(async () => {
    for (const proc of Object.values(procs)) proc.child.kill('SIGTERM');
    await Promise.all(Object.values(procs).map((p) => p.exited));
    await login?.close();
    await db?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin?.end();
    await cleanRedis(prefix);
  }, 60_000);

  const http = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`http://127.0.0.1:${procs.api!.port}${path}`, {
      method,
      headers: { authorization: `Bearer ${trader}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  it('a price change made through the api process reaches the clients of both realtime processes', async () => {
    const sport = await http('POST', '/api/v1/admin/sports', {
      slug: 'football',
      name: 'Football',
    });
    const competition = await http('POST', '/api/v1/admin/competitions', {
      sportId: sport.body.id,
      name: 'Process League',
    });
    const event = await http('POST', '/api/v1/admin/events', {
      competitionId: competition.body.id,
      name: 'North v South',
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      markets: [
        {
          type: 'match_result',
          name: 'Match result',
          selections: [
            { name: 'North', outcome: 'home', price: '2.10' },
            { name: 'Draw', outcome: 'draw', price: '3.40' },
            { name: 'South', outcome: 'away', price: '3.25' },
          ],
        },
      ],
    });
    expect(event.status).toBe(201);
    const market = event.body.markets[0];
    const topic = `market:${market.id}`;
    const a = await Client.connect(`ws://127.0.0.1:${procs.a!.port}/ws`);
    const b = await Client.connect(`ws://127.0.0.1:${procs.b!.port}/ws`);
    const [subA, subB] = [await a.subscribe(topic), await b.subscribe(topic)];
    expect(subA.subscribed.seq).toBe(subB.subscribed.seq);

    const changed = await http('PATCH', `/api/v1/admin/selections/${market.selections[0].id}`, {
      price: '1.95',
    });
    expect(changed.status).toBe(200);
    // The worker's relay wakes on the commit, publishes through Redis; both gateways push.
    const [onA] = await a.until(topic, 1);
    const [onB] = await b.until(topic, 1);
    expect(onA).toEqual(onB);
    expect(onA!.prices[market.selections[0].id]).toBe('1.95');
    expect([a.invalid, b.invalid]).toEqual([[], []]);

    // SIGTERM on one realtime process: its clients are told to reconnect, and go to the other.
    procs.a!.child.kill('SIGTERM');
    expect(await a.next((m) => m.type === 'reconnect')).toMatchObject({ reason: 'draining' });
    expect((await a.closed).code).toBe(1001);
    expect(await procs.a!.exited).toBe(0);
    const again = await Client.connect(`ws://127.0.0.1:${procs.b!.port}/ws`);
    const resumed = await again.subscribe(topic, {
      epoch: subA.subscribed.epoch,
      seq: onA!.seq,
    });
    expect(resumed.subscribed.resumed).toBe(true);
    await Promise.all([b.close(), again.close()]);
  }, 60_000);
});
