import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from './pglite.ts';
import { readTemplate, templatePath } from './pglite-template.ts';

describe('the embedded cluster template', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ibet-template-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps one per PGlite version in the install cache', () => {
    expect(templatePath()).toMatch(
      /node_modules[\\/]\.cache[\\/]ibet[\\/]pglite-\d+\.\d+\.\d+.*-cluster\.tar\.gz$/,
    );
  });

  it('starts a new data directory from the template, as a working empty cluster', async () => {
    const first = await openPglite({ dataDir: path.join(dir, 'a') });
    await first.close();
    // Whether it was there before or the first database just wrote it, it is there now.
    expect(readTemplate()?.size).toBeGreaterThan(1_000_000);
    const db = await openPglite({ dataDir: path.join(dir, 'b') });
    expect(existsSync(path.join(dir, 'b', 'PG_VERSION'))).toBe(true);
    expect(
      await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1',
        ['betting'],
      ),
    ).toEqual([{ n: 0 }]);
    await db.query('CREATE TABLE t (x int)');
    await db.close();
    // An existing directory is opened as it is, never replaced by the template.
    const again = await openPglite({ dataDir: path.join(dir, 'b') });
    expect(await again.query('SELECT x FROM t')).toEqual([]);
    await again.close();
  });
});
