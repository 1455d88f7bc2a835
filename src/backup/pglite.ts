// Backup and restore of the embedded database: its whole data directory as a gzipped tarball
// (PGlite's own dump format), taken with the directory locked so nothing writes meanwhile.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lockDataDir } from '../platform/db/data-dir-lock.ts';
import { openPglite } from '../platform/db/pglite.ts';
import { type DatabaseState, readState } from './manifest.ts';
import type { Dumped } from './postgres.ts';
import type { Progress } from './progress.ts';

export async function dumpPglite(
  dataDir: string,
  file: string,
  progress: Progress,
): Promise<Dumped> {
  const release = lockDataDir(dataDir);
  try {
    const db = await openPglite({ dataDir: path.join(dataDir, 'pglite') });
    try {
      progress.note('reading row counts and ledger totals');
      const state = await readState(db);
      const [{ server_version: serverVersion }] = (await db.query<{ server_version: string }>(
        'SHOW server_version',
      )) as [{ server_version: string }];
      progress.update(0, 1, 'dumping the data directory');
      const dump = Buffer.from(await (await db.pglite.dumpDataDir('gzip')).arrayBuffer());
      writeFileSync(file, dump);
      progress.update(1, 1, 'done');
      progress.end();
      return {
        state,
        serverVersion: `${serverVersion} (PGlite)`,
        sizeBytes: dump.length,
        sha256: createHash('sha256').update(dump).digest('hex'),
      };
    } finally {
      await db.close();
    }
  } finally {
    release();
  }
}

export async function restorePglite(
  dataDir: string,
  file: string,
  options: { force: boolean; progress: Progress },
): Promise<DatabaseState> {
  const release = lockDataDir(dataDir);
  try {
    const target = path.join(dataDir, 'pglite');
    if (existsSync(target) && readdirSync(target).length > 0) {
      if (!options.force) {
        throw new Error(
          `${target} already holds a database; restore into an empty data directory, or pass --force to set it aside`,
        );
      }
      // Set aside, never deleted: the operator removes it once the restore is verified.
      const aside = `${target}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(target, aside);
      options.progress.note(`the previous database is kept in ${aside}`);
    }
    options.progress.update(0, 1, 'loading the data directory');
    const db = await openPglite({ dataDir: target, loadDataDir: new Blob([readFileSync(file)]) });
    try {
      options.progress.update(1, 1, 'done');
      options.progress.end();
      return await readState(db);
    } finally {
      await db.close();
    }
  } finally {
    release();
  }
}
