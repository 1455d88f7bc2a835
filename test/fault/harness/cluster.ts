// A throwaway PostgreSQL cluster of the fault suite's own: initdb into a temporary directory,
// its own port (5498 unless IBET_FAULT_PG_PORT says otherwise), started with pg_ctl. The
// destructive faults (terminating every backend, `pg_ctl stop -m immediate`) happen here and
// never on a server other people use. The same approach as scripts/dr-drill.ts.
import { execFileSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

/** The server binaries: IBET_PG_BIN, else the newest Debian install. */
export const PG_BIN =
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

function pg(tool: string, args: string[]): string {
  const file = path.join(PG_BIN, tool);
  const [cmd, argv] = AS_ROOT ? ['runuser', ['-u', PG_USER, '--', file, ...args]] : [file, args];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function own(dir: string): void {
  if (!AS_ROOT) return;
  const uid = Number(execFileSync('id', ['-u', PG_USER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', PG_USER], { encoding: 'utf8' }).trim());
  chownSync(dir, uid, gid);
}

export interface Cluster {
  port: number;
  dir: string;
  /** postgres://postgres@127.0.0.1:port/<database> */
  url(database?: string): string;
  start(): void;
  /** `pg_ctl stop -m immediate`: a crash, as far as PostgreSQL is concerned. */
  crash(): void;
  stop(): void;
  destroy(): void;
}

/** Creates (initdb) and configures a new cluster in a temporary directory; not started. */
export function createCluster(port: number): Cluster {
  if (port === 5432 || port === 5499)
    throw new Error(`port ${port} belongs to someone else: pick another for the fault cluster`);
  const dir = mkdtempSync(path.join(tmpdir(), 'ibet-faults-'));
  own(dir);
  const data = path.join(dir, 'data');
  pg('initdb', ['-D', data, '-U', PG_USER, '-A', 'trust', '--no-instructions', '--no-sync']);
  const conf = path.join(data, 'postgresql.conf');
  writeFileSync(
    conf,
    `${readFileSync(conf, 'utf8')}
# --- iBet fault suite ---
port = ${port}
listen_addresses = '127.0.0.1'
unix_socket_directories = '${dir}'
max_connections = 200
shared_buffers = 64MB
fsync = on
synchronous_commit = on
`,
  );
  return clusterAt(dir, port);
}

/** Controls the cluster created in `dir` (from another process than the one that made it). */
export function clusterAt(dir: string, port: number): Cluster {
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  let running = existsSync(path.join(data, 'postmaster.pid'));
  const cluster: Cluster = {
    port,
    dir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start() {
      pg('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '120', 'start']);
      running = true;
    },
    crash() {
      pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      running = false;
    },
    stop() {
      if (!running) return;
      try {
        pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // not running
      }
      running = false;
    },
    destroy() {
      cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** Waits until the cluster answers a query. */
export async function waitForCluster(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    // While the server starts or stops, the connection may fail at any point.
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.end().catch(() => {});
    }
  }
}
