// `npm run bench`: iBet's performance on this machine as a ratio to what the machine's own
// PostgreSQL and Node do, in one run (bench/README.md, docs/performance.md).
//
//   npm run bench                          # the default profile: full data, full figures (~10 min)
//   npm run bench -- --profile smoke       # small data, a few seconds per scenario (CI)
//   npm run bench -- --cpu-prof            # also write CPU profiles of the API and worker
//   npm run bench -- --only placement,browse
//   npm run bench -- --profile smoke --seconds 20   # smoke data, longer measurements
//
// A fresh database (ibet_bench_*) on the machine's PostgreSQL (PG_ADMIN_URL), dropped at the
// end; iBet started as real processes (`serve --role api|worker`) on 127.0.0.1; load from a
// separate process (bench/load.ts). Results: bench/results/<date>.json and .md with SVG charts.
// Progress goes to stderr. Every scenario is bounded in time.
import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { recordResult } from '../src/modules/catalog/results.ts';
import { checkLedger } from '../src/modules/wallet/ledger-check.ts';
import type { Db } from '../src/platform/db/db.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { openPglite } from '../src/platform/db/pglite.ts';
import { openPostgres } from '../src/platform/db/postgres.ts';
import type { LoadPhase, LoadResult, LoadSpec, RequestKind } from './load.ts';
import { type BenchRun, charts, type Figure, markdown, recoverySeconds } from './report.ts';
import {
  createSigningKey,
  marketId,
  readCatalogue,
  SETTLEMENT_EVENTS,
  type SeedSize,
  seedAll,
} from './seed.ts';

const { values } = parseArgs({
  options: {
    profile: { type: 'string', default: 'default' },
    only: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    'mixed-rate': { type: 'string' },
    seconds: { type: 'string' },
  },
});

interface Profile {
  size: SeedSize;
  /** Seconds of each closed-loop measurement. */
  seconds: number;
  connections: number;
  spike: { before: number; during: number; after: number };
  fanout: string[];
  embedded: { players: number; events: number; seconds: number };
  startup: boolean;
  apiProcesses2: boolean;
  settlementTimeout: number;
}

const PROFILES: Record<string, Profile> = {
  smoke: {
    size: { players: 4000, events: 40, marketsPerEvent: 20, settlementBets: 4000 },
    seconds: 2,
    connections: 16,
    spike: { before: 2, during: 2, after: 3 },
    fanout: ['--clients', '300', '--seconds', '2', '--warmup', '1'],
    embedded: { players: 500, events: 10, seconds: 2 },
    startup: false,
    apiProcesses2: false,
    settlementTimeout: 60,
  },
  default: {
    size: { players: 100_000, events: 500, marketsPerEvent: 20, settlementBets: 100_000 },
    seconds: 20,
    connections: 32,
    spike: { before: 30, during: 30, after: 30 },
    fanout: [],
    embedded: { players: 5000, events: 50, seconds: 15 },
    startup: true,
    apiProcesses2: true,
    settlementTimeout: 600,
  },
};

const PROFILE_NAME = values.profile!;
const P = PROFILES[PROFILE_NAME];
if (!P) throw new Error(`unknown profile ${PROFILE_NAME} (smoke | default)`);
const ONLY = values.only ? new Set(values.only.split(',')) : undefined;
const wants = (name: string) => !ONLY || ONLY.has(name);
const PG_ADMIN_URL = process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROOT = new URL('../', import.meta.url).pathname;
const HERE = new URL('./', import.meta.url).pathname;
const RESULTS = path.join(HERE, 'results');
const PROFILE_DIR = path.join(RESULTS, 'profiles');
/** The iBet processes' logs (warnings and errors) of the last run, one file a process. */
const LOG_DIR = path.join(RESULTS, 'logs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Progress on stderr: one line rewritten in place on a terminal, a line per step otherwise.
const tty = process.stderr.isTTY;
let lastLine = 0;
function progress(line: string, keep = false) {
  if (tty) process.stderr.write(`\r\x1b[K${line}${keep ? '\n' : ''}`);
  else if (keep || Date.now() - lastLine > 5000) {
    process.stderr.write(`${line}\n`);
    lastLine = Date.now();
  }
}
const step = (line: string) => progress(`bench: ${line}`, true);

const children: ChildProcess[] = [];
function startNode(
  file: string,
  args: string[],
  env: Record<string, string>,
  nodeArgs: string[] = [],
  log?: string,
): ChildProcess {
  if (log) mkdirSync(LOG_DIR, { recursive: true });
  const stdout = log ? openSync(path.join(LOG_DIR, `${log}.log`), 'w') : 'ignore';
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', stdout, 'inherit', 'ipc'],
  });
  if (typeof stdout === 'number') closeSync(stdout);
  children.push(child);
  return child;
}

async function stop(child: ChildProcess | undefined, seconds = 15): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), seconds * 1000);
  await exited;
  clearTimeout(timer);
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(port: number, seconds = 60, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`process on ${port} exited`);
    const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    if (response?.status === 200) return;
    await sleep(100);
  }
  throw new Error(`process on ${port} not ready after ${seconds} s`);
}

/** The fields of /proc/<pid>/stat after the command name: [11] utime, [12] stime, [13] cutime, [14] cstime. */
function statFields(pid: number | 'self'): string[] {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
}

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU seconds every PostgreSQL process of the machine has used, the exited ones included (the
 * postmaster's children's times count the backends that have ended).
 */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      const f = statFields(Number(entry));
      total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
    } catch {
      // the process ended between the listing and the read
    }
  }
  return total;
}

/** CPU seconds the whole machine has been busy (every CPU, every process). */
function machineCpuSeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
  // user nice system idle iowait irq softirq steal: all but idle and iowait
  return [0, 1, 2, 5, 6, 7].reduce((sum, i) => sum + Number(f[i] ?? 0), 0) / 100;
}

/** CPU seconds of this process's finished children (pgbench, once spawnSync returns). */
function childrenCpuSeconds(): number {
  const f = statFields('self');
  return (Number(f[13]) + Number(f[14])) / 100;
}

/** Where the machine's CPU went during a run, in ms per answer (or transaction). */
function cpuSplit(
  processes: Record<string, () => number>,
  answers: () => number,
): () => Record<string, string> {
  const before = Object.fromEntries(Object.entries(processes).map(([k, f]) => [k, f()]));
  return () => {
    const n = Math.max(1, answers());
    return Object.fromEntries(
      Object.entries(processes).map(([k, f]) => [
        `CPU ms per answer: ${k}`,
        ((1000 * (f() - before[k]!)) / n).toFixed(2),
      ]),
    );
  };
}

/** A load run with the server process's CPU time per answer (independent of other load). */
async function withCpu(
  pid: number,
  run: () => Promise<LoadResult>,
): Promise<LoadResult & { cpuMs?: number }> {
  const before = cpuSeconds(pid);
  const result = await run();
  const used = cpuSeconds(pid) - before;
  return result.requests > 0 ? { ...result, cpuMs: (1000 * used) / result.requests } : result;
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

// The load generator ------------------------------------------------------------------------
let loader: ChildProcess | undefined;
function loadRun(spec: LoadSpec): Promise<LoadResult> {
  const child = loader!;
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string; line?: string; result?: LoadResult; error?: string }) => {
      if (m.type === 'progress') progress(m.line!);
      else if (m.type === 'result' || m.type === 'failed') {
        child.off('message', onMessage);
        if (m.type === 'result') resolve(m.result!);
        else reject(new Error(m.error));
      }
    };
    child.on('message', onMessage);
    child.send({ type: 'run', spec });
  });
}

const figure = (
  name: string,
  r: LoadResult & { cpuMs?: number },
  unit = 'requests/s',
  notes?: Figure['notes'],
): Figure => ({
  name,
  throughput: r.throughput,
  unit,
  latency: r.latency,
  errors: r.errors,
  notes: {
    ...(r.cpuMs
      ? {
          'server CPU ms per answer': r.cpuMs.toFixed(2),
          'answers per server CPU-second': Math.round(1000 / r.cpuMs),
        }
      : {}),
    ...(Object.keys(r.failures).length
      ? {
          failures: Object.entries(r.failures)
            .map(([k, v]) => `${k} ×${v}`)
            .join(', '),
        }
      : {}),
    ...notes,
  },
});

const closed = (connections: number, seconds: number, url?: string): LoadPhase[] => [
  { at: 0, seconds, connections, ...(url ? { url } : {}) },
];

// Baselines --------------------------------------------------------------------------------

async function createBaselineTables(db: Db): Promise<void> {
  await db.query('CREATE SCHEMA bench_baseline');
  for (const [table, source] of [
    ['accounts', 'wallet.accounts'],
    ['transfers', 'wallet.transfers'],
    ['bets', 'betting.bets'],
    ['bet_legs', 'betting.bet_legs'],
  ]) {
    await db.query(`CREATE TABLE bench_baseline.${table} (LIKE ${source} INCLUDING ALL)`);
    // LIKE copies no storage parameters: the copy keeps the source's fillfactor by hand.
    const [{ options } = { options: null }] = await db.query<{ options: string[] | null }>(
      'SELECT reloptions AS options FROM pg_class WHERE oid = $1::regclass',
      [source],
    );
    if (options?.length)
      await db.query(`ALTER TABLE bench_baseline.${table} SET (${options.join(', ')})`);
  }
  await db.query(
    `INSERT INTO bench_baseline.accounts OVERRIDING SYSTEM VALUE
     SELECT * FROM wallet.accounts WHERE owner_id IS NOT NULL`,
  );
  await db.query(
    `ALTER TABLE bench_baseline.transfers
       ADD FOREIGN KEY (debit_account_id, currency) REFERENCES bench_baseline.accounts (id, currency),
       ADD FOREIGN KEY (credit_account_id, currency) REFERENCES bench_baseline.accounts (id, currency)`,
  );
  await db.query(
    'ALTER TABLE bench_baseline.bet_legs ADD FOREIGN KEY (bet_id) REFERENCES bench_baseline.bets (id)',
  );
  await db.query('ANALYZE bench_baseline.accounts');
}

function pgbench(databaseUrl: string, clients: number, seconds: number, players: number): Figure {
  let transactions = 0;
  const cpu = cpuSplit(
    {
      PostgreSQL: postgresCpuSeconds,
      'pgbench client': childrenCpuSeconds,
      'whole machine': machineCpuSeconds,
    },
    () => transactions,
  );
  const result = spawnSync(
    'pgbench',
    [
      '-n',
      '-M',
      'prepared',
      '-c',
      String(clients),
      '-j',
      '2',
      '-T',
      String(seconds),
      '-D',
      `players=${players}`,
      '-f',
      path.join(HERE, 'baselines/placement.sql'),
      databaseUrl,
    ],
    { encoding: 'utf8', timeout: (seconds + 60) * 1000 },
  );
  if (result.status !== 0) throw new Error(`pgbench failed: ${result.stderr || result.error}`);
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(result.stdout)?.[1]);
  const avg = Number(/latency average = ([\d.]+) ms/.exec(result.stdout)?.[1]);
  const failed = Number(/number of failed transactions: (\d+)/.exec(result.stdout)?.[1] ?? 0);
  transactions = Number(
    /number of transactions actually processed: (\d+)/.exec(result.stdout)?.[1] ?? 0,
  );
  return {
    name: `pgbench placement-shaped transaction (${clients} clients)`,
    throughput: tps,
    unit: 'transactions/s',
    errors: failed,
    notes: { 'latency average ms': avg, transactions, ...cpu() },
  };
}

/** The set-based SQL settlement of one market's open bets, in one transaction. */
async function sqlSettlement(db: Db, event: number): Promise<{ bets: number; seconds: number }> {
  const market = marketId(event, 0);
  const winner = (
    await db.query<{ id: string }>(
      "SELECT id FROM catalog.selections WHERE market_id = $1 AND outcome = 'home'",
      [market],
    )
  )[0]!.id;
  const t0 = performance.now();
  const bets = await db.transaction(async (tx) => {
    await tx.query(
      `CREATE TEMP TABLE bench_settle ON COMMIT DROP AS
       SELECT b.id, b.player_id, b.stake, b.currency, b.liability, l.selection_id, l.market_id,
              CASE WHEN l.selection_id = $2 THEN b.stake * l.price / 1000 ELSE 0 END AS payout,
              c.id AS cash, h.id AS held
       FROM betting.bets b JOIN betting.bet_legs l ON l.bet_id = b.id
       JOIN wallet.accounts c ON c.owner_id = b.player_id AND c.kind = 'player_cash'
       JOIN wallet.accounts h ON h.owner_id = b.player_id AND h.kind = 'player_bets_held'
       WHERE l.market_id = $1 AND b.status = 'open'`,
      [market, winner],
    );
    const [{ house }] = (await tx.query<{ house: bigint }>(
      "SELECT id AS house FROM wallet.accounts WHERE owner_id IS NULL AND kind = 'house' AND currency = 'EUR'",
    )) as [{ house: bigint }];
    await tx.query(
      `UPDATE betting.bets b SET status = CASE WHEN s.payout > 0 THEN 'won' ELSE 'lost' END,
         payout = s.payout, settled_at = now(), settlement_version = 1
       FROM bench_settle s WHERE b.id = s.id`,
    );
    await tx.query(
      `INSERT INTO betting.settlements (bet_id, version, status, payout, open_stake)
       SELECT id, 1, CASE WHEN payout > 0 THEN 'won' ELSE 'lost' END, payout, stake FROM bench_settle`,
    );
    await tx.query(
      `INSERT INTO wallet.transfers (debit_account_id, credit_account_id, amount, currency, kind, reference)
       SELECT held, cash, stake, currency, 'bet_stake_return', 'bet:' || id || ':s1' FROM bench_settle WHERE payout > 0
       UNION ALL
       SELECT $1, cash, payout - stake, currency, 'bet_winnings', 'bet:' || id || ':s1' FROM bench_settle WHERE payout > stake
       UNION ALL
       SELECT held, $1, stake, currency, 'bet_stake_lost', 'bet:' || id || ':s1' FROM bench_settle WHERE payout = 0`,
      [house],
    );
    await tx.query(
      `UPDATE wallet.accounts a SET balance = a.balance + d.delta
       FROM (SELECT account, sum(delta)::bigint AS delta FROM (
               SELECT held AS account, -stake AS delta FROM bench_settle
               UNION ALL SELECT cash, payout FROM bench_settle WHERE payout > 0) m GROUP BY account) d
       WHERE a.id = d.account`,
    );
    await tx.query(
      `UPDATE betting.liability l SET exposure = l.exposure - x.total
       FROM (SELECT k.scope, k.id,
                    ((get_byte(sha256(convert_to(s.player_id::text, 'UTF8')), 0) * 256
                      + get_byte(sha256(convert_to(s.player_id::text, 'UTF8')), 1)) % 16) AS shard,
                    sum(s.liability)::bigint AS total
             FROM bench_settle s
             CROSS JOIN LATERAL (VALUES ('selection', s.selection_id), ('market', s.market_id)) AS k(scope, id)
             GROUP BY 1, 2, 3) x
       WHERE l.scope = x.scope AND l.id = x.id AND l.shard = x.shard`,
    );
    // The events a settlement announces, written as already published (nothing consumes them).
    await tx.query(
      `INSERT INTO platform.outbox (type, aggregate_id, payload, published_at)
       SELECT 'bench.bet.settled', id::text,
              jsonb_build_object('betId', id, 'playerId', player_id, 'payout', payout::text), now()
       FROM bench_settle`,
    );
    const [{ n }] = (await tx.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM bench_settle',
    )) as [{ n: number }];
    return n;
  });
  return { bets, seconds: (performance.now() - t0) / 1000 };
}

// Fan-out: the realtime issue's benchmark, run as it is --------------------------------------

function parseFanout(stdout: string): { bare?: Figure; ibet?: Figure } {
  const out: { bare?: Figure; ibet?: Figure } = {};
  for (const line of stdout.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 8 || !/^[\d,]+$/.test(cells[2] ?? '')) continue;
    const num = (s: string) => Number(s.replaceAll(',', ''));
    const fig: Figure = {
      name: '',
      throughput: num(cells[2]!),
      unit: 'deliveries/s',
      latency: {
        p50: num(cells[3]!),
        p95: num(cells[4]!),
        p99: num(cells[5]!),
        max: num(cells[6]!),
      },
      notes: { 'server CPU': cells[7]!, 'messages/frame': cells[8] ?? '' },
    };
    if (cells[1]!.startsWith('bare')) out.bare = { ...fig, name: 'bare ws broadcast' };
    else if (cells[1]!.startsWith('iBet')) out.ibet = { ...fig, name: 'fan-out (commit → client)' };
  }
  return out;
}

async function fanout(): Promise<{ bare?: Figure; ibet?: Figure; stdout: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/realtime/run.ts', ...P!.fanout],
    { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGTERM'), 240_000);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`the fan-out benchmark failed (${code})`);
  return { ...parseFanout(stdout), stdout };
}

// Main -------------------------------------------------------------------------------------

const dbName = `ibet_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
const admin = new pg.Pool({ connectionString: PG_ADMIN_URL, max: 1 });
const tempDirs: string[] = [];

async function main(): Promise<void> {
  const started = new Date();
  const run: BenchRun = {
    date: started.toISOString(),
    profile: PROFILE_NAME,
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, ''),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGb: totalmem() / 2 ** 30,
      node: process.versions.node,
      postgres: '',
      loadBefore: loadavg(),
      loadAfter: [],
    },
    data: {},
    scenarios: {},
    baselines: {},
    caveats: [],
  };
  const caveat = (text: string) => {
    run.caveats.push(text);
    step(`note: ${text}`);
  };
  if (run.machine.loadBefore[0]! > 1)
    caveat(
      `the machine was busy before the run (load average ${run.machine.loadBefore[0]!.toFixed(2)} on ${run.machine.cpus} CPUs): every figure is lowered by other work, the ratios less than the absolute numbers`,
    );

  const P_ = P!;
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  const db = await openPostgres({ url: databaseUrl, poolSize: 4 });
  run.machine.postgres = String(
    (await db.query<{ v: string }>('SELECT version() AS v'))[0]!.v.split(' on ')[0],
  );
  const sync = (
    await db.query<{ s: string }>("SELECT current_setting('synchronous_commit') AS s")
  )[0]!.s;
  if (sync !== 'on') caveat(`synchronous_commit is ${sync} on this PostgreSQL`);
  step(`database ${dbName}: migrating`);
  await migrate(db);
  const t0 = performance.now();
  await seedAll(db, P_.size, (l) => step(`seed ${l}`));
  const key = await createSigningKey(db);
  const catalogue = await readCatalogue(db);
  step(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  run.data = {
    players: P_.size.players,
    events: P_.size.events,
    markets: P_.size.events * P_.size.marketsPerEvent,
    'open bets per settlement market': P_.size.settlementBets,
  };

  // iBet: one API process and one worker, as deployed.
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    IBET_SIMULATOR: 'false',
    IBET_DEMO: 'false',
    OTEL_SDK_DISABLED: 'true',
  };
  const profArgs = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const apiPort = await freePort();
  const workerPort = await freePort();
  step('starting iBet: api and worker processes');
  const api = startNode(
    'src/main.ts',
    ['serve', '--role', 'api'],
    { ...env, PORT: String(apiPort) },
    profArgs,
    'api',
  );
  const worker = startNode(
    'src/main.ts',
    ['serve', '--role', 'worker'],
    { ...env, PORT: String(workerPort) },
    profArgs,
    'worker',
  );
  await Promise.all([waitReady(apiPort, 90, api), waitReady(workerPort, 90, worker)]);
  const apiUrl = `http://127.0.0.1:${apiPort}`;

  loader = fork(path.join(HERE, 'load.ts'), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, IBET_BENCH_LOADER: '1' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  children.push(loader);
  await new Promise<void>((resolve) => {
    const onMessage = (m: { type: string }) => {
      if (m.type === 'started')
        loader!.send({
          type: 'setup',
          kid: key.kid,
          privateJwk: key.privateJwk,
          events: catalogue.events,
        });
      if (m.type === 'ready') {
        loader!.off('message', onMessage);
        resolve();
      }
    };
    loader!.on('message', onMessage);
  });

  const C = P_.connections;
  const S = values.seconds ? Number(values.seconds) : P_.seconds;
  // Players for placements: a different range per scenario, so every bet is a player's first
  // of the scenario (within the range, players are taken in turn).
  const range = (i: number) => {
    const count = Math.max(1, Math.floor(P_.size.players / 6));
    return { from: 1 + i * count, count };
  };
  const load = (
    name: string,
    mix: Partial<Record<RequestKind, number>>,
    phases: LoadPhase[],
    players?: number,
  ) =>
    withCpu(api.pid!, () =>
      loadRun({
        name,
        url: apiUrl,
        mix,
        phases,
        players: players === undefined ? undefined : range(players),
      }),
    );

  // Warm-up: the first requests compile the routes' code and fill the session caches.
  await load('warm-up', { events: 2, event: 2, single: 1 }, closed(4, Math.min(3, S)), 5);

  if (wants('browse')) {
    // The baseline serves the very bodies iBet answers with (bench/baselines/bare-fastify.ts).
    const answer = async (p: string) => (await fetch(`${apiUrl}${p}`)).json();
    const bodiesFile = path.join(
      mkdtempSync(path.join(tmpdir(), 'ibet-bench-bodies-')),
      'bodies.json',
    );
    tempDirs.push(path.dirname(bodiesFile));
    const bodies = {
      sports: await answer('/api/v1/sports'),
      events: await answer('/api/v1/events?limit=20&sport=football'),
      event: await answer(`/api/v1/events/${catalogue.events[0]!.id}`),
    };
    writeFileSync(bodiesFile, JSON.stringify(bodies));
    const sizes = Object.entries(bodies)
      .map(([k, v]) => `${k} ${(JSON.stringify(v).length / 1024).toFixed(0)} KB`)
      .join(', ');
    const port = await freePort();
    const bare = startNode(path.join(HERE, 'baselines/bare-fastify.ts'), [], {
      BENCH_PORT: String(port),
      BENCH_BODIES: bodiesFile,
    });
    await new Promise((r) => bare.once('message', r));
    const r = await withCpu(bare.pid!, () =>
      loadRun({
        name: 'bare Fastify',
        url: `http://127.0.0.1:${port}`,
        mix: { sports: 1, events: 2, event: 4 },
        phases: closed(C, S),
      }),
    );
    run.baselines.bareFastify = figure(
      'bare Fastify, the same bodies from memory',
      r,
      'requests/s',
      {
        bodies: sizes,
      },
    );
    await stop(bare);
    const b = await load('browse', { sports: 1, events: 2, event: 4 }, closed(C, S));
    run.scenarios.browse = figure('browse (sports, event list, event page)', b, 'requests/s', {
      mix: 'sports 1 : events 2 : event 4',
    });
  }

  let placementRate = 0;
  if (wants('placement')) {
    const lsn = async () =>
      BigInt(
        (await db.query<{ b: string }>("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn AS b"))[0]!.b,
      );
    const wal0 = await lsn();
    let bets = 0;
    // Where each bet's CPU goes, to set against pgbench's split of the same machine.
    const cpu = cpuSplit(
      {
        'API process': () => cpuSeconds(api.pid!),
        worker: () => cpuSeconds(worker.pid!),
        PostgreSQL: postgresCpuSeconds,
        'load generator': () => cpuSeconds(loader!.pid!),
        'whole machine': machineCpuSeconds,
      },
      () => bets,
    );
    const single = await load('placement (single)', { single: 1 }, closed(C, S), 0);
    bets = single.requests;
    // WAL a bet writes (every other writer on this PostgreSQL counts too: an upper bound).
    const walPerBet = Number((await lsn()) - wal0) / Math.max(1, single.requests);
    run.scenarios.placement = figure('placement (single)', single, 'bets/s', {
      'WAL per bet': `${(walPerBet / 1024).toFixed(1)} KB`,
      ...cpu(),
    });
    placementRate = single.throughput;
    const multiple = await load('placement (3-leg multiple)', { multiple: 1 }, closed(C, S), 1);
    run.scenarios.placementMultiple = figure('placement (3-leg multiple)', multiple, 'bets/s');
    const rate = Math.max(1, Math.round(0.8 * single.throughput));
    const at80 = await load(
      'placement at 80 %',
      { single: 1 },
      [{ at: 0, seconds: S, connections: Math.max(C, Math.ceil(rate / 20)), rate }],
      2,
    );
    run.scenarios.placement80 = figure(
      'placement (single) at 80 % of the maximum rate',
      at80,
      'bets/s',
      {
        'offered rate': `${rate}/s`,
      },
    );
    step('baseline: pgbench with the placement transaction shape');
    await createBaselineTables(db);
    const walBase = await lsn();
    const base = pgbench(databaseUrl, C, S, P_.size.players);
    const transactions = Number(base.notes?.transactions ?? 0);
    base.notes = {
      ...base.notes,
      'WAL per transaction': `${(Number((await lsn()) - walBase) / Math.max(1, transactions) / 1024).toFixed(1)} KB`,
    };
    run.baselines.pgbench = base;
  }

  if (wants('mixed')) {
    // The steady rate is a tenth of what the mix would sustain (so that the spike, ten times
    // it, is the machine's capacity), unless given.
    const browse = run.scenarios.browse?.throughput ?? 1000;
    const place = placementRate || 300;
    const capacity = 1 / (0.8 / browse + 0.15 / (2 * place) + 0.05 / place);
    const rate = Number(values['mixed-rate'] ?? Math.max(10, Math.round(capacity / 10)));
    const { before, during, after } = P_.spike;
    const mix = { sports: 10, events: 30, event: 40, quote: 15, single: 4, multiple: 1 };
    let maxRss = 0;
    const sampler = setInterval(() => {
      maxRss = Math.max(maxRss, rssMb(api.pid!));
    }, 500);
    const r = await load(
      'mixed + spike',
      mix,
      [
        {
          at: 0,
          seconds: before + during + after,
          connections: Math.max(8, Math.ceil(rate / 10)),
          rate,
        },
        {
          at: before,
          seconds: during,
          connections: Math.max(16, Math.ceil((9 * rate) / 10)),
          rate: 9 * rate,
        },
      ],
      3,
    );
    clearInterval(sampler);
    run.apiRssMb = maxRss;
    const window = (from: number, to: number) =>
      r.timeline.filter((t) => t.second >= from && t.second < to);
    const worst = (ts: { p99: number }[]) =>
      ts
        .map((t) => t.p99)
        .filter(Number.isFinite)
        .sort((a, b) => a - b)
        .at(-1) ?? Number.NaN;
    const median = (ts: { p99: number }[]) => {
      const v = ts
        .map((t) => t.p99)
        .filter(Number.isFinite)
        .sort((a, b) => a - b);
      return v[Math.floor(v.length / 2)] ?? Number.NaN;
    };
    const steady = median(window(1, before));
    run.spike = {
      rate,
      spikeRate: 10 * rate,
      spikeStart: before,
      spikeSeconds: during,
      errors: r.errors,
      throttled: r.throttled,
      requests: r.requests,
      p99Steady: steady,
      p99During: worst(window(before, before + during)),
      p99After: worst(window(before + during + Math.min(10, after), before + during + after)),
      recoverySeconds: recoverySeconds(r.timeline, before + during, steady),
      timeline: r.timeline.map((t) => ({
        second: t.second,
        requests: t.requests,
        errors: t.errors,
        p99: t.p99,
      })),
    };
    run.scenarios.mixed = figure(
      'mixed (80 % reads, 15 % quotes, 5 % bets) with a 10× spike',
      r,
      'requests/s',
      {
        'steady rate': `${rate}/s`,
        'API RSS max': `${maxRss.toFixed(0)} MB`,
      },
    );
  }

  if (wants('placement') && P_.apiProcesses2) {
    // Scale-out on one machine: a second API process, the load split between the two.
    const port2 = await freePort();
    const api2 = startNode(
      'src/main.ts',
      ['serve', '--role', 'api'],
      { ...env, PORT: String(port2) },
      [],
      'api-2',
    );
    await waitReady(port2, 90, api2);
    const half = Math.ceil(C / 2);
    const r = await loadRun({
      name: 'placement, 2 API processes',
      url: apiUrl,
      mix: { single: 1 },
      phases: [
        { at: 0, seconds: S, connections: half },
        { at: 0, seconds: S, connections: half, url: `http://127.0.0.1:${port2}` },
      ],
      players: range(4),
    });
    run.scenarios.placement2 = figure('placement (single), 2 API processes', r, 'bets/s');
    await stop(api2);
  }

  if (wants('settlement')) {
    step('baseline: set-based SQL settlement');
    const sql = await sqlSettlement(db, SETTLEMENT_EVENTS[1]);
    run.baselines.sqlSettlement = {
      name: 'set-based SQL settlement (one transaction)',
      throughput: sql.bets / sql.seconds,
      unit: 'bets/s',
      notes: { bets: sql.bets, seconds: sql.seconds.toFixed(2) },
    };
    step('settlement: the worker settles one market');
    const market = marketId(SETTLEMENT_EVENTS[0], 0);
    await db.transaction(async (tx) => {
      await recordResult(tx, market, { score: { home: 2, away: 1 } }, null);
      // No job yet: the worker's sweep makes it (in the worker's number of parts) at once.
      await tx.query(
        "UPDATE platform.jobs SET next_run_at = now() WHERE name = 'settlement.sweep'",
      );
    });
    const t1 = performance.now();
    const deadline = Date.now() + P_.settlementTimeout * 1000;
    let parts = 0;
    // The bets' settled_at is their batch transaction's start: the end is when the last part
    // is seen finished (the database's clock, polled often), so the last batches count.
    let finished: Date;
    for (;;) {
      const [job] = await db.query<{
        parts: number;
        unfinished: number;
        changed: number;
        at: Date;
      }>(
        `SELECT count(*)::int AS parts, count(*) FILTER (WHERE finished_at IS NULL)::int AS unfinished,
                coalesce(sum(bets_changed), 0)::int AS changed, clock_timestamp() AS at
         FROM settlement.jobs WHERE market_id = $1`,
        [market],
      );
      parts = job!.parts;
      progress(`settlement: ${job!.changed} bets settled (${parts} parts)`);
      if (parts > 0 && job!.unfinished === 0) {
        finished = job!.at;
        break;
      }
      if (Date.now() > deadline) throw new Error('settlement did not finish in time');
      await sleep(50);
    }
    const wall = (performance.now() - t1) / 1000;
    const [v] = await db.query<{
      bets: number;
      open: number;
      first: Date;
      versions: number;
      settlements: number;
      moves: number;
      expected: number;
      duplicates: number;
    }>(
      `WITH b AS (SELECT b.* FROM betting.bets b JOIN betting.bet_legs l ON l.bet_id = b.id WHERE l.market_id = $1)
       SELECT (SELECT count(*)::int FROM b) AS bets,
              (SELECT count(*)::int FROM b WHERE status = 'open') AS open,
              (SELECT min(settled_at) FROM b) AS first,
              (SELECT count(*)::int FROM b WHERE settlement_version <> 1) AS versions,
              (SELECT count(*)::int FROM betting.settlements s JOIN b ON b.id = s.bet_id) AS settlements,
              (SELECT count(*)::int FROM wallet.transfers t JOIN b ON t.reference = 'bet:' || b.id || ':s1') AS moves,
              (SELECT (count(*) FILTER (WHERE status = 'won') * 2 + count(*) FILTER (WHERE status = 'lost'))::int FROM b) AS expected,
              (SELECT count(*)::int FROM (SELECT t.reference, t.kind FROM wallet.transfers t JOIN b ON t.reference = 'bet:' || b.id || ':s1'
                                          GROUP BY 1, 2 HAVING count(*) > 1) d) AS duplicates`,
      [market],
    );
    const span = (finished.getTime() - v!.first.getTime()) / 1000;
    const once =
      v!.open === 0 &&
      v!.versions === 0 &&
      v!.settlements === v!.bets &&
      v!.moves === v!.expected &&
      v!.duplicates === 0;
    if (!once) caveat(`settlement verification failed: ${JSON.stringify(v)}`);
    run.scenarios.settlement = {
      name: 'settlement by the worker (one market)',
      throughput: v!.bets / Math.max(span, 0.001),
      unit: 'bets/s',
      errors: once ? 0 : 1,
      notes: {
        bets: v!.bets,
        'job parts': parts,
        'first bet settled → job finished s': span.toFixed(2),
        'result → job finished s': wall.toFixed(2),
        'each exactly once': once ? 'verified' : 'FAILED',
      },
    };
  }

  step('ledger check');
  const ledger = await checkLedger(db);
  if (!ledger.ok)
    caveat(`the ledger check failed after the run: ${JSON.stringify(ledger).slice(0, 500)}`);
  await stop(loader);
  await Promise.all([stop(api, 30), stop(worker, 30)]);
  await db.close();

  if (wants('fanout')) {
    step('fan-out: bench/realtime (its own processes and database)');
    const f = await fanout();
    if (f.ibet) run.scenarios.fanout = f.ibet;
    if (f.bare) run.baselines.bareWs = f.bare;
  }

  if (wants('embedded')) run.scenarios.embedded = await embedded(caveat);
  if (wants('startup') && P_.startup) run.startup = await startup();

  run.machine.loadAfter = loadavg();
  write(run);
}

/** Placement on the embedded default: PGlite in a data directory, one `serve --role all`. */
async function embedded(caveat: (t: string) => void): Promise<Figure> {
  const P_ = P!;
  const dir = mkdtempSync(path.join(tmpdir(), 'ibet-bench-embedded-'));
  tempDirs.push(dir);
  step('embedded: seeding PGlite');
  const db = await openPglite({ dataDir: path.join(dir, 'pglite') });
  await migrate(db);
  await seedAll(db, {
    players: P_.embedded.players,
    events: P_.embedded.events,
    marketsPerEvent: 20,
    settlementBets: 0,
  });
  const key = await createSigningKey(db);
  const catalogue = await readCatalogue(db);
  await db.close();
  const port = await freePort();
  const server = startNode(
    'src/main.ts',
    ['serve', '--role', 'all'],
    {
      IBET_DATA_DIR: dir,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      IBET_SIMULATOR: 'false',
      IBET_DEMO: 'false',
      OTEL_SDK_DISABLED: 'true',
      DATABASE_URL: '',
    },
    values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [],
    'embedded',
  );
  await waitReady(port, 90, server);
  loader = fork(path.join(HERE, 'load.ts'), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, IBET_BENCH_LOADER: '1' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  children.push(loader);
  await new Promise<void>((resolve) => {
    loader!.on('message', (m: { type: string }) => {
      if (m.type === 'started')
        loader!.send({
          type: 'setup',
          kid: key.kid,
          privateJwk: key.privateJwk,
          events: catalogue.events,
        });
      if (m.type === 'ready') resolve();
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const players = { from: 1, count: P_.embedded.players };
  await loadRun({
    name: 'embedded warm-up',
    url,
    mix: { single: 1 },
    phases: closed(4, 2),
    players,
  });
  const r = await withCpu(server.pid!, () =>
    loadRun({
      name: 'embedded placement',
      url,
      mix: { single: 1 },
      phases: closed(16, values.seconds ? Number(values.seconds) : P_.embedded.seconds),
      players,
    }),
  );
  if (r.errors > 0)
    caveat(`embedded placement had ${r.errors} errors: ${JSON.stringify(r.failures)}`);
  await stop(loader);
  await stop(server, 30);
  return figure('embedded placement (PGlite, single)', r, 'bets/s');
}

/** `npm start` on a fresh data directory until /readyz answers 200. */
async function startup(): Promise<{ seconds: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ibet-bench-start-'));
  tempDirs.push(dir);
  const port = await freePort();
  step('startup: npm start on a fresh data directory');
  const t0 = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: {
      ...process.env,
      IBET_DATA_DIR: dir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      OTEL_SDK_DISABLED: 'true',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  children.push(child);
  await waitReady(port, 120, child);
  const seconds = (performance.now() - t0) / 1000;
  // npm runs node in a shell: end the whole group it started.
  process.kill(-child.pid!, 'SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { seconds };
}

function write(run: BenchRun): void {
  mkdirSync(RESULTS, { recursive: true });
  const stem = `${run.date.slice(0, 16).replace(':', '')}${run.profile === 'default' ? '' : `-${run.profile}`}`;
  const svgs = charts(run, stem);
  for (const [file, svg] of Object.entries(svgs)) writeFileSync(path.join(RESULTS, file), svg);
  writeFileSync(path.join(RESULTS, `${stem}.json`), `${JSON.stringify(run, null, 2)}\n`);
  const md = markdown(run, Object.keys(svgs));
  writeFileSync(path.join(RESULTS, `${stem}.md`), md);
  process.stdout.write(md);
  step(`results: bench/results/${stem}.json and .md`);
}

async function cleanup(): Promise<void> {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) {
      try {
        if (child.spawnargs[0] === 'npm') process.kill(-child.pid!, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {}
    }
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
  // A signal's cleanup and main's may both get here: the pool ends once.
  await admin.end().catch(() => {});
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

// The whole run is bounded too.
const overall = setTimeout(
  () => {
    process.stderr.write('bench: the run exceeded its time bound\n');
    void cleanup().finally(() => process.exit(1));
  },
  (PROFILE_NAME === 'smoke' ? 10 : 40) * 60_000,
);
overall.unref();

// Interrupted (Ctrl-C, a stopped job): still end the processes and drop the database.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });

main()
  .catch((error) => {
    process.stderr.write(`\nbench failed: ${error instanceof Error ? error.stack : error}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanup();
    clearTimeout(overall);
  });
