import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import type { Db } from '../../src/platform/db/db.ts';
import { openPglite } from '../../src/platform/db/pglite.ts';
import { openPostgres } from '../../src/platform/db/postgres.ts';
import { databaseUrl, postgresUrl } from './engine.ts';

// PostgreSQL's parent process id names the run (see global-setup's cleanup).
const runId = process.env.VITEST_POOL_ID ? process.ppid : process.pid;

/**
 * A fresh database of its own for a test file, migrated unless `migrated: false` (then it has
 * nothing in it, not even the migration table). `close()` removes it.
 */
export async function createTestDb(options: { migrated?: boolean } = {}): Promise<Db> {
  const migrated = options.migrated !== false;
  const template = inject('template');
  if (!postgresUrl) {
    return migrated
      ? openPglite({ loadDataDir: new Blob([readFileSync(template)]) })
      : openPglite();
  }
  const name = `ibet_t_${runId}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}${migrated ? ` TEMPLATE ${template}` : ''}`);
  const db = await openPostgres({ url: databaseUrl(postgresUrl, name), poolSize: 20 });
  return {
    ...db,
    async close() {
      await db.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
