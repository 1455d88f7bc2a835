// Migrates one template database per run; every test file starts from a copy of it
// (PGlite: a data-dir dump loaded in memory; PostgreSQL: CREATE DATABASE … TEMPLATE).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { ensureWebBuilt } from '../../scripts/web-build.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { openPglite } from '../../src/platform/db/pglite.ts';
import { openPostgres } from '../../src/platform/db/postgres.ts';
import { databaseUrl, postgresUrl } from './engine.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    template: string;
  }
}

export default async function setup(project: TestProject) {
  // The server serves the built web apps (web/dist); build them when the sources changed.
  await ensureWebBuilt();
  if (postgresUrl) {
    const name = `ibet_tpl_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const db = await openPostgres({ url: databaseUrl(postgresUrl, name), poolSize: 1 });
    await migrate(db);
    await db.close();
    project.provide('template', name);
    return async () => {
      // Drop what this run created, including databases of files that failed to clean up.
      const { rows: leftovers } = await admin.query<{ datname: string }>(
        'SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2',
        [name, `ibet_t_${process.pid}_%`],
      );
      for (const { datname } of leftovers)
        await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
      await admin.end();
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'ibet-test-'));
  const db = await openPglite();
  await migrate(db);
  const dump = await db.pglite.dumpDataDir('none');
  const file = path.join(dir, 'template.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await db.close();
  project.provide('template', file);
  return () => rmSync(dir, { recursive: true, force: true });
}
