// The realtime fan-out benchmark (bench/README.md): 5,000 WebSocket clients subscribed to
// one event while its price changes 20 times a second, through the whole path — a commit
// (catalog setPrice), the outbox relay in a worker process, Redis, a realtime process —
// compared in the same run with a bare `ws` broadcast of the same messages at the same rate.
//
//   npm run bench:realtime -- [--clients 5000] [--rate 20] [--seconds 15] [--warmup 3]
//
// Needs the machine's PostgreSQL (PG_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres)
// and Redis (REDIS_URL, default redis://127.0.0.1:6379/0). Everything listens on 127.0.0.1.
// The server under test is pinned to CPU 0 and the clients to CPU 1 when taskset exists.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createCompetition, createEvent, createSport } from '../../src/modules/catalog/index.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { openPostgres } from '../../src/platform/db/postgres.ts';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '5000' },
    rate: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
  },
});
const CLIENTS = Number(values.clients);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const PG_ADMIN_URL = process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const ROOT = new URL('../../', import.meta.url).pathname;
const HERE = new URL('./', import.meta.url).pathname;
const PIN = spawnSync('taskset', ['-V']).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const children: ChildProcess[] = [];
function start(
  file: string,
  args: string[],
  env: Record<string, string>,
  cpu?: number,
): ChildProcess {
  const command = [process.execPath, '--import', 'tsx', file, ...args];
  const [bin, ...rest] =
    PIN && cpu !== undefined ? ['taskset', '-c', String(cpu), ...command] : command;
  const child = spawn(bin!, rest, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    // The servers' start-up banners are not wanted here; their errors are.
    stdio: ['ignore', file === 'src/main.ts' ? 'ignore' : 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return child;
}

function next<T = Record<string, unknown>>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if ((m as { type?: string } | null)?.type !== type) return;
      child.off('message', onMessage);
      resolve(m as T);
    };
    child.on('message', onMessage);
    child.once('exit', (code) =>
      reject(new Error(`${child.spawnargs.join(' ')} exited (${code}) waiting for ${type}`)),
    );
  });
}

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
// (Under `taskset` the pid is node's own: taskset execs it.)

/** Quantiles from a Prometheus histogram's cumulative buckets (upper bounds, in ms). */
async function histogram(port: number, name: string): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const buckets: [number, number][] = [];
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)`).exec(line);
    if (match)
      buckets.push([match[1] === '+Inf' ? Infinity : Number(match[1]) * 1000, Number(match[2])]);
  }
  const total = buckets.at(-1)?.[1] ?? 0;
  const q = (p: number) => buckets.find(([, n]) => n >= p * total)?.[0] ?? NaN;
  return `p50 ≤ ${q(0.5)} ms, p99 ≤ ${q(0.99)} ms over ${total} messages`;
}

async function waitReady(port: number) {
  for (let i = 0; i < 300; i++) {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    if (response?.status === 200) return;
    await sleep(200);
  }
  throw new Error(`process on ${port} never became ready`);
}

interface ClientResult {
  received: number;
  frames: number;
  changes: number;
  closed: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

interface Result {
  case: string;
  deliveries: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  changes: number;
  cpu: number;
  closed: number;
  perFrame: number;
}

async function measure(
  name: string,
  clients: ChildProcess,
  source: ChildProcess,
  server: ChildProcess,
): Promise<Result> {
  source.send({ type: 'start', rate: RATE });
  await sleep(WARMUP * 1000);
  const cpu0 = cpuSeconds(server.pid!);
  const t0 = now();
  clients.send({ type: 'start' });
  await sleep(SECONDS * 1000);
  const origins = next<{ origins: Record<string, number> }>(source, 'origins');
  source.send({ type: 'stop' });
  const { origins: table } = await origins;
  const elapsed = (now() - t0) / 1000;
  const cpu = (cpuSeconds(server.pid!) - cpu0) / elapsed;
  // Let the last messages in flight arrive before counting.
  await sleep(500);
  const result = next<ClientResult>(clients, 'result');
  clients.send({ type: 'stop', origins: table });
  const r = await result;
  return {
    case: name,
    deliveries: r.received,
    perSecond: Math.round(r.received / elapsed),
    p50: r.p50,
    p95: r.p95,
    p99: r.p99,
    max: r.max,
    changes: r.changes,
    cpu: Math.round(cpu * 100),
    closed: r.closed,
    perFrame: r.received / Math.max(1, r.frames),
  };
}

const dbName = `ibet_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
const prefix = `ibet-bench-${randomBytes(3).toString('hex')}`;
const admin = new pg.Pool({ connectionString: PG_ADMIN_URL, max: 1 });

async function cleanup() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
  await admin.end();
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = nextCursor;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

async function main() {
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  const db = await openPostgres({ url: databaseUrl, poolSize: 2 });
  await migrate(db);
  const event = await db.transaction(async (tx) => {
    const sport = await createSport(tx, { slug: 'football', name: 'Football' });
    const competition = await createCompetition(tx, { sportId: sport.id, name: 'Bench League' });
    return createEvent(tx, {
      competitionId: competition.id,
      name: 'Bench United v Load City',
      home: 'Bench United',
      away: 'Load City',
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      markets: [
        {
          type: 'match_result',
          name: 'Match result',
          selections: [
            { name: 'Bench United', outcome: 'home', price: 2100 },
            { name: 'Draw', outcome: 'draw', price: 3400 },
            { name: 'Load City', outcome: 'away', price: 3250 },
          ],
        },
      ],
    });
  });
  await db.close();
  const market = event.markets[0]!;
  const selection = market.selections[0]!.id;
  const common = { BENCH_SELECTION: selection, BENCH_CLIENTS: String(CLIENTS) };
  process.stdout.write(
    `realtime fan-out: ${CLIENTS} clients, ${RATE} changes/s, ${SECONDS} s measured after ${WARMUP} s` +
      `${PIN ? ' (server on CPU 0, clients on CPU 1)' : ''}\n`,
  );

  // 1. The bare broadcast.
  const barePort = await freePort();
  const bare = start(
    `${HERE}bare-server.ts`,
    [],
    {
      ...common,
      BENCH_PORT: String(barePort),
      BENCH_MARKET: market.id,
      BENCH_EVENT: event.id,
    },
    0,
  );
  await next(bare, 'listening');
  const bareClients = start(
    `${HERE}clients.ts`,
    [],
    { ...common, BENCH_URL: `ws://127.0.0.1:${barePort}` },
    1,
  );
  await next(bareClients, 'ready');
  const bareResult = await measure('bare ws broadcast', bareClients, bare, bare);
  await sleep(500);

  // 2. iBet: writer → PostgreSQL → worker (outbox relay) → Redis → realtime → clients.
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    IBET_REDIS_PREFIX: prefix,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    IBET_SIMULATOR: 'false',
    IBET_DEMO: 'false',
    IBET_DATABASE_POOL_SIZE: '4',
    IBET_WS_MAX_CONNECTIONS: String(CLIENTS + 1000),
    IBET_WS_IDLE_SECONDS: '3600',
  };
  const realtimePort = await freePort();
  const workerPort = await freePort();
  const realtime = start(
    'src/main.ts',
    ['serve', '--role', 'realtime'],
    { ...env, PORT: String(realtimePort) },
    0,
  );
  start('src/main.ts', ['serve', '--role', 'worker'], { ...env, PORT: String(workerPort) });
  await Promise.all([waitReady(realtimePort), waitReady(workerPort)]);
  const clients = start(
    `${HERE}clients.ts`,
    [],
    {
      ...common,
      BENCH_URL: `ws://127.0.0.1:${realtimePort}/ws`,
      BENCH_TOPIC: `event:${event.id}`,
    },
    1,
  );
  await next(clients, 'ready');
  const writer = start(`${HERE}writer.ts`, [], { ...common, DATABASE_URL: databaseUrl });
  await next(writer, 'ready');
  const ibetResult = await measure('iBet (commit → client)', clients, writer, realtime);
  const pushed = await histogram(realtimePort, 'ibet_realtime_commit_to_push_seconds');

  const rows = [bareResult, ibetResult];
  const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
  process.stdout.write(
    [
      '',
      '| case | deliveries/s | p50 ms | p95 ms | p99 ms | max ms | server CPU | messages/frame | changes seen | clients dropped |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows.map(
        (r) =>
          `| ${r.case} | ${r.perSecond.toLocaleString('en')} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.cpu}% | ${r.perFrame.toFixed(2)} | ${r.changes} | ${r.closed} |`,
      ),
      '',
      `iBet / bare deliveries: ${(ibetResult.perSecond / bareResult.perSecond).toFixed(2)}×` +
        ` (target ≥ 0.8×); iBet p99 ${ms(ibetResult.p99)} ms (target ≤ 100 ms)`,
      `realtime process, change → last socket written (buckets, whole run): ${pushed}`,
      `load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
      '',
    ].join('\n'),
  );
}

main()
  .catch((error) => {
    process.stderr.write(`benchmark failed: ${error instanceof Error ? error.stack : error}\n`);
    process.exitCode = 1;
  })
  .finally(cleanup);
