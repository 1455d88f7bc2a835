// Numbered SQL migrations from `migrations/`, applied in order, each in its own transaction,
// identically on PGlite and PostgreSQL. An advisory lock makes concurrent starters (several
// pods) apply each file once.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));

export interface Migration {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(path.join(dir, file), 'utf8');
      return {
        version: file.slice(0, 4),
        name: file.slice(5, -4),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

const LOCK = `SELECT pg_advisory_xact_lock(7310452)`;
const BOOTSTRAP = `
  CREATE SCHEMA IF NOT EXISTS platform;
  CREATE TABLE IF NOT EXISTS platform.schema_migrations (
    version    text PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  );`;

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Applied migrations whose file changed afterwards. */
  changed: string[];
}

export async function migrationStatus(
  db: Db,
  migrations = readMigrations(),
): Promise<MigrationStatus> {
  const exists = await db.query<{ present: boolean }>(
    `SELECT to_regclass('platform.schema_migrations') IS NOT NULL AS present`,
  );
  const rows = exists[0]?.present
    ? await db.query<{ version: string; checksum: string }>(
        'SELECT version, checksum FROM platform.schema_migrations',
      )
    : [];
  const applied = new Map(rows.map((r) => [r.version, r.checksum]));
  return {
    applied: [...applied.keys()].sort(),
    pending: migrations.filter((m) => !applied.has(m.version)).map((m) => m.version),
    changed: migrations
      .filter((m) => applied.has(m.version) && applied.get(m.version) !== m.checksum)
      .map((m) => m.version),
  };
}

/** Applies every pending migration; returns the versions it applied. */
export async function migrate(db: Db, migrations = readMigrations()): Promise<string[]> {
  // Without the statement deadline: DDL on a big table runs long, and another process may
  // hold the lock while it migrates.
  const unbounded = { deadline: false } as const;
  await db.transaction(async (tx) => {
    await tx.query(LOCK);
    await tx.script(BOOTSTRAP);
  }, unbounded);
  const applied: string[] = [];
  for (const migration of migrations) {
    // The file and its bookkeeping row commit together, under the lock.
    const done = await db.transaction(async (tx) => {
      await tx.query(LOCK);
      const found = await tx.query('SELECT 1 FROM platform.schema_migrations WHERE version = $1', [
        migration.version,
      ]);
      if (found.length > 0) return false;
      await tx.script(migration.sql);
      await tx.query(
        'INSERT INTO platform.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
        [migration.version, migration.name, migration.checksum],
      );
      return true;
    }, unbounded);
    if (done) applied.push(migration.version);
  }
  return applied;
}
