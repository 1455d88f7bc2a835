import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { inject } from 'vitest';
import type { Db } from '../../src/platform/db/db.ts';
import { openPglite } from '../../src/platform/db/pglite.ts';
import { openPostgres } from '../../src/platform/db/postgres.ts';
import { databaseUrl, postgresUrl } from './engine.ts';

// PostgreSQL's parent process id names the run (see global-setup's cleanup).
const runId = process.env.VITEST_POOL_ID ? process.ppid : process.pid;

/** A fresh, migrated database of its own for a test file. `close()` removes it. */
export async function createTestDb(): Promise<Db> {
  const template = inject('template');
  if (!postgresUrl) {
    const dump = new Blob([readFileSync(template)]);
    return openPglite({ loadDataDir: dump });
  }
  const name = `ibet_t_${runId}_${randomBytes(6).toString('hex')}`;
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  const db = await openPostgres({ url: databaseUrl(postgresUrl, name), poolSize: 20 });
  return {
    ...db,
    async close() {
      await db.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
