// A new embedded database starts from a template instead of running initdb. PGlite creates a
// cluster by running initdb in WebAssembly, which takes most of a fresh `npm start` (seconds,
// against a fraction of a second to unpack the same cluster from a dump). The template is an
// empty cluster dumped once per installed PGlite version into node_modules/.cache/ibet/ — by
// `npm install` (scripts/pglite-template.ts) or, failing that, by the first database this
// process creates — and unpacked for every new database after it. It holds nothing of iBet:
// migrations run on it as on any new database.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

const require = createRequire(import.meta.url);

/** Where the template of the installed PGlite version lives. */
export function templatePath(): string {
  // The package's manifest is not among its exports: walk up from its entry point.
  let dir = path.dirname(require.resolve('@electric-sql/pglite'));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    version: string;
  };
  // node_modules/@electric-sql/pglite → node_modules/.cache/ibet/
  const nodeModules = path.resolve(dir, '..', '..');
  return path.join(nodeModules, '.cache', 'ibet', `pglite-${version}-cluster.tar.gz`);
}

/** The template as PGlite's `loadDataDir` takes it, or undefined when there is none yet. */
export function readTemplate(): Blob | undefined {
  try {
    return new Blob([readFileSync(templatePath())]);
  } catch {
    return undefined;
  }
}

/**
 * Keeps `pglite` (a cluster just created by initdb, before anything is written to it) as the
 * template. Best effort: a read-only or missing cache directory only means the next new
 * database runs initdb too.
 */
export async function saveTemplate(pglite: PGlite): Promise<void> {
  try {
    const file = templatePath();
    const dump = Buffer.from(await (await pglite.dumpDataDir('gzip')).arrayBuffer());
    mkdirSync(path.dirname(file), { recursive: true });
    // Written aside and renamed, so a concurrent reader never sees half a file.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, dump);
    renameSync(partial, file);
  } catch {
    // The template is an optimisation only.
  }
}
