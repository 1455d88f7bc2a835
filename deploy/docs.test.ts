// docs/deployment.md maps every control to the test that proves it: the ids there and the
// ids of the tests must be the same set, so neither can drift from the other.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DEPLOY = fileURLToPath(new URL('./', import.meta.url));

function expand(text: string): Set<string> {
  const ids = new Set<string>();
  for (const m of text.matchAll(/\b([SWKDE])(\d\d)(?:–\1?(\d\d))?\b/g)) {
    const from = Number(m[2]);
    const to = m[3] ? Number(m[3]) : from;
    for (let n = from; n <= to; n++) ids.add(`${m[1]}${String(n).padStart(2, '0')}`);
  }
  return ids;
}

describe('docs/deployment.md', () => {
  it('names every control test, and only tests that exist', () => {
    const tests = new Set<string>();
    for (const dir of ['aws', 'k8s', 'docker']) {
      for (const file of readdirSync(path.join(DEPLOY, dir)).filter((f) =>
        f.endsWith('.test.ts'),
      )) {
        const text = readFileSync(path.join(DEPLOY, dir, file), 'utf8');
        for (const m of text.matchAll(/['"`]([SWKDE]\d\d) /g)) tests.add(m[1]!);
      }
    }
    const doc = readFileSync(path.join(ROOT, 'docs/deployment.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## Controls and the tests'), doc.indexOf('## Cost'));
    expect([...expand(table)].sort()).toEqual([...tests].sort());
  });
});
