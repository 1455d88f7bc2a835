import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../../../test/support/db.ts';
import { engine } from '../../../test/support/engine.ts';
import type { Db } from './db.ts';
import { type Migration, migrate, migrationStatus, readMigrations } from './migrate.ts';

const extra = (version: string, sql: string): Migration => ({
  version,
  name: `test_${version}`,
  sql,
  checksum: createHash('sha256').update(sql).digest('hex'),
});

const emptyDatabase = () => createTestDb({ migrated: false });

describe('readMigrations', () => {
  it('reads the numbered files in order, with a checksum of their text, and ignores others', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ibet-migrations-'));
    try {
      writeFileSync(path.join(dir, '0002_second.sql'), 'SELECT 2;');
      writeFileSync(path.join(dir, '0001_first.sql'), 'SELECT 1;');
      writeFileSync(path.join(dir, 'README.md'), '# notes');
      writeFileSync(path.join(dir, '0003_Bad-Name.sql'), 'SELECT 3;');
      writeFileSync(path.join(dir, '0004_draft.sql.bak'), 'SELECT 4;');
      expect(readMigrations(dir)).toEqual([
        { ...extra('0001', 'SELECT 1;'), name: 'first' },
        { ...extra('0002', 'SELECT 2;'), name: 'second' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds the shipped migrations with unique, increasing versions', () => {
    const versions = readMigrations().map((m) => m.version);
    expect(versions.length).toBeGreaterThan(0);
    expect(versions).toEqual([...new Set(versions)].sort());
  });
});

describe(`migrations on an empty ${engine} database`, () => {
  let db: Db;
  beforeAll(async () => {
    db = await emptyDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('reports every migration pending before the first run', async () => {
    const all = readMigrations().map((m) => m.version);
    expect(await migrationStatus(db)).toEqual({ applied: [], pending: all, changed: [] });
  });

  it('applies every migration once: the second run applies nothing', async () => {
    const all = readMigrations().map((m) => m.version);
    expect(await migrate(db)).toEqual(all);
    expect(await migrate(db)).toEqual([]);
    expect(await migrationStatus(db)).toEqual({ applied: all, pending: [], changed: [] });
  });
});

describe(`migrations on a migrated ${engine} database`, () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('applies nothing to an up-to-date database', async () => {
    expect(await migrate(db)).toEqual([]);
    expect((await migrationStatus(db)).pending).toEqual([]);
  });

  it('reports a new file as pending and applies only it, once, even from two runners at once', async () => {
    const list = [...readMigrations(), extra('9001', 'CREATE TABLE public.m9001 (id int);')];
    expect((await migrationStatus(db, list)).pending).toEqual(['9001']);
    const runs = await Promise.all([migrate(db, list), migrate(db, list)]);
    expect(runs.flat()).toEqual(['9001']);
    expect(await db.query(`SELECT to_regclass('public.m9001')::text AS t`)).toEqual([
      { t: 'm9001' },
    ]);
    expect(await migrationStatus(db, list)).toMatchObject({ pending: [], changed: [] });
  });

  it('reports an applied file whose text changed afterwards', async () => {
    const shipped = readMigrations();
    const edited = shipped.map((m, i) =>
      i === 1 ? { ...m, sql: `${m.sql}\n-- edited`, checksum: 'different' } : m,
    );
    expect(await migrationStatus(db, edited)).toMatchObject({
      pending: [],
      changed: [shipped[1]!.version],
    });
  });

  it('rolls back a failing migration with its bookkeeping row and stops there', async () => {
    const list = [
      ...readMigrations(),
      extra('9002', 'CREATE TABLE public.m9002 (id int); SELECT 1 / 0;'),
      extra('9003', 'CREATE TABLE public.m9003 (id int);'),
    ];
    await expect(migrate(db, list)).rejects.toMatchObject({ code: '22012' });
    const [tables] = await db.query<{ a: string | null; b: string | null }>(
      `SELECT to_regclass('public.m9002')::text AS a, to_regclass('public.m9003')::text AS b`,
    );
    expect(tables).toEqual({ a: null, b: null });
    expect((await migrationStatus(db, list)).pending).toEqual(['9002', '9003']);
  });
});
