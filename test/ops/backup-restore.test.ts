// `npm run backup` and `npm run restore` as an operator runs them, on the engine under test:
// a database with players, payments, bets and a settled market is backed up, wiped, restored
// — and comes back with the same rows and the same ledger totals. A dump that does not match
// its manifest, or a target that is not empty, is refused before anything changes.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Manifest, readState } from '../../src/backup/index.ts';
import type { Db } from '../../src/platform/db/db.ts';
import { startTestApp } from '../support/app.ts';
import { legOn, placedBet, resultMarket } from '../support/betting-helpers.ts';
import { engine, postgresUrl } from '../support/engine.ts';
import { cli, prepareTarget, type Target } from './support/process.ts';
import { startS3 } from './support/s3.ts';

async function stateOf(target: Target) {
  const db = await target.open();
  try {
    return await readState(db);
  } finally {
    await db.close();
  }
}

/** Loses the database: every schema dropped (PostgreSQL), the data directory gone (embedded). */
async function wipe(target: Target): Promise<void> {
  if (postgresUrl) {
    const db: Db = await target.open();
    try {
      const schemas = await db.query<{ nspname: string }>(
        `SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public')
         AND nspname NOT LIKE 'pg\\_%'`,
      );
      await db.query(`DROP SCHEMA ${schemas.map((s) => s.nspname).join(', ')} CASCADE`);
    } finally {
      await db.close();
    }
    return;
  }
  rmSync(path.join(target.where, 'pglite'), { recursive: true, force: true });
}

describe(`backup and restore (${engine})`, () => {
  let target: Target;
  let backups: string;

  beforeAll(async () => {
    target = await prepareTarget('ibet-backup');
    backups = mkdtempSync(path.join(tmpdir(), 'ibet-backups-'));
    // Money in motion: deposits, bets won and lost on a resulted market, an open bet.
    const t = await startTestApp({ db: await target.open() });
    try {
      const [alice, bob] = [await t.player(), await t.player({ currency: 'GBP' })];
      await t.deposit(alice, 50_000n);
      await t.deposit(bob, 20_000n);
      const market = (await t.event({ prices: ['2.00', '3.00', '4.00'] })).markets[0];
      const other = (await t.event()).markets[0];
      await placedBet(t, alice, { stake: '1000', legs: [legOn(market.selections[0])] });
      await placedBet(t, alice, { stake: '700', legs: [legOn(market.selections[1])] });
      await placedBet(t, bob, { stake: '400', legs: [legOn(market.selections[2])] });
      await placedBet(t, bob, { stake: '300', legs: [legOn(other.selections[0])] });
      await resultMarket(t, market.id, { winners: [market.selections[0].id] });
      await t.app.relay!.drain();
    } finally {
      await t.close();
    }
  }, 180_000);
  afterAll(async () => {
    await target?.cleanup();
    if (backups) rmSync(backups, { recursive: true, force: true });
  });

  let manifestPath: string;

  it('writes a dump and a manifest with its size, checksum, row counts and ledger totals', async () => {
    const before = await stateOf(target);
    const run = await cli(['backup', '--to', backups], target.env);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    manifestPath = summary.manifest;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    expect(manifest).toMatchObject({
      format: 'ibet-backup/1',
      engine,
      kind: engine === 'postgres' ? 'pg_dump-custom' : 'pglite-datadir-tgz',
      sizeBytes: readFileSync(path.join(backups, manifest.file)).length,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      rowCounts: before.rowCounts,
      ledger: before.ledger,
      migrations: before.migrations,
    });
    expect(manifest.ledger.ok).toBe(true);
    expect(manifest.ledger.currencies.EUR!.transfers).toBeGreaterThanOrEqual(4);
    expect(manifest.ledger.currencies.GBP!.balances.player_cash).toBe(String(20_000 - 700));
    expect(manifest.rowCounts['betting.bets']).toBe(4);
    expect(Date.parse(manifest.finishedAt)).toBeGreaterThanOrEqual(Date.parse(manifest.startedAt));
    expect(run.stderr).toMatch(/backup .*100%/);
  }, 120_000);

  it('brings a wiped database back with identical rows and ledger totals', async () => {
    const before = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    await wipe(target);
    const run = await cli(['restore', '--from', manifestPath], target.env);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ verified: true, problems: [] });
    const after = await stateOf(target);
    expect(after.rowCounts).toEqual(before.rowCounts);
    expect(after.ledger).toEqual(before.ledger);
    expect(after.migrations).toEqual(before.migrations);
    const check = await cli(['ledger:check'], target.env);
    expect(check.code, check.stdout).toBe(0);
  }, 120_000);

  it('refuses to restore over a database that holds data unless forced', async () => {
    const refused = await cli(['restore', '--from', manifestPath], target.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not empty|already holds a database/);
    const forced = await cli(['restore', '--from', manifestPath, '--force'], target.env);
    expect(forced.code, forced.stderr).toBe(0);
  }, 120_000);

  it('writes to object storage (s3://) and restores the newest backup found there', async () => {
    const s3 = await startS3();
    try {
      const env = {
        ...target.env,
        AWS_REGION: 'eu-west-1',
        IBET_AWS_ENDPOINT: s3.endpoint,
        AWS_ACCESS_KEY_ID: 'AKIATESTTESTTEST',
        AWS_SECRET_ACCESS_KEY: 'test-secret',
      };
      const before = await stateOf(target);
      const run = await cli(['backup', '--to', 's3://ibet-backups/nightly'], env);
      expect(run.code, run.stderr).toBe(0);
      const { manifest } = JSON.parse(run.stdout);
      expect(manifest).toMatch(/^s3:\/\/ibet-backups\/nightly\/ibet-.*\.manifest\.json$/);
      const stored = [...s3.objects.keys()];
      expect(stored).toHaveLength(2);
      expect(stored).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^ibet-backups\/nightly\/ibet-.*\.(dump|tar\.gz)$/),
          expect.stringMatching(/^ibet-backups\/nightly\/ibet-.*\.manifest\.json$/),
        ]),
      );
      await wipe(target);
      const restored = await cli(
        ['restore', '--from', 's3://ibet-backups/nightly', '--force'],
        env,
      );
      expect(restored.code, restored.stderr).toBe(0);
      expect(JSON.parse(restored.stdout)).toMatchObject({ verified: true });
      expect(await stateOf(target)).toEqual(before);
    } finally {
      await s3.close();
    }
  }, 120_000);

  it('refuses a dump that does not match its manifest, and changes nothing', async () => {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    const tampered = mkdtempSync(path.join(tmpdir(), 'ibet-tampered-'));
    try {
      copyFileSync(manifestPath, path.join(tampered, path.basename(manifestPath)));
      const bytes = readFileSync(path.join(backups, manifest.file));
      bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
      writeFileSync(path.join(tampered, manifest.file), bytes);
      const before = await stateOf(target);
      const run = await cli(
        ['restore', '--from', path.join(tampered, path.basename(manifestPath)), '--force'],
        target.env,
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/does not match its manifest/);
      expect(await stateOf(target)).toEqual(before);
    } finally {
      rmSync(tampered, { recursive: true, force: true });
    }
  }, 120_000);
});
