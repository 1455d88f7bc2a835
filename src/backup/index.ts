// `npm run backup` and `npm run restore`. A backup is a consistent dump plus a manifest (time,
// engine, size, SHA-256, row counts and ledger totals read in the dump's snapshot), written to
// a directory or S3. A restore checks the dump against its manifest before touching anything,
// restores it into an empty database, then proves the result: the same row counts, the same
// ledger totals, and a ledger that holds.

import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../platform/config.ts';
import { compareState, MANIFEST_FORMAT, type Manifest } from './manifest.ts';
import { dumpPglite, restorePglite } from './pglite.ts';
import { dumpPostgres, restorePostgres } from './postgres.ts';
import { type Progress, progressBar } from './progress.ts';
import { openStore, readJson, writeJson } from './storage.ts';

export { compareState, type Manifest, readState } from './manifest.ts';

type BackupConfig = Pick<Config, 'databaseUrl' | 'dataDir' | 'backupLocation'> & {
  notifications: { aws: { region: string | undefined; endpoint: string | undefined } };
};

const stampOf = (date: Date) =>
  date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

function storeOf(config: BackupConfig, location: string | undefined) {
  return openStore(location ?? config.backupLocation, {
    region: config.notifications.aws.region,
    endpoint: config.notifications.aws.endpoint,
  });
}

export interface BackupResult {
  manifest: Manifest;
  /** Where the manifest is: a path or an s3:// URL. */
  manifestAt: string;
}

export async function backup(
  config: BackupConfig,
  options: { to?: string | undefined; version: string; progress?: Progress },
): Promise<BackupResult> {
  const store = storeOf(config, options.to);
  const engine = config.databaseUrl ? 'postgres' : 'pglite';
  const started = new Date();
  const name = `ibet-${engine}-${stampOf(started)}`;
  const file = `${name}.${engine === 'postgres' ? 'dump' : 'tar.gz'}`;
  const work = store.directory ?? mkdtempSync(path.join(tmpdir(), 'ibet-backup-'));
  const progress = options.progress ?? progressBar('backup');
  try {
    const local = path.join(work, file);
    const dumped = config.databaseUrl
      ? await dumpPostgres(config.databaseUrl, local, progress)
      : await dumpPglite(config.dataDir, local, progress);
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      engine,
      kind: engine === 'postgres' ? 'pg_dump-custom' : 'pglite-datadir-tgz',
      version: options.version,
      serverVersion: dumped.serverVersion,
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      file,
      sizeBytes: dumped.sizeBytes,
      sha256: dumped.sha256,
      ...dumped.state,
    };
    const manifestFile = `${name}.manifest.json`;
    await writeJson(path.join(work, manifestFile), manifest);
    if (!store.directory) {
      progress.note(`uploading to ${store.location}`);
      await store.put(local, file);
      await store.put(path.join(work, manifestFile), manifestFile); // last: a manifest means complete
    }
    return {
      manifest,
      manifestAt: store.directory
        ? path.join(store.directory, manifestFile)
        : `${store.location}/${manifestFile}`,
    };
  } finally {
    if (!store.directory) rmSync(work, { recursive: true, force: true });
  }
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

export interface RestoreResult {
  manifest: Manifest;
  /** Empty when the restored database has exactly the backup's rows and ledger totals. */
  problems: string[];
  seconds: number;
}

/**
 * Restores a backup. `from` is a manifest (a path or s3:// URL), or a directory / s3 prefix
 * whose newest manifest is used; by default the newest in IBET_BACKUP_LOCATION.
 * Throws before changing anything when the dump does not match its manifest, the engine
 * differs, or the target holds a database and `force` is not set.
 */
export async function restore(
  config: BackupConfig,
  options: { from?: string | undefined; force?: boolean; progress?: Progress },
): Promise<RestoreResult> {
  const started = performance.now();
  const from = options.from ?? config.backupLocation;
  const isManifest = from.endsWith('.manifest.json');
  const store = storeOf(config, isManifest ? from.replace(/\/[^/]+$/, '') || '/' : from);
  let manifestName = isManifest ? from.slice(from.lastIndexOf('/') + 1) : undefined;
  if (!manifestName) {
    manifestName = (await store.manifests()).at(-1);
    if (!manifestName) throw new Error(`no backup in ${store.location}`);
  }
  const work = mkdtempSync(path.join(tmpdir(), 'ibet-restore-'));
  const progress = options.progress ?? progressBar('restore');
  try {
    const manifest = await readJson<Manifest>(
      await store.get(manifestName, path.join(work, manifestName)),
    );
    if (manifest.format !== MANIFEST_FORMAT)
      throw new Error(`unknown backup format ${manifest.format}`);
    const engine = config.databaseUrl ? 'postgres' : 'pglite';
    if (manifest.engine !== engine) {
      throw new Error(
        `this is a ${manifest.engine} backup and the target is ${engine}: restore it to the same kind of database (or export through the API)`,
      );
    }
    progress.note(`verifying ${manifest.file} (${manifest.sizeBytes} bytes)`);
    const dump = await store.get(manifest.file, path.join(work, manifest.file));
    const size = statSync(dump).size;
    const sha256 = await sha256Of(dump);
    if (size !== manifest.sizeBytes || sha256 !== manifest.sha256) {
      throw new Error(
        `${manifest.file} does not match its manifest (size ${size} vs ${manifest.sizeBytes}, sha256 ${sha256} vs ${manifest.sha256}); nothing was restored`,
      );
    }
    const state = config.databaseUrl
      ? await restorePostgres(config.databaseUrl, dump, {
          force: options.force === true,
          tables: Object.keys(manifest.rowCounts).length,
          progress,
        })
      : await restorePglite(config.dataDir, dump, { force: options.force === true, progress });
    const problems = compareState(manifest, state);
    if (!state.ledger.ok) problems.push('the ledger check fails on the restored database');
    return { manifest, problems, seconds: (performance.now() - started) / 1000 };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
