// The authorization matrix, generated from the OpenAPI document: every operation under /api/
// declares who may call it (x-ibet-access) and whether it needs a recent second-factor proof
// (x-ibet-step-up), and every caller who may not is refused before the request is even
// validated. Callers: nobody, a player, a partner, staff of every built-in role, of a custom
// role and of none, and partner API keys of every scope. A new route is covered the moment
// it is documented.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, ROLES } from '../../src/modules/identity/index.ts';
import {
  type Door,
  issueKey,
  PARTNER_PASSWORD,
  partnerSession,
  signInWithMfa,
  staffViaApi,
  staleProofToken,
} from '../support/access-helpers.ts';
import { PASSWORD, type Player, useTestApp } from '../support/app.ts';
import { countAll, expectProblem, staffSession } from '../support/identity-helpers.ts';

interface Operation {
  method: string;
  path: string;
  access: string;
  stepUp: boolean;
  security: unknown;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const SCOPES = ['odds:read', 'webhooks:manage', 'reports:read'] as const;

/** A custom role, so that custom roles are part of the matrix. */
const CUSTOM_ROLE = 'matrix-custom';
const CUSTOM_PERMISSIONS = ['bets:read', 'partners:manage', 'reports:read'];

/** Tables any refused request could have touched by mistake. */
const GUARDED = [
  'identity.accounts',
  'identity.sessions',
  'identity.refresh_tokens',
  'identity.totp',
  'identity.partners',
  'identity.api_keys',
  'identity.roles',
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
  let partner: string;
  /** Staff access tokens by role; `none` holds no role. */
  const staff: Record<string, string> = {};
  /** The permissions each staff caller holds. */
  const holds: Record<string, readonly string[]> = {};
  /** API keys by scope; `all` carries every scope. */
  const keys: Record<string, string> = {};
  /** Tokens of signed-in accounts with a second factor, whose proof is too old for step-up. */
  const stale = {} as Record<'player' | 'partner' | 'staff', string>;

  beforeAll(async () => {
    const doc = (await t.api.get('/api/openapi.json')).body;
    operations = Object.entries<Record<string, any>>(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((method) => item[method]).map((method) => ({
        method: method.toUpperCase(),
        path,
        access: item[method]['x-ibet-access'],
        stepUp: item[method]['x-ibet-step-up'] === true,
        security: item[method].security,
      })),
    );
    player = await t.player();
    for (const role of [...Object.keys(ROLES), 'none']) {
      staff[role] = (await staffSession(t.db, t.api, role === 'none' ? [] : [role])).token;
      holds[role] = role === 'none' ? [] : ROLES[role as keyof typeof ROLES];
    }
    const created = await t.api.post(
      '/api/v1/admin/roles',
      { name: CUSTOM_ROLE, permissions: CUSTOM_PERMISSIONS },
      { token: staff.admin },
    );
    if (created.status !== 201) throw new Error(JSON.stringify(created.body));
    staff[CUSTOM_ROLE] = (await staffViaApi(t.db, t.api, staff.admin!, [CUSTOM_ROLE])).token;
    holds[CUSTOM_ROLE] = CUSTOM_PERMISSIONS;

    const partnerAccount = await partnerSession(t.api, staff.admin!);
    partner = partnerAccount.token;
    for (const scope of SCOPES) keys[scope] = (await issueKey(t.api, partner, [scope])).key;
    keys.all = (await issueKey(t.api, partner, [...SCOPES])).key;

    // Accounts of every kind with a second factor, signed in longer ago than step-up allows.
    const stepUpSeconds = t.app.config.stepUpSeconds;
    const withMfa = async (
      door: Door,
      account: { id: string; email: string; password: string },
    ) => {
      const session = await signInWithMfa(t.db, t.api, door, account);
      return staleProofToken(t.db, t.api, door, session.refreshToken, stepUpSeconds + 60);
    };
    const mfaPlayer = await t.player();
    stale.player = await withMfa('/api/v1/auth', { ...mfaPlayer, password: PASSWORD });
    const mfaPartner = await partnerSession(t.api, staff.admin!);
    stale.partner = await withMfa('/api/v1/partner/auth', {
      ...mfaPartner,
      password: PARTNER_PASSWORD,
    });
    const admin = await staffSession(t.db, t.api, ['admin']);
    stale.staff = await staleProofToken(
      t.db,
      t.api,
      '/api/v1/staff/auth',
      admin.refreshToken,
      stepUpSeconds + 60,
    );
  });

  const api = () => operations.filter((op) => op.path.startsWith('/api/'));
  const byAccess = (test: (access: string) => boolean) => api().filter((op) => test(op.access));
  const isKeyed = (access: string) => access.startsWith('api-key:');
  const withBearer = (access: string) => access !== 'public' && !isKeyed(access);
  const staffCallers = () => Object.keys(staff);

  /** Calls an operation the way a client would, with random ids and an empty body. */
  function call(op: Operation, credentials: { token?: string; key?: string } = {}) {
    const url = op.path.replace(/\{[^}]+\}/g, () => randomUUID());
    const body = op.method === 'GET' || op.method === 'DELETE' ? undefined : {};
    return t.api.request(op.method, url, body, {
      token: credentials.token,
      headers: credentials.key === undefined ? {} : { 'x-api-key': credentials.key },
    });
  }

  it('documents a good number of operations under /api/, of every kind of access', () => {
    expect(api().length).toBeGreaterThanOrEqual(20);
    for (const kind of ['public', 'player', 'partner', 'authenticated']) {
      expect(byAccess((a) => a === kind).length, kind).toBeGreaterThan(0);
    }
    expect(byAccess((a) => a.startsWith('staff:')).length).toBeGreaterThan(0);
    expect(byAccess(isKeyed).length).toBeGreaterThan(0);
    expect(api().filter((op) => op.stepUp).length).toBeGreaterThan(0);
  });

  it('has every operation under /api/ declare its access in x-ibet-access', () => {
    const valid = new Set([
      'public',
      'authenticated',
      'player',
      'partner',
      ...PERMISSIONS.map((p) => `staff:${p}`),
      ...SCOPES.map((s) => `api-key:${s}`),
      // Any valid key, whatever its scopes (GET /api/v1/b2b/me).
      'api-key:*',
    ]);
    const undeclared = api().filter((op) => !valid.has(op.access));
    expect(undeclared.map((op) => `${op.method} ${op.path}: ${op.access}`)).toEqual([]);
  });

  it('marks bearer operations as needing a token, API-key operations a key, public ones nothing', () => {
    for (const op of api()) {
      const expected =
        op.access === 'public'
          ? undefined
          : isKeyed(op.access)
            ? [{ apiKeyAuth: [] }]
            : [{ bearerAuth: [] }];
      expect(op.security, `${op.method} ${op.path}`).toEqual(expected);
    }
  });

  it('asks for a step-up only where a signed-in account calls, and on every permission grant', () => {
    for (const op of api().filter((o) => o.stepUp)) {
      expect(withBearer(op.access), `${op.method} ${op.path}`).toBe(true);
    }
    const stepUp = api()
      .filter((op) => op.stepUp)
      .map((op) => `${op.method} ${op.path}`);
    expect(stepUp).toEqual(
      expect.arrayContaining([
        'PUT /api/v1/admin/staff/{id}/roles',
        'POST /api/v1/admin/staff',
        'POST /api/v1/admin/roles',
        'POST /api/v1/partner/api-keys',
      ]),
    );
  });

  it('asks for a token or a key on every non-public operation, before validating anything', async () => {
    const before = await countAll(t.db, GUARDED);
    for (const op of byAccess(withBearer)) {
      expectProblem(await call(op), 401, 'unauthenticated');
    }
    for (const op of byAccess(isKeyed)) {
      expectProblem(await call(op), 401, 'api_key_required');
    }
    expect(await countAll(t.db, GUARDED)).toEqual(before);
  });

  it('refuses a bad token or a bad key on every non-public operation', async () => {
    for (const op of byAccess(withBearer)) {
      expectProblem(await call(op, { token: 'not.a.token' }), 401, 'token_invalid');
    }
    for (const op of byAccess(isKeyed)) {
      expectProblem(await call(op, { key: 'ibet_not_a_key' }), 401, 'api_key_invalid');
      const unknown = `ibet_${'0'.repeat(12)}_${'0'.repeat(64)}`;
      expectProblem(await call(op, { key: unknown }), 401, 'api_key_invalid');
    }
  });

  it('takes no bearer token of any kind for an API key', async () => {
    for (const op of byAccess(isKeyed)) {
      for (const token of [player.token, partner, staff.admin!]) {
        expectProblem(await call(op, { token }), 401, 'api_key_required');
      }
    }
  });

  it('refuses staff and partners on every player operation', async () => {
    const before = await countAll(t.db, GUARDED);
    for (const op of byAccess((a) => a === 'player')) {
      for (const [who, token] of [...Object.entries(staff), ['partner', partner]]) {
        const response = await call(op, { token });
        expect(response.status, `${op.method} ${op.path} as ${who}`).toBe(403);
        expect(expectProblem(response, 403, 'forbidden').detail).toMatch(/player/);
      }
    }
    expect(await countAll(t.db, GUARDED)).toEqual(before);
  });

  it('refuses players and staff on every partner operation', async () => {
    const before = await countAll(t.db, GUARDED);
    for (const op of byAccess((a) => a === 'partner')) {
      for (const [who, token] of [...Object.entries(staff), ['player', player.token]]) {
        const response = await call(op, { token });
        expect(response.status, `${op.method} ${op.path} as ${who}`).toBe(403);
        expect(expectProblem(response, 403, 'forbidden').detail).toMatch(/partner/);
      }
    }
    expect(await countAll(t.db, GUARDED)).toEqual(before);
  });

  it('refuses players, partners and every role without the permission on every staff operation', async () => {
    const before = await countAll(t.db, GUARDED);
    let refusals = 0;
    for (const op of byAccess((a) => a.startsWith('staff:'))) {
      const permission = op.access.slice('staff:'.length);
      for (const [who, token] of [
        ['player', player.token],
        ['partner', partner],
      ] as const) {
        const response = await call(op, { token });
        expect(response.status, `${op.method} ${op.path} as a ${who}`).toBe(403);
        expect(expectProblem(response, 403, 'forbidden').detail).toMatch(/staff/);
      }
      for (const role of staffCallers().filter((r) => !holds[r]!.includes(permission))) {
        const response = await call(op, { token: staff[role] });
        expect(response.status, `${op.method} ${op.path} as ${role}`).toBe(403);
        expect(expectProblem(response, 403, 'forbidden').permission).toBe(permission);
        refusals++;
      }
    }
    expect(refusals).toBeGreaterThan(0);
    expect(await countAll(t.db, GUARDED)).toEqual(before);
  });

  it('lets every role with the permission past the access check, custom roles included', async () => {
    // Past the gate, a request with random ids and an empty body fails validation or finds
    // nothing: anything but 401/403, and never a 500.
    let custom = 0;
    for (const op of byAccess((a) => a.startsWith('staff:'))) {
      const permission = op.access.slice('staff:'.length);
      const holding = staffCallers().filter((r) => holds[r]!.includes(permission));
      expect(holding, `${op.access} is granted by no role`).toContain('admin');
      for (const role of holding) {
        const response = await call(op, { token: staff[role] });
        expect([401, 403], `${op.method} ${op.path} as ${role}`).not.toContain(response.status);
        expect(response.status, `${op.method} ${op.path} as ${role}`).toBeLessThan(500);
        if (role === CUSTOM_ROLE) custom++;
      }
    }
    expect(custom).toBeGreaterThan(0);
  });

  it('refuses every key without the scope of an API-key operation, naming the scope', async () => {
    const before = await countAll(t.db, GUARDED);
    for (const op of byAccess(isKeyed)) {
      const scope = op.access.slice('api-key:'.length);
      if (scope === '*') continue; // every valid key is let on (see the next test)
      for (const other of SCOPES.filter((s) => s !== scope)) {
        const response = await call(op, { key: keys[other] });
        expect(response.status, `${op.method} ${op.path} with ${other}`).toBe(403);
        expect(expectProblem(response, 403, 'forbidden').scope).toBe(scope);
      }
    }
    expect(await countAll(t.db, GUARDED)).toEqual(before);
  });

  it('lets keys with the scope onto API-key operations, without a 500', async () => {
    for (const op of byAccess(isKeyed)) {
      const scope = op.access.slice('api-key:'.length);
      const allowed = scope === '*' ? SCOPES.map((s) => keys[s]!) : [keys[scope]!];
      for (const key of [...allowed, keys.all!]) {
        const response = await call(op, { key });
        expect([401, 403], `${op.method} ${op.path}`).not.toContain(response.status);
        expect(response.status, `${op.method} ${op.path}`).toBeLessThan(500);
      }
    }
  });

  it('lets players and partners onto their operations and anyone onto public ones, without a 500', async () => {
    for (const [kind, token] of [
      ['player', player.token],
      ['partner', partner],
    ] as const) {
      for (const op of byAccess((a) => a === kind || a === 'authenticated')) {
        const response = await call(op, { token });
        expect([401, 403], `${op.method} ${op.path} as ${kind}`).not.toContain(response.status);
        expect(response.status, `${op.method} ${op.path} as ${kind}`).toBeLessThan(500);
      }
    }
    for (const op of byAccess((a) => a === 'public')) {
      const response = await call(op);
      expect([401, 403], `${op.method} ${op.path}`).not.toContain(response.status);
      expect(response.status, `${op.method} ${op.path}`).toBeLessThan(500);
    }
  });

  it('refuses a stale second-factor proof on every step-up operation, and only there', async () => {
    const before = await countAll(t.db, GUARDED);
    const callerOf = (access: string) =>
      access === 'player' ? stale.player : access === 'partner' ? stale.partner : stale.staff;
    for (const op of api().filter((o) => o.stepUp)) {
      const response = await call(op, { token: callerOf(op.access) });
      expect(response.status, `${op.method} ${op.path}`).toBe(403);
      expectProblem(response, 403, 'step_up_required');
    }
    expect(await countAll(t.db, GUARDED)).toEqual(before);
    // The same stale proofs pass every operation that does not ask for one (reading only).
    for (const op of api().filter((o) => !o.stepUp && o.method === 'GET')) {
      if (!withBearer(op.access)) continue;
      const token =
        op.access === 'player' || op.access === 'partner' ? callerOf(op.access) : stale.staff;
      const response = await call(op, { token });
      expect(response.status, `${op.method} ${op.path}`).not.toBe(403);
    }
  });
});
