// `npm run ledger:check` as an operator runs it: a child process against a database of its own
// (PostgreSQL when DATABASE_URL is set, otherwise an embedded data directory).
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openPlayerAccounts, sandboxProvider } from '../../src/modules/wallet/index.ts';
import { deposit } from '../../src/modules/wallet/payments.ts';
import { loadConfig } from '../../src/platform/config.ts';
import type { Db } from '../../src/platform/db/db.ts';
import { openPglite } from '../../src/platform/db/pglite.ts';
import { openPostgres } from '../../src/platform/db/postgres.ts';
import { databaseUrl, engine, postgresUrl } from '../support/engine.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<Run> {
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    LOG_LEVEL: 'silent',
    ...env,
  };
  if (!env.DATABASE_URL) delete childEnv.DATABASE_URL;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', ...args],
      { cwd: ROOT, env: childEnv, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Where the CLI's database lives, and how to open it from the test. */
interface Target {
  env: Record<string, string>;
  open(): Promise<Db>;
  cleanup(): Promise<void>;
}

async function prepareTarget(): Promise<Target> {
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
      open: () => openPostgres({ url, poolSize: 2 }),
      async cleanup() {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'ibet-ledger-cli-'));
  const env = { IBET_DATA_DIR: dir };
  const migrated = await cli(['migrate'], env);
  expect(migrated, migrated.stderr).toMatchObject({ code: 0 });
  expect(migrated.stdout).toMatch(/^applied 0001/);
  return {
    env,
    // The same directory `openDatabase` uses for IBET_DATA_DIR.
    open: () => openPglite({ dataDir: path.join(dir, 'pglite') }),
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe(`npm run ledger:check (${engine})`, () => {
  let target: Target;
  let ownerId: string;

  beforeAll(async () => {
    target = await prepareTarget();
    const db = await target.open();
    try {
      ownerId = randomUUID();
      await db.transaction((tx) => openPlayerAccounts(tx, ownerId, 'EUR'));
      const { limits } = loadConfig({});
      const outcome = await deposit(
        { db, provider: sandboxProvider, limits },
        { scope: ownerId, idempotencyKey: randomUUID(), input: { ownerId, amount: 4_200n } },
      );
      expect(outcome.result.status).toBe('completed');
    } finally {
      await db.close();
    }
  }, 120_000);
  afterAll(async () => {
    await target?.cleanup();
  });

  it('exits 0 and prints an ok report when the ledger holds', async () => {
    const run = await cli(['ledger:check'], target.env);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      ok: true,
      currencies: [{ currency: 'EUR', sum: '0', accounts: 3, transfers: 1 }],
      drift: [],
      negative: [],
    });
  }, 60_000);

  it('exits 1 and names the drifting account when a balance was tampered with', async () => {
    const db = await target.open();
    try {
      await db.query(
        `UPDATE wallet.accounts SET balance = balance + 1 WHERE owner_id = $1 AND kind = 'player_cash'`,
        [ownerId],
      );
    } finally {
      await db.close();
    }
    const run = await cli(['ledger:check'], target.env);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(false);
    expect(report.drift).toMatchObject([{ ownerId, balance: '4201', expected: '4200' }]);
    expect(report.currencies).toMatchObject([{ currency: 'EUR', sum: '1' }]);
  }, 60_000);
});
