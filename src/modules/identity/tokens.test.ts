import { randomUUID } from 'node:crypto';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Player, useTestApp } from '../../../test/support/app.ts';
import {
  expectProblem,
  type StaffSession,
  staffSession,
} from '../../../test/support/identity-helpers.ts';
import { createTokenService } from './tokens.ts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('access tokens', () => {
  const t = useTestApp();
  let player: Player;
  let support: StaffSession;
  let admin: StaffSession;
  let signing: { kid: string; key: CryptoKey };

  beforeAll(async () => {
    player = await t.player();
    support = await staffSession(t.db, t.api, ['support', 'risk']);
    admin = await staffSession(t.db, t.api, ['admin']);
    const [row] = await t.db.query<{ kid: string; private_jwk: JWK }>(
      'SELECT kid, private_jwk FROM identity.signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid LIMIT 1',
    );
    signing = { kid: row!.kid, key: (await importJWK(row!.private_jwk, 'ES256')) as CryptoKey };
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  /** A token signed with the server's own key; each option spoils one thing about it. */
  async function craft(
    options: {
      claims?: JWTPayload;
      issuer?: string;
      audience?: string;
      expiresAt?: number;
      kid?: string;
      key?: CryptoKey;
    } = {},
  ): Promise<string> {
    // Every token names its session: crafted ones borrow the player's live one.
    const sid = JSON.parse(Buffer.from(player.token.split('.')[1]!, 'base64url').toString()).sid;
    return new SignJWT({ sid, ...(options.claims ?? { kind: 'player', roles: [] }) })
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? signing.kid, typ: 'JWT' })
      .setSubject(typeof options.claims?.sub === 'string' ? options.claims.sub : player.id)
      .setIssuer(options.issuer ?? 'ibet')
      .setAudience(options.audience ?? 'ibet-api')
      .setIssuedAt()
      .setExpirationTime(options.expiresAt ?? Math.floor(Date.now() / 1000) + 300)
      .sign(options.key ?? signing.key);
  }

  const me = (authorization?: string) =>
    t.api.get('/api/v1/me', authorization ? { headers: { authorization } } : {});

  it("shows a player's own account at /me", async () => {
    const response = await t.api.get('/api/v1/me', { token: player.token });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: player.id,
      kind: 'player',
      email: player.email,
      status: 'active',
      currency: 'EUR',
      country: 'IE',
      roles: [],
      permissions: [],
    });
    expect(response.body).not.toHaveProperty('passwordHash');
    expect(JSON.stringify(response.body)).not.toContain('argon2');
  });

  it("shows a staff member's roles and the permissions they grant at /me", async () => {
    const response = await t.api.get('/api/v1/me', { token: support.token });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: support.id,
      kind: 'staff',
      roles: ['support', 'risk'],
      country: null,
      currency: null,
      dateOfBirth: null,
      permissions: [
        'aml:review',
        'bets:read',
        'bets:void',
        'kyc:review',
        'players:limits',
        'players:notes',
        'players:read',
        'reports:read',
      ],
    });
  });

  it('says in the token whether the account has a second factor and when it was proved', async () => {
    const claims = (token: string) =>
      JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    const now = Math.floor(Date.now() / 1000);
    expect(claims(player.token)).toMatchObject({ kind: 'player', mfa: false });
    expect(claims(player.token)).not.toHaveProperty('mfa_at');
    const staff = claims(admin.token);
    expect(staff).toMatchObject({ kind: 'staff', mfa: true, sid: expect.any(String) });
    expect(staff.mfa_at).toBeGreaterThan(now - 120);
    expect(staff.mfa_at).toBeLessThanOrEqual(now + 1);
  });

  it('refuses a request without a token with unauthenticated', async () => {
    const response = await me();
    expectProblem(response, 401, 'unauthenticated');
  });

  it('accepts a token the server signed itself (the control for the refusals below)', async () => {
    expect((await me(`Bearer ${await craft()}`)).status).toBe(200);
  });

  it('answers the same for a token it has already verified', async () => {
    const first = await me(`Bearer ${player.token}`);
    const again = await me(`Bearer ${player.token}`);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });

  it('refuses a cached token once its session is revoked', async () => {
    const other = await t.player();
    // Twice: the second request is answered with the claims verified by the first.
    expect((await me(`Bearer ${other.token}`)).status).toBe(200);
    expect((await me(`Bearer ${other.token}`)).status).toBe(200);
    const logout = await t.api.post('/api/v1/auth/logout', { refreshToken: other.refreshToken });
    expect(logout.status).toBeLessThan(300);
    expectProblem(await me(`Bearer ${other.token}`), 401, 'session_ended');
  });

  it('accepts the scheme name in any letter case', async () => {
    expect((await me(`bearer ${player.token}`)).status).toBe(200);
    expect((await me(`BEARER ${player.token}`)).status).toBe(200);
  });

  it.each([
    ['a word', 'Bearer garbage'],
    ['three dots', 'Bearer ...'],
    ['three segments of nothing', 'Bearer a.b.c'],
    ['a header that is not JSON', `Bearer ${Buffer.from('{kid').toString('base64url')}.e30.c2ln`],
    ['a header that is null', `Bearer ${b64(null)}.e30.c2ln`],
    ['a header whose kid is an object', `Bearer ${b64({ alg: 'ES256', kid: {} })}.e30.c2ln`],
    ['another scheme', 'Basic dXNlcjpwYXNzd29yZA=='],
    ['no token after the scheme', 'Bearer '],
    ['two tokens', 'Bearer abc def'],
    ['a very long token', `Bearer ${'a'.repeat(8000)}`],
  ])('refuses %s as a bearer token with token_invalid', async (_, authorization) => {
    expectProblem(await me(authorization), 401, 'token_invalid');
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const [header, payload, signature] = player.token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = b64({ ...claims, kind: 'staff', roles: ['admin'] });
    expectProblem(await me(`Bearer ${header}.${forged}.${signature}`), 401, 'token_invalid');
    const elevated = await t.api.get('/api/v1/admin/ledger/check', {
      headers: { authorization: `Bearer ${header}.${forged}.${signature}` },
    });
    expectProblem(elevated, 401, 'token_invalid');
  });

  it('refuses a token signed by another key under our key id', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    expectProblem(await me(`Bearer ${await craft({ key: privateKey })}`), 401, 'token_invalid');
  });

  it('refuses a token with an unknown key id', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await craft({ key: privateKey, kid: 'a-key-nobody-has' });
    expectProblem(await me(`Bearer ${token}`), 401, 'token_invalid');
  });

  it('refuses an unsigned token (alg none)', async () => {
    const header = b64({ alg: 'none', kid: signing.kid, typ: 'JWT' });
    const now = Math.floor(Date.now() / 1000);
    const payload = b64({
      sub: player.id,
      kind: 'staff',
      roles: ['admin'],
      iss: 'ibet',
      aud: 'ibet-api',
      iat: now,
      exp: now + 300,
    });
    expectProblem(await me(`Bearer ${header}.${payload}.`), 401, 'token_invalid');
  });

  it('refuses a token signed with a shared secret (HS256) under our key id', async () => {
    const token = await new SignJWT({ kind: 'player', roles: [] })
      .setProtectedHeader({ alg: 'HS256', kid: signing.kid })
      .setSubject(player.id)
      .setIssuer('ibet')
      .setAudience('ibet-api')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a secret anyone could guess'));
    expectProblem(await me(`Bearer ${token}`), 401, 'token_invalid');
  });

  it('refuses an expired token', async () => {
    const token = await craft({ expiresAt: Math.floor(Date.now() / 1000) - 10 });
    expectProblem(await me(`Bearer ${token}`), 401, 'token_invalid');
  });

  it.each([
    ['another issuer', { issuer: 'someone-else' }],
    ['another audience', { audience: 'another-api' }],
    ['no account kind', { claims: { roles: [] } }],
    ['an unknown account kind', { claims: { kind: 'root', roles: [] } }],
  ])('refuses a correctly signed token with %s', async (_, options) => {
    expectProblem(await me(`Bearer ${await craft(options)}`), 401, 'token_invalid');
  });

  it('issues access tokens that stop working once their lifetime is over', async () => {
    const service = await createTokenService(t.db, { accessSeconds: 30, staffIdleSeconds: 900 });
    const pair = await t.db.transaction((tx) =>
      service.startSession(
        tx,
        { id: player.id, kind: 'player', roles: [], mfaEnrolled: false },
        { idleSeconds: 60, maxSeconds: 120 },
        { ip: null, userAgent: null, mfaVerified: false },
      ),
    );
    expect(pair.expiresIn).toBe(30);
    expect((await me(`Bearer ${pair.accessToken}`)).status).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    expectProblem(await me(`Bearer ${pair.accessToken}`), 401, 'token_invalid');
  });

  it('refuses a player token on a staff route', async () => {
    const response = await t.api.get('/api/v1/admin/ledger/check', { token: player.token });
    const problem = expectProblem(response, 403, 'forbidden');
    expect(problem.detail).toMatch(/staff/);
  });

  it('refuses a staff token on a player route', async () => {
    for (const url of ['/api/v1/wallet', '/api/v1/bets', '/api/v1/wallet/transactions']) {
      const problem = expectProblem(await t.api.get(url, { token: admin.token }), 403, 'forbidden');
      expect(problem.detail).toMatch(/player/);
    }
  });

  it('refuses staff who lack the permission, naming the permission', async () => {
    const response = await t.api.get('/api/v1/admin/ledger/check', { token: support.token });
    const problem = expectProblem(response, 403, 'forbidden');
    expect(problem.permission).toBe('ledger:read');
    expect(problem.detail).toContain('ledger:read');
  });

  it('lets staff with the permission through', async () => {
    const response = await t.api.get('/api/v1/admin/ledger/check', { token: admin.token });
    expect(response.status).toBe(200);
  });

  it('checks access before it validates the request', async () => {
    // An invalid body from someone who may not call the route is a 403, not a 400.
    const response = await t.api.post(
      '/api/v1/admin/sports',
      { not: 'valid' },
      { token: support.token },
    );
    expectProblem(response, 403, 'forbidden');
  });

  it('publishes a JWKS that verifies the access tokens it issues', async () => {
    const response = await t.api.get('/.well-known/jwks.json');
    expect(response.status).toBe(200);
    expect(response.body.keys.length).toBeGreaterThan(0);
    for (const key of response.body.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key.kid).toEqual(expect.any(String));
      expect(key).not.toHaveProperty('d'); // the private part
    }
    const jwks = createLocalJWKSet(response.body);
    for (const [token, id, kind] of [
      [player.token, player.id, 'player'],
      [admin.token, admin.id, 'staff'],
    ] as const) {
      const { payload, protectedHeader } = await jwtVerify(token, jwks, {
        issuer: 'ibet',
        audience: 'ibet-api',
        algorithms: ['ES256'],
      });
      expect(protectedHeader.alg).toBe('ES256');
      expect(payload).toMatchObject({ sub: id, kind });
      // Staff tokens live a third of the staff idle time, so active staff refresh in time.
      expect(payload.exp! - payload.iat!).toBe(kind === 'staff' ? 300 : 900);
    }
  });

  // Last: after this test the server signs with the new key.
  it('accepts tokens signed with a key another instance added, and publishes it', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    await t.db.query(
      'INSERT INTO identity.signing_keys (kid, public_jwk, private_jwk) VALUES ($1, $2, $3)',
      [
        kid,
        { ...publicJwk, kid, alg: 'ES256', use: 'sig' },
        { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
      ],
    );
    const token = await craft({ key: privateKey, kid, claims: { kind: 'player', roles: [] } });
    // Unknown key ids send the service back to the database at most every few seconds.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 10_000);
      const response = await me(`Bearer ${token}`);
      expect(response.status).toBe(200);
      expect(response.body.id).toBe(player.id);
    } finally {
      vi.useRealTimers();
    }
    const jwks = await t.api.get('/.well-known/jwks.json');
    expect(jwks.body.keys.map((k: JWK) => k.kid)).toContain(kid);
    expect(jwks.body.keys.map((k: JWK) => k.kid)).toContain(signing.kid);
  });

  it('refuses a token whose subject is not the account of its session', async () => {
    const token = await craft({ claims: { sub: randomUUID(), kind: 'player', roles: [] } });
    expectProblem(await me(`Bearer ${token}`), 401, 'session_ended');
  });

  it('refuses a token that names no session', async () => {
    const token = await craft({ claims: { sid: undefined, kind: 'player', roles: [] } });
    expectProblem(await me(`Bearer ${token}`), 401, 'token_invalid');
  });
});
