// The authorization matrix, generated from the OpenAPI document: every operation under /api/
// declares who may call it, and every caller who may not is refused before the request is
// even validated. A new route is covered the moment it is documented.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, ROLES, type Role } from '../../src/modules/identity/index.ts';
import { type Player, useTestApp } from '../support/app.ts';
import { countAll, expectProblem, staffSession } from '../support/identity-helpers.ts';

interface Operation {
  method: string;
  path: string;
  access: string;
  security: unknown;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** Tables any refused request could have touched by mistake. */
const GUARDED = [
  'identity.accounts',
  'identity.refresh_tokens',
  'wallet.accounts',
  'wallet.transfers',
  'wallet.payments',
  'catalog.sports',
  'catalog.competitions',
  'catalog.events',
  'catalog.markets',
  'catalog.selections',
  'catalog.market_results',
  'betting.bets',
  'platform.idempotency_keys',
  'platform.outbox',
];

describe('the authorization matrix', () => {
  const t = useTestApp();
  let operations: Operation[];
  let player: Player;
  const staff = {} as Record<Role | 'none', string>;

  beforeAll(async () => {
    const doc = (await t.api.get('/api/openapi.json')).body;
    operations = Object.entries<Record<string, any>>(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((method) => item[method]).map((method) => ({
        method: method.toUpperCase(),
        path,
        access: item[method]['x-ibet-access'],
        security: item[method].security,
      })),
    );
    player = await t.player();
    for (const role of [...(Object.keys(ROLES) as Role[]), 'none' as const]) {
      staff[role] = (await staffSession(t.db, t.api, role === 'none' ? [] : [role])).token;
    }
  });

  const api = () => operations.filter((op) => op.path.startsWith('/api/'));
  const byAccess = (test: (access: string) => boolean) => api().filter((op) => test(op.access));

  /** Calls an operation the way a client would, with random ids and an empty body. */
  function call(op: Operation, token?: string) {
    const url = op.path.replace(/\{[^}]+\}/g, () => randomUUID());
    const body = op.method === 'GET' || op.method === 'DELETE' ? undefined : {};
    return t.api.request(op.method, url, body, { token });
  }

  it('documents a good number of operations under /api/, of every kind of access', () => {
    expect(api().length).toBeGreaterThanOrEqual(20);
    expect(byAccess((a) => a === 'public').length).toBeGreaterThan(0);
    expect(byAccess((a) => a === 'player').length).toBeGreaterThan(0);
    expect(byAccess((a) => a === 'authenticated').length).toBeGreaterThan(0);
    expect(byAccess((a) => a.startsWith('staff:')).length).toBeGreaterThan(0);
  });

  it('has every operation under /api/ declare its access in x-ibet-access', () => {
    const valid = new Set([
      'public',
      'authenticated',
      'player',
      ...PERMISSIONS.map((p) => `staff:${p}`),
    ]);
    const undeclared = api().filter((op) => !valid.has(op.access));
    expect(undeclared.map((op) => `${op.method} ${op.path}: ${op.access}`)).toEqual([]);
  });

  it('marks every non-public operation as needing a bearer token, and no public one', () => {
    for (const op of api()) {
      const expected = op.access === 'public' ? undefined : [{ bearerAuth: [] }];
      expect(op.security, `${op.method} ${op.path}`).toEqual(expected);
    }
  });

  it('asks for a token on every non-public operation, before validating anything', async () => {
    const before = await countAll(t.db, GUARDED);
    for (const op of byAccess((a) => a !== 'public')) {
      const response = await call(op);
      expect(response.status, `${op.method} ${op.path}`).toBe(401);
      expectProblem(response, 401, 'unauthenticated');
    }
    expect(await countAll(t.db, GUARDED)).toEqual(before);
  });

  it('refuses a bad token on every non-public operation', async () => {
    for (const op of byAccess((a) => a !== 'public')) {
      const response = await call(op, 'not.a.token');
      expect(response.status, `${op.method} ${op.path}`).toBe(401);
      expectProblem(response, 401, 'token_invalid');
    }
  });

  it('refuses staff on every player operation', async () => {
    const before = await countAll(t.db, GUARDED);
    for (const op of byAccess((a) => a === 'player')) {
      for (const role of Object.keys(staff) as (keyof typeof staff)[]) {
        const response = await call(op, staff[role]);
        expect(response.status, `${op.method} ${op.path} as ${role}`).toBe(403);
        expectProblem(response, 403, 'forbidden');
      }
    }
    expect(await countAll(t.db, GUARDED)).toEqual(before);
  });

  it('refuses players and every role without the permission on every staff operation', async () => {
    const before = await countAll(t.db, GUARDED);
    let refusals = 0;
    for (const op of byAccess((a) => a.startsWith('staff:'))) {
      const permission = op.access.slice('staff:'.length);
      const playerResponse = await call(op, player.token);
      expect(playerResponse.status, `${op.method} ${op.path} as a player`).toBe(403);
      expectProblem(playerResponse, 403, 'forbidden');

      const lacking = (Object.keys(staff) as (keyof typeof staff)[]).filter(
        (role) => role === 'none' || !(ROLES[role] as readonly string[]).includes(permission),
      );
      for (const role of lacking) {
        const response = await call(op, staff[role]);
        expect(response.status, `${op.method} ${op.path} as ${role}`).toBe(403);
        expect(expectProblem(response, 403, 'forbidden').permission).toBe(permission);
        refusals++;
      }
    }
    expect(refusals).toBeGreaterThan(0);
    expect(await countAll(t.db, GUARDED)).toEqual(before);
  });

  it('lets every role with the permission past the access check', async () => {
    // Past the gate, a request with random ids and an empty body fails validation or finds
    // nothing: anything but 401/403, and never a 500.
    for (const op of byAccess((a) => a.startsWith('staff:'))) {
      const permission = op.access.slice('staff:'.length);
      const holding = (Object.keys(ROLES) as Role[]).filter((role) =>
        (ROLES[role] as readonly string[]).includes(permission),
      );
      expect(holding, `${op.access} is granted by no role`).toContain('admin');
      for (const role of holding) {
        const response = await call(op, staff[role]);
        expect([401, 403], `${op.method} ${op.path} as ${role}`).not.toContain(response.status);
        expect(response.status, `${op.method} ${op.path} as ${role}`).toBeLessThan(500);
      }
    }
  });

  it('lets players onto player operations and anyone onto public ones, without a 500', async () => {
    for (const op of byAccess((a) => a === 'player' || a === 'authenticated')) {
      const response = await call(op, player.token);
      expect([401, 403], `${op.method} ${op.path}`).not.toContain(response.status);
      expect(response.status, `${op.method} ${op.path}`).toBeLessThan(500);
    }
    for (const op of byAccess((a) => a === 'public')) {
      const response = await call(op);
      expect([401, 403], `${op.method} ${op.path}`).not.toContain(response.status);
      expect(response.status, `${op.method} ${op.path}`).toBeLessThan(500);
    }
  });
});
