// The disaster-recovery drill: loses a PostgreSQL database under write load and brings it back
// from a base backup plus the WAL archive, measuring
//   RTO — seconds from the loss until iBet accepts bets again, and its parts;
//   RPO — acknowledged bets missing after the restore, and the window of time they cover;
// then restores the same backup to a point in time and checks that exactly the bets committed
// before it are there. Everything runs on a throwaway cluster of its own (its own port and
// temporary directories, removed at the end); the machine's PostgreSQL is never touched.
//
//   npm run dr:drill -- [--seconds 20] [--clients 16] [--port 5499] [--wal archive|stream]
//                       [--keep] [--write-docs]
//
// --wal archive: archive_command copies each finished WAL segment (1 MB segments,
//                archive_timeout 1 s): RPO is bounded by the segment switch.
// --wal stream:  pg_receivewal streams WAL into the archive as a synchronous standby, so a
//                commit is acknowledged only once it is in the archive: RPO 0.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  chownSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Pool } from 'pg';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    clients: { type: 'string', default: '16' },
    port: { type: 'string', default: '5499' },
    wal: { type: 'string', default: 'archive' },
    keep: { type: 'boolean', default: false },
    'write-docs': { type: 'boolean', default: false },
  },
});
const LOAD_SECONDS = Number(values.seconds);
const CLIENTS = Number(values.clients);
const PORT = Number(values.port);
const WAL_MODE = values.wal === 'stream' ? 'stream' : 'archive';
/** The server binaries (initdb, pg_ctl …): IBET_PG_BIN, else the newest Debian install. */
const PG_BIN =
  process.env.IBET_PG_BIN ??
  path.join(
    '/usr/lib/postgresql',
    readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))[0] ?? '15',
    'bin',
  );
const AS_ROOT = process.getuid?.() === 0;
const PG_USER = 'postgres';

const now = () => performance.now();
const wall = () => new Date();
const log = (message: string) =>
  process.stderr.write(`[drill ${new Date().toISOString().slice(11, 23)}] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a PostgreSQL server tool (as the postgres user when we are root: it refuses root). */
function pg(tool: string, args: string[], options: { quiet?: boolean } = {}): string {
  const file = path.join(PG_BIN, tool);
  const [cmd, argv] = AS_ROOT ? ['runuser', ['-u', PG_USER, '--', file, ...args]] : [file, args];
  return execFileSync(cmd, argv, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', options.quiet ? 'pipe' : 'inherit'],
  });
}

function spawnPg(tool: string, args: string[]): ChildProcess {
  const file = path.join(PG_BIN, tool);
  const [cmd, argv] = AS_ROOT ? ['runuser', ['-u', PG_USER, '--', file, ...args]] : [file, args];
  return spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function own(dir: string): void {
  if (!AS_ROOT) return;
  const uid = Number(execFileSync('id', ['-u', PG_USER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', PG_USER], { encoding: 'utf8' }).trim());
  chownSync(dir, uid, gid);
  for (const entry of readdirSync(dir, { recursive: true }) as string[])
    chownSync(path.join(dir, entry), uid, gid);
}

// ---------------------------------------------------------------------------------------------
const root = mkdtempSync(path.join(tmpdir(), 'ibet-drill-'));
const primary = path.join(root, 'primary');
const archive = path.join(root, 'archive');
const base = path.join(root, 'base');
const pitr = path.join(root, 'pitr');
mkdirSync(archive);
own(root);
const url = (port = PORT) => `postgres://postgres@127.0.0.1:${port}/ibet`;
let ibet: ChildProcess | undefined;
let stopping = false;
let receiver: ChildProcess | undefined;
const started: string[] = [];

function configure(dataDir: string, port: number, extra: string[] = []): void {
  const conf = path.join(dataDir, 'postgresql.conf');
  writeFileSync(
    conf,
    `${readFileSync(conf, 'utf8')}
# --- iBet drill ---
port = ${port}
listen_addresses = '127.0.0.1'
unix_socket_directories = '${root}'
max_connections = 100
shared_buffers = 64MB
wal_level = replica
synchronous_commit = on
archive_mode = on
archive_command = '(test ! -f ${archive}/%f && cp %p ${archive}/%f) || cmp -s %p ${archive}/%f'
archive_timeout = 1
max_wal_senders = 4
max_replication_slots = 4
checkpoint_timeout = 5min
${extra.join('\n')}
`,
  );
}

function startCluster(dataDir: string): number {
  const t0 = now();
  pg(
    'pg_ctl',
    [
      '-D',
      dataDir,
      '-l',
      path.join(root, `${path.basename(dataDir)}.log`),
      '-w',
      '-t',
      '300',
      'start',
    ],
    {
      quiet: true,
    },
  );
  if (!started.includes(dataDir)) started.push(dataDir);
  return (now() - t0) / 1000;
}

function stopCluster(dataDir: string, mode: 'fast' | 'immediate' = 'fast'): void {
  try {
    pg('pg_ctl', ['-D', dataDir, '-m', mode, '-w', 'stop'], { quiet: true });
  } catch {
    // not running
  }
}

/** Thrown by a probe to stop waiting at once. */
class Fatal extends Error {}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof Fatal) throw error;
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function api(
  baseUrl: string,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = {},
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of several shapes, read by field
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed };
}

async function startIbet(): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: url(),
      IBET_DEMO: 'true',
      IBET_SIMULATOR: 'false',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      IBET_DATABASE_POOL_SIZE: '24',
      IBET_MAX_STAKE: '1000000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  ibet = child;
  let out = '';
  child.stdout!.on('data', (c) => {
    out += c;
    if (out.length > 200_000) out = out.slice(-100_000);
  });
  child.stderr!.on('data', (c) => {
    out += c;
    if (out.length > 200_000) out = out.slice(-100_000);
  });
  child.once('exit', (code, signal) => {
    if (!stopping) log(`iBet exited unexpectedly (${code ?? signal}):\n${out.slice(-4000)}`);
  });
  return waitFor(
    'iBet to listen',
    async () => {
      if (child.exitCode !== null)
        throw new Fatal(`iBet exited (${child.exitCode}) before listening`);
      return /Health\s+(http:\/\/[\d.]+:\d+)\/healthz/.exec(out)?.[1];
    },
    120_000,
  );
}

interface Ack {
  betId: string;
  key: string;
  sentAt: number; // performance.now()
  ackAt: number;
  ackWall: Date;
}

async function main(): Promise<void> {
  log(`workspace ${root}; PostgreSQL binaries ${PG_BIN}; WAL ${WAL_MODE}`);
  pg(
    'initdb',
    ['-D', primary, '-U', 'postgres', '-A', 'trust', '--wal-segsize=1', '--no-instructions'],
    { quiet: true },
  );
  configure(
    primary,
    PORT,
    WAL_MODE === 'stream' ? ["synchronous_standby_names = 'ibet_drill_receivewal'"] : [],
  );
  startCluster(primary);
  const admin = new Client({
    connectionString: `postgres://postgres@127.0.0.1:${PORT}/postgres`,
  });
  await admin.connect();
  // With a synchronous standby named, every commit waits for it: start the receiver first.
  if (WAL_MODE === 'stream') {
    await admin.query(`SELECT pg_create_physical_replication_slot('ibet_drill')`);
    receiver = spawnPg('pg_receivewal', [
      '-D',
      archive,
      '-S',
      'ibet_drill',
      '--synchronous',
      '-d',
      `host=127.0.0.1 port=${PORT} user=postgres application_name=ibet_drill_receivewal`,
    ]);
    await waitFor('pg_receivewal to stream', async () => {
      const { rows } = await admin.query(
        `SELECT 1 FROM pg_stat_replication WHERE application_name = 'ibet_drill_receivewal' AND sync_state = 'sync'`,
      );
      return rows.length > 0 ? true : undefined;
    });
  }
  await admin.query('CREATE DATABASE ibet');
  await admin.end();

  log('starting iBet (migrations, demo data) on the drill cluster');
  const baseUrl = await startIbet();
  await waitFor('iBet to be ready', async () =>
    (await api(baseUrl, 'GET', '/readyz')).status === 200 ? true : undefined,
  );

  log('taking the base backup (pg_basebackup, WAL from the archive)');
  let t0 = now();
  pg(
    'pg_basebackup',
    [
      '-h',
      '127.0.0.1',
      '-p',
      String(PORT),
      '-U',
      'postgres',
      '-D',
      base,
      '-Fp',
      '-X',
      'none',
      '-c',
      'fast',
    ],
    {
      quiet: true,
    },
  );
  const baseBackupSeconds = (now() - t0) / 1000;

  // Players with money, and an open selection to bet on.
  const players: { token: string }[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const email = `drill-${i}-${randomUUID()}@example.com`;
    const password = 'drill player password';
    const registered = await api(baseUrl, 'POST', '/api/v1/auth/register', {
      email,
      password,
      displayName: `Drill ${i}`,
      dateOfBirth: '1990-01-01',
      country: 'IE',
      currency: 'EUR',
    });
    if (registered.status !== 201) throw new Error(`register: ${JSON.stringify(registered.body)}`);
    const login = await api(baseUrl, 'POST', '/api/v1/auth/login', { email, password });
    const token = login.body.accessToken as string;
    const deposit = await api(
      baseUrl,
      'POST',
      '/api/v1/wallet/deposits',
      { amount: '5000000' },
      {
        authorization: `Bearer ${token}`,
        'idempotency-key': randomUUID(),
      },
    );
    if (deposit.status !== 201) throw new Error(`deposit: ${JSON.stringify(deposit.body)}`);
    players.push({ token });
  }
  const events = await api(baseUrl, 'GET', '/api/v1/events?limit=50');
  interface Market {
    status: string;
    selections: { id: string; price: string }[];
  }
  const selection = (events.body.items as { markets: Market[] }[])
    .flatMap((e) => e.markets)
    .find((m) => m.status === 'open')?.selections[0];
  if (!selection) throw new Error('no open selection in the demo data');

  // --- Write load --------------------------------------------------------------------------
  const acks: Ack[] = [];
  let failures = 0;
  let stop = false;
  let disasterAt = Number.POSITIVE_INFINITY;
  let firstAckAfterDisaster: number | undefined;
  const client = async (player: { token: string }) => {
    while (!stop) {
      const key = randomUUID();
      const sentAt = now();
      try {
        const response = await api(
          baseUrl,
          'POST',
          '/api/v1/bets',
          {
            stake: '10',
            legs: [{ selectionId: selection.id, price: selection.price }],
            acceptPriceChanges: 'any',
          },
          { authorization: `Bearer ${player.token}`, 'idempotency-key': key },
        );
        if (response.status === 201) {
          const at = now();
          acks.push({ betId: response.body.id, key, sentAt, ackAt: at, ackWall: wall() });
          // Serving again: a bet sent after the loss was accepted.
          if (sentAt > disasterAt && firstAckAfterDisaster === undefined)
            firstAckAfterDisaster = at;
        } else {
          failures++;
          await sleep(20);
        }
      } catch {
        failures++;
        await sleep(20);
      }
    }
  };
  log(`write load: ${CLIENTS} clients placing bets for ${LOAD_SECONDS} s before the loss`);
  const load = Promise.all(players.map(client));
  await sleep((LOAD_SECONDS * 1000) / 2);
  // The point in time the PITR restore will go back to.
  const pitrTarget = wall();
  await sleep((LOAD_SECONDS * 1000) / 2);
  const acksBeforeDisaster = acks.length;

  // --- Disaster: the primary crashes and its volume is gone ----------------------------------
  log('DISASTER: primary stopped (immediate) and its data directory deleted');
  const disasterWall = wall();
  stopCluster(primary, 'immediate');
  disasterAt = now();
  receiver?.kill('SIGTERM');
  // Gone (set aside at once, deleted with the workspace): recovery cannot use any of it.
  renameSync(primary, path.join(root, 'lost-primary'));

  // --- Recovery ------------------------------------------------------------------------------
  t0 = now();
  cpSync(base, primary, { recursive: true });
  own(primary);
  // pg_receivewal leaves the segment it was writing as .partial: complete it for recovery.
  for (const f of readdirSync(archive))
    if (f.endsWith('.partial'))
      renameSync(path.join(archive, f), path.join(archive, f.replace(/\.partial$/, '')));
  const walBytes = readdirSync(archive)
    .filter((f) => /^[0-9A-F]{24}$/.test(f))
    .reduce((sum, f) => sum + statSync(path.join(archive, f)).size, 0);
  writeFileSync(path.join(primary, 'recovery.signal'), '');
  writeFileSync(
    path.join(primary, 'postgresql.auto.conf'),
    // The synchronous WAL receiver is gone with the old primary: commits must not wait for it.
    `restore_command = 'cp ${archive}/%f %p'\nrecovery_target_timeline = 'latest'\nsynchronous_standby_names = ''\n`,
  );
  own(primary);
  const copySeconds = (now() - t0) / 1000;
  log(`base backup copied in ${copySeconds.toFixed(2)} s; replaying the WAL archive`);
  startCluster(primary);
  // A pool: each attempt connects anew while the server is still starting.
  const probe = new Pool({ connectionString: url(), max: 1 });
  await waitFor('the restored primary to finish recovery', async () => {
    const {
      rows: [r],
    } = await probe.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
    return r!.r ? undefined : true;
  });
  await probe.end();
  const dbBackAt = now();
  const replaySeconds = (dbBackAt - t0) / 1000 - copySeconds;
  log(
    `PostgreSQL is back after ${((dbBackAt - disasterAt) / 1000).toFixed(2)} s; waiting for iBet to accept bets`,
  );
  await waitFor(
    'a bet accepted after the restore',
    async () => {
      if (ibet?.exitCode !== null) throw new Fatal('iBet is not running');
      return firstAckAfterDisaster !== undefined ? true : undefined;
    },
    120_000,
  );
  const rtoSeconds = (firstAckAfterDisaster! - disasterAt) / 1000;
  await sleep(2000);
  stop = true;
  await load;

  // --- What was lost -------------------------------------------------------------------------
  const db = new Pool({ connectionString: url(), max: 2 });
  const present = new Set(
    (await db.query<{ id: string }>('SELECT id::text AS id FROM betting.bets')).rows.map(
      (r) => r.id,
    ),
  );
  // Every acknowledged bet, whenever its answer arrived, must be in the restored database.
  const lost = acks.filter((a) => !present.has(a.betId));
  const acksBeforeLoss = acks.filter((a) => a.sentAt < disasterAt).length;
  const [{ last }] = (
    await db.query<{ last: Date | null }>(
      `SELECT max(placed_at) AS last FROM betting.bets WHERE placed_at <= $1`,
      [disasterWall],
    )
  ).rows as [{ last: Date | null }];
  const lostWindowSeconds = lost.length
    ? (disasterAt - Math.min(...lost.map((a) => a.ackAt))) / 1000
    : 0;
  const lastCommitLagSeconds = last
    ? (disasterWall.getTime() - new Date(last).getTime()) / 1000
    : null;
  await db.end();
  const ledgerOk = await spawnLedgerCheck(url());

  // --- The logical path: npm run backup of the restored database, npm run restore elsewhere ---
  log('logical backup (npm run backup) and restore (npm run restore) into a new database');
  const logicalDir = path.join(root, 'logical');
  t0 = now();
  const backedUp = JSON.parse(await cli(['backup', '--to', logicalDir], url()));
  const logicalBackupSeconds = (now() - t0) / 1000;
  const admin2 = new Client({
    connectionString: `postgres://postgres@127.0.0.1:${PORT}/postgres`,
  });
  await admin2.connect();
  await admin2.query('CREATE DATABASE ibet_logical');
  await admin2.end();
  t0 = now();
  const restored = JSON.parse(
    await cli(
      ['restore', '--from', backedUp.manifest],
      `postgres://postgres@127.0.0.1:${PORT}/ibet_logical`,
    ),
  );
  const logicalRestoreSeconds = (now() - t0) / 1000;

  // --- Point-in-time restore of the same backup -------------------------------------------------
  log(`point-in-time restore to ${pitrTarget.toISOString()} on port ${PORT + 1}`);
  t0 = now();
  cpSync(base, pitr, { recursive: true });
  writeFileSync(path.join(pitr, 'recovery.signal'), '');
  writeFileSync(
    path.join(pitr, 'postgresql.auto.conf'),
    `restore_command = 'cp ${archive}/%f %p'\nrecovery_target_time = '${pitrTarget.toISOString().replace('T', ' ').replace('Z', '+00')}'\nrecovery_target_action = 'promote'\nsynchronous_standby_names = ''\n`,
  );
  configure(pitr, PORT + 1, ['archive_mode = off']);
  own(pitr);
  startCluster(pitr);
  // A pool: each attempt connects anew while the server is still starting.
  const pitrDb = new Pool({ connectionString: url(PORT + 1), max: 1 });
  await waitFor('the PITR copy to promote', async () => {
    const {
      rows: [r],
    } = await pitrDb.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
    return r!.r ? undefined : true;
  });
  const pitrSeconds = (now() - t0) / 1000;
  const pitrIds = new Set(
    (await pitrDb.query<{ id: string }>('SELECT id::text AS id FROM betting.bets')).rows.map(
      (r) => r.id,
    ),
  );
  const [{ after }] = (
    await pitrDb.query<{ after: number }>(
      'SELECT count(*)::int AS after FROM betting.bets WHERE placed_at > $1',
      [pitrTarget],
    )
  ).rows as [{ after: number }];
  await pitrDb.end();
  const ackedBeforeTarget = acks.filter((a) => a.ackWall.getTime() < pitrTarget.getTime());
  const missingBeforeTarget = ackedBeforeTarget.filter((a) => !pitrIds.has(a.betId)).length;

  const report = {
    date: new Date().toISOString(),
    machine: `${process.platform} ${process.arch}, Node ${process.version}, ${pgVersion()}`,
    walMode: WAL_MODE,
    load: {
      clients: CLIENTS,
      seconds: LOAD_SECONDS,
      betsAcknowledgedBeforeLoss: acksBeforeLoss,
      acknowledgedBeforeDisasterSignal: acksBeforeDisaster,
      failedRequestsDuringOutage: failures,
    },
    database: { betsAfterDrill: present.size, baseBackupSeconds: round(baseBackupSeconds) },
    rto: {
      seconds: round(rtoSeconds),
      copyBaseBackupSeconds: round(copySeconds),
      walReplayAndStartSeconds: round(replaySeconds),
      walArchivedMB: round(walBytes / 1048576),
      // Polling sees the promotion up to 100 ms late; never report less than nothing.
      appReconnectSeconds: round(Math.max(0, (firstAckAfterDisaster! - dbBackAt) / 1000)),
    },
    rpo: {
      acknowledgedBetsLost: lost.length,
      lostWindowSeconds: round(lostWindowSeconds),
      lastRecoveredCommitBeforeLossSeconds:
        lastCommitLagSeconds === null ? null : round(lastCommitLagSeconds),
    },
    pitr: {
      target: pitrTarget.toISOString(),
      seconds: round(pitrSeconds),
      acknowledgedBeforeTargetMissing: missingBeforeTarget,
      placedAfterTargetPresent: after,
    },
    ledgerCheckOk: ledgerOk,
    logical: {
      dumpMB: round(backedUp.sizeBytes / 1048576),
      backupSeconds: round(logicalBackupSeconds),
      restoreAndVerifySeconds: round(logicalRestoreSeconds),
      verified: restored.verified === true,
    },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(`\n${markdown(report)}\n`);
  if (values['write-docs']) writeDocs(report);
}

const round = (n: number) => Math.round(n * 100) / 100;

function pgVersion(): string {
  return execFileSync(path.join(PG_BIN, 'postgres'), ['--version'], { encoding: 'utf8' }).trim();
}

/** Runs an iBet CLI command against `databaseUrl`; resolves with its stdout (rejects on failure). */
function cli(args: string[], databaseUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c) => {
      out += c;
    });
    child.stderr!.on('data', (c) => {
      err += c;
    });
    child.on('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${args[0]} exited ${code}: ${err.slice(-2000)}`)),
    );
  });
}

function spawnLedgerCheck(databaseUrl: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'ledger:check'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    });
    child.on('exit', (code) => resolve(code === 0));
  });
}

// biome-ignore lint/suspicious/noExplicitAny: the report object built in main(), read by field
type Report = Record<string, any>;

function markdown(r: Report): string {
  return [
    `Drill of ${r.date} (${r.machine}), WAL ${r.walMode === 'stream' ? 'streamed synchronously by pg_receivewal' : 'archived by archive_command, archive_timeout = 1 s'}:`,
    '',
    '| measure | value |',
    '| --- | --- |',
    `| write load before the loss | ${r.load.clients} clients, ${r.load.betsAcknowledgedBeforeLoss} bets acknowledged in ${r.load.seconds} s |`,
    `| **RTO** (loss → first bet accepted again) | **${r.rto.seconds} s** |`,
    `| … copy the base backup | ${r.rto.copyBaseBackupSeconds} s |`,
    `| … replay the WAL archive (${r.rto.walArchivedMB} MB), promote | ${r.rto.walReplayAndStartSeconds} s |`,
    `| … iBet reconnects and accepts a bet | ${r.rto.appReconnectSeconds} s |`,
    `| **RPO**: acknowledged bets lost | **${r.rpo.acknowledgedBetsLost}** |`,
    `| RPO: window of the lost acknowledgements | ${r.rpo.lostWindowSeconds} s |`,
    `| last recovered commit before the loss | ${r.rpo.lastRecoveredCommitBeforeLossSeconds} s before it |`,
    `| point-in-time restore (copy + replay to T) | ${r.pitr.seconds} s |`,
    `| PITR: bets acknowledged before T missing / placed after T present | ${r.pitr.acknowledgedBeforeTargetMissing} / ${r.pitr.placedAfterTargetPresent} |`,
    `| ledger check on the restored database | ${r.ledgerCheckOk ? 'holds' : 'FAILS'} |`,
    `| logical path: \`npm run backup\` (${r.logical.dumpMB} MB dump) / \`npm run restore\` with verification | ${r.logical.backupSeconds} s / ${r.logical.restoreAndVerifySeconds} s (${r.logical.verified ? 'verified' : 'NOT verified'}) |`,
  ].join('\n');
}

function writeDocs(report: Report): void {
  const file = path.join(ROOT, 'docs/runbooks/disaster-recovery.md');
  const text = readFileSync(file, 'utf8');
  const marker = `<!-- drill:${report.walMode} -->`;
  const end = `<!-- /drill:${report.walMode} -->`;
  const start = text.indexOf(marker);
  const stop = text.indexOf(end);
  if (start < 0 || stop < 0) throw new Error(`${file} lacks ${marker} … ${end}`);
  writeFileSync(
    file,
    `${text.slice(0, start + marker.length)}\n${markdown(report)}\n${text.slice(stop)}`,
  );
  log(`figures written to ${file}`);
}

function cleanup(): void {
  stopping = true;
  ibet?.kill('SIGTERM');
  receiver?.kill('SIGTERM');
  for (const dir of started) stopCluster(dir, 'immediate');
  if (!values.keep) rmSync(root, { recursive: true, force: true });
  else log(`kept ${root}`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

main().then(
  async () => {
    if (ibet) {
      stopping = true;
      ibet.kill('SIGTERM');
      await new Promise((resolve) => ibet!.once('exit', resolve));
    }
    cleanup();
    process.exit(0);
  },
  (error) => {
    log(`drill failed: ${error instanceof Error ? error.stack : String(error)}`);
    cleanup();
    process.exit(1);
  },
);
