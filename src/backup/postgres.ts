// PostgreSQL backup and restore with the PostgreSQL tools: pg_dump (custom format) of one
// exported snapshot — the same snapshot the manifest's row counts and ledger totals were read
// in — and pg_restore into an empty database in one transaction.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { type Queryable, toParams } from '../platform/db/db.ts';
import { type DatabaseState, readState } from './manifest.ts';
import type { Progress } from './progress.ts';

/** The URL without its password, which goes to the tools through PGPASSWORD instead of argv. */
function connection(url: string): { url: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (parsed.password) {
    env.PGPASSWORD = decodeURIComponent(parsed.password);
    parsed.password = '';
  }
  return { url: parsed.toString(), env };
}

/** A connection of its own (a lost one fails its statement; the command then fails). */
async function client(url: string): Promise<pg.Client> {
  const conn = new pg.Client({ connectionString: url, application_name: 'ibet-backup' });
  conn.on('error', () => {});
  await conn.connect();
  return conn;
}

function queryable(conn: pg.Client): Queryable {
  return {
    async query<T>(text: string, params?: readonly unknown[]) {
      return (await conn.query(text, toParams(params))).rows as T[];
    },
  };
}

/** Runs a PostgreSQL tool; `onLine` sees its stderr (verbose progress) line by line. */
function run(
  tool: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
  stdout?: (stream: NodeJS.ReadableStream) => Promise<void>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env, stdio: ['ignore', stdout ? 'pipe' : 'ignore', 'pipe'] });
    const errors: string[] = [];
    let buffer = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        onLine(line);
        if (/error|fatal/i.test(line)) errors.push(line);
      }
    });
    const piped = stdout ? stdout(child.stdout!) : Promise.resolve();
    child.on('error', reject);
    child.on('close', (code) => {
      piped.then(
        () =>
          code === 0
            ? resolve()
            : reject(
                new Error(`${tool} exited ${code}: ${errors.slice(-5).join(' | ') || buffer}`),
              ),
        reject,
      );
    });
  });
}

export interface Dumped {
  state: DatabaseState;
  serverVersion: string;
  sizeBytes: number;
  sha256: string;
}

export async function dumpPostgres(url: string, file: string, progress: Progress): Promise<Dumped> {
  const conn = await client(url);
  try {
    // One snapshot for everything: the manifest's figures and pg_dump see the same data.
    await conn.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const q = queryable(conn);
    const [{ snapshot }] = (await q.query('SELECT pg_export_snapshot() AS snapshot')) as [
      { snapshot: string },
    ];
    const [{ server_version: serverVersion }] = (await q.query('SHOW server_version')) as [
      { server_version: string },
    ];
    progress.note('reading row counts and ledger totals');
    const state = await readState(q);
    const tables = Object.keys(state.rowCounts).length;
    let dumped = 0;
    const hash = createHash('sha256');
    let size = 0;
    const { url: safeUrl, env } = connection(url);
    await run(
      'pg_dump',
      [
        '--format=custom',
        '--compress=6',
        `--snapshot=${snapshot}`,
        '--verbose',
        `--dbname=${safeUrl}`,
      ],
      env,
      (line) => {
        const match = /dumping contents of table "([^"]+)"/.exec(line);
        if (match) progress.update(++dumped, tables, match[1]);
      },
      (stdout) =>
        pipeline(
          stdout,
          new Transform({
            transform(chunk: Buffer, _encoding, callback) {
              hash.update(chunk);
              size += chunk.length;
              callback(null, chunk);
            },
          }),
          createWriteStream(file),
        ),
    );
    progress.update(tables, tables, 'done');
    progress.end();
    await conn.query('COMMIT');
    return { state, serverVersion, sizeBytes: size, sha256: hash.digest('hex') };
  } finally {
    await conn.end();
  }
}

/** Schemas of the target that hold data (anything but the system's). */
async function userSchemas(q: Queryable): Promise<string[]> {
  const rows = await q.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace
     WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND nspname NOT LIKE 'pg\\_%'
     ORDER BY 1`,
  );
  return rows.map((r) => r.nspname);
}

export async function restorePostgres(
  url: string,
  file: string,
  options: { force: boolean; tables: number; progress: Progress },
): Promise<DatabaseState> {
  const conn = await client(url);
  try {
    const q = queryable(conn);
    const present = await userSchemas(q);
    if (present.length > 0) {
      if (!options.force) {
        throw new Error(
          `the target database is not empty (schemas ${present.join(', ')}); restore into an empty database, or pass --force to replace them`,
        );
      }
      options.progress.note(`dropping ${present.join(', ')}`);
      await q.query(
        `DROP SCHEMA ${present.map((s) => `"${s.replaceAll('"', '""')}"`).join(', ')} CASCADE`,
      );
    }
    const { url: safeUrl, env } = connection(url);
    let restored = 0;
    await run(
      'pg_restore',
      [
        '--exit-on-error',
        '--single-transaction',
        '--no-owner',
        '--no-privileges',
        '--verbose',
        `--dbname=${safeUrl}`,
        file,
      ],
      env,
      (line) => {
        const match = /processing data for table "([^"]+)"/.exec(line);
        if (match) options.progress.update(++restored, options.tables, match[1]);
      },
    );
    options.progress.update(options.tables, options.tables, 'done');
    options.progress.end();
    await q.query('ANALYZE');
    return await readState(q);
  } finally {
    await conn.end();
  }
}
