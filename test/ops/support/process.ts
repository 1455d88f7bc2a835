// iBet as an operator runs it: child processes of `src/main.ts` against a database of their own
// (PostgreSQL when DATABASE_URL is set, otherwise an embedded data directory).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { inject } from 'vitest';
import type { Db } from '../../../src/platform/db/db.ts';
import { openPglite } from '../../../src/platform/db/pglite.ts';
import { openPostgres } from '../../../src/platform/db/postgres.ts';
import { databaseUrl, postgresUrl } from '../../support/engine.ts';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function childEnv(env: Record<string, string>): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = {
    ...process.env,
    LOG_LEVEL: 'silent',
    ...env,
  };
  if (!env.DATABASE_URL) delete merged.DATABASE_URL;
  return merged;
}

/** Runs one CLI command to completion. */
export function cli(args: string[], env: Record<string, string>, timeout = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', ...args],
      { cwd: ROOT, env: childEnv(env), timeout, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Where a child process's database lives, and how to open it from the test. */
export interface Target {
  env: Record<string, string>;
  /** The data directory (embedded) or the database URL (PostgreSQL). */
  where: string;
  open(): Promise<Db>;
  cleanup(): Promise<void>;
}

/** A migrated database for child processes: a copy of the template, or a fresh data dir. */
export async function prepareTarget(prefix: string): Promise<Target> {
  if (postgresUrl) {
    // Named like the harness's databases, so global teardown drops it if this file cannot.
    const runId = process.env.VITEST_POOL_ID ? process.ppid : process.pid;
    const name = `ibet_t_${runId}_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('template')}`);
    const url = databaseUrl(postgresUrl, name);
    return {
      env: { DATABASE_URL: url },
      where: url,
      open: () => openPostgres({ url, poolSize: 4 }),
      async cleanup() {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
  const env = { IBET_DATA_DIR: dir };
  const migrated = await cli(['migrate'], env);
  if (migrated.code !== 0) throw new Error(`migrate: ${migrated.stderr}`);
  return {
    env,
    where: dir,
    // The same directory `openDatabase` uses for IBET_DATA_DIR.
    open: () => openPglite({ dataDir: path.join(dir, 'pglite') }),
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Server {
  child: ChildProcess;
  base: string;
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
}

/** Starts `main.ts <args>` and resolves once it prints where it listens. */
export async function startServer(args: string[], env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: ROOT,
    env: childEnv({ HOST: '127.0.0.1', PORT: '0', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    out += chunk;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address after 90 s:\n${out}`)), 90_000);
    const check = () => {
      const match = /Health\s+(http:\/\/[\d.]+:\d+)\/healthz/.exec(out);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before listening:\n${out}`));
    });
  });
  return { child, base, output: () => out, exited };
}
