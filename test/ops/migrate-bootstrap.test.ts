// `migrate` as the Kubernetes migration Job runs it: the one step before the roles start
// (`serve --role` never bootstraps), so it also creates the configured admin, once.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Db } from '../../src/platform/db/db.ts';
import { openPglite } from '../../src/platform/db/pglite.ts';
import { openPostgres } from '../../src/platform/db/postgres.ts';
import { databaseUrl, engine, postgresUrl } from '../support/engine.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ADMIN = {
  IBET_ADMIN_EMAIL: 'ops-admin@ibet.example.com',
  IBET_ADMIN_PASSWORD: 'a-long-generated-admin-password',
};

function cli(args: string[], env: Record<string, string>) {
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    LOG_LEVEL: 'silent',
    ...env,
  };
  if (!env.DATABASE_URL) delete childEnv.DATABASE_URL;
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', ...args],
      { cwd: ROOT, env: childEnv, timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe(`migrate bootstraps the admin (${engine})`, () => {
  let env: Record<string, string>;
  let open: () => Promise<Db>;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    if (postgresUrl) {
      const runId = process.env.VITEST_POOL_ID ? process.ppid : process.pid;
      const name = `ibet_t_${runId}_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('template')}`);
      const url = databaseUrl(postgresUrl, name);
      env = { DATABASE_URL: url };
      open = () => openPostgres({ url, poolSize: 1 });
      cleanup = async () => {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      };
    } else {
      const dir = mkdtempSync(path.join(tmpdir(), 'ibet-migrate-admin-'));
      env = { IBET_DATA_DIR: dir };
      open = () => openPglite({ dataDir: path.join(dir, 'pglite') });
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
  afterAll(async () => {
    await cleanup?.();
  });

  async function staffNamed(email: string) {
    const db = await open();
    try {
      return await db.query<{ email: string }>(
        "SELECT email FROM identity.accounts WHERE kind = 'staff' AND email = $1",
        [email],
      );
    } finally {
      await db.close();
    }
  }

  it('creates the configured admin on the first run and leaves it alone on the next', async () => {
    const first = await cli(['migrate'], { ...env, ...ADMIN });
    expect(first, first.stderr).toMatchObject({ code: 0 });
    expect(first.stdout).toContain(`bootstrap admin ${ADMIN.IBET_ADMIN_EMAIL} created`);
    expect(await staffNamed(ADMIN.IBET_ADMIN_EMAIL)).toHaveLength(1);

    const second = await cli(['migrate'], { ...env, ...ADMIN });
    expect(second, second.stderr).toMatchObject({ code: 0 });
    expect(second.stdout).toBe('database is up to date\n');
    expect(await staffNamed(ADMIN.IBET_ADMIN_EMAIL)).toHaveLength(1);
  }, 180_000);

  it('only migrates when no admin is configured', async () => {
    const run = await cli(['migrate'], env);
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.stdout).not.toContain('bootstrap admin');
  }, 120_000);
});
