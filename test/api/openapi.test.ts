import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';

const COMMITTED = new URL('../../docs/openapi.json', import.meta.url);

describe('the OpenAPI document', () => {
  const t = useTestApp();

  it('matches docs/openapi.json byte for byte (run `npm run openapi` after changing the API)', async () => {
    const response = await t.api.get('/api/openapi.json');
    expect(response.status).toBe(200);
    const live = `${JSON.stringify(response.body, null, 2)}\n`;
    let committed: string;
    try {
      committed = readFileSync(COMMITTED, 'utf8');
    } catch {
      throw new Error('docs/openapi.json is missing: run `npm run openapi` and commit it.');
    }
    // Compare as text so that key order and formatting count too.
    if (live !== committed) {
      const liveLines = live.split('\n');
      const committedLines = committed.split('\n');
      const differs = liveLines.findIndex((text, i) => text !== committedLines[i]);
      const line = differs === -1 ? liveLines.length : differs;
      throw new Error(
        'docs/openapi.json is out of date: run `npm run openapi` and commit the result.\n' +
          `First difference at line ${line + 1}:\n` +
          `  committed: ${committedLines[line]}\n  live:      ${liveLines[line]}`,
      );
    }
  });

  it('describes every error answer of every operation as a problem document', async () => {
    const doc = (await t.api.get('/api/openapi.json')).body;
    const missing: string[] = [];
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        const problem = op.responses?.['4XX'] ?? op.responses?.['4xx'];
        const ref = JSON.stringify(problem ?? {});
        if (!ref.includes('Problem')) missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents the paths and bodies of the identity routes', async () => {
    const doc = (await t.api.get('/api/openapi.json')).body;
    for (const path of [
      '/api/v1/auth/register',
      '/api/v1/auth/login',
      '/api/v1/auth/refresh',
      '/api/v1/staff/auth/login',
      '/api/v1/staff/auth/refresh',
      '/api/v1/me',
      '/.well-known/jwks.json',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    const register = doc.paths['/api/v1/auth/register'].post;
    expect(register.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['email', 'password', 'displayName', 'dateOfBirth', 'country']),
    );
  });
});
