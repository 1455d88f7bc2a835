// The web apps' typed API client is generated from docs/openapi.json (which the OpenAPI test
// keeps equal to the server): when the API changes, the client must be regenerated with it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT, DOCUMENT, renderClient } from '../../scripts/web-client.ts';
import { OPERATIONS } from '../../web/src/api/schema.gen.ts';

describe('the generated web API client', () => {
  const doc = JSON.parse(readFileSync(DOCUMENT, 'utf8'));

  it('matches docs/openapi.json (run `npm run client` after `npm run openapi`)', async () => {
    const expected = await renderClient(doc);
    const committed = readFileSync(CLIENT, 'utf8');
    if (committed !== expected) {
      const a = committed.split('\n');
      const b = expected.split('\n');
      const line = b.findIndex((text, i) => text !== a[i]);
      throw new Error(
        'web/src/api/schema.gen.ts is out of date: run `npm run client` and commit it.\n' +
          `First difference at line ${line + 1}:\n  committed: ${a[line]}\n  expected:  ${b[line]}`,
      );
    }
  });

  it('knows every operation of the API with its access, step-up and idempotency', () => {
    const operations: string[] = [];
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const [method, op] of Object.entries<any>(item)) {
        const key = `${method.toUpperCase()} ${path}`;
        operations.push(key);
        const meta = OPERATIONS[key as keyof typeof OPERATIONS];
        expect(meta, key).toBeDefined();
        expect(meta.access).toEqual(op['x-ibet-access'] ?? 'public');
        expect(meta.stepUp).toBe(op['x-ibet-step-up'] === true);
      }
    }
    expect(Object.keys(OPERATIONS).sort()).toEqual(operations.sort());
    // The money moves the docs list are the ones that take an idempotency key.
    expect(
      Object.entries(OPERATIONS)
        .filter(([, meta]) => meta.idempotent)
        .map(([key]) => key)
        .sort(),
    ).toEqual(
      expect.arrayContaining([
        'POST /api/v1/admin/markets/{id}/result',
        'POST /api/v1/bets',
        'POST /api/v1/wallet/deposits',
        'POST /api/v1/wallet/withdrawals',
      ]),
    );
  });
});
