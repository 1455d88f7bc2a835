import { randomUUID } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { generate, generateSecret, verify } from 'otplib';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Api, PASSWORD, type Player, useTestApp } from '../../../test/support/app.ts';
import {
  auditMark,
  auditRecord,
  auditSince,
  countWrites,
  enrolTotp,
  type MfaPlayer,
  mfaPlayer,
  plus,
  signInWithCode,
} from '../../../test/support/identity-flows.ts';
import {
  expectProblem,
  STAFF_PASSWORD,
  sha256,
  staffSession,
} from '../../../test/support/identity-helpers.ts';
import { totpCode } from '../../../test/support/totp.ts';
import { createStaff } from './accounts.ts';
import { ensureAdmin } from './bootstrap.ts';

const PLAYER = '/api/v1/auth';
const STAFF = '/api/v1/staff/auth';
const PARTNER = '/api/v1/partner/auth';

const claims = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

const stepNow = () => Math.floor(Date.now() / 1000 / 30);

/** The code an authenticator shows `steps` time steps from now. */
const codeAt = (secret: string, step: number) => generate({ secret, epoch: step * 30 });

/** Stops the clock in the middle of time step `step` (Date only; timers keep running). */
function pinClock(step: number): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(step * 30_000 + 15_000);
}

/** The first step of a sign-in; returns the challenge token. */
async function challenge(api: Api, door: string, email: string, password: string) {
  const login = await api.post(`${door}/login`, { email, password });
  expect(login.status, JSON.stringify(login.body)).toBe(200);
  expect(login.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String), expiresIn: 300 });
  return login.body.mfaToken as string;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('TOTP codes (RFC 6238, SHA-1, 30 s steps)', () => {
  // RFC 6238 appendix B: the SHA-1 secret is the ASCII string "12345678901234567890".
  const RFC_SECRET = Buffer.from('12345678901234567890').toString('hex');
  const BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

  it('uses the RFC test secret in base32 (the encoding of stored secrets)', () => {
    expect(Buffer.from(RFC_SECRET, 'hex').toString()).toBe('12345678901234567890');
    expect(BASE32).toHaveLength(32); // 20 bytes: above otplib's 16-byte guardrail
  });

  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('computes the RFC 6238 vector at T = %i', async (epoch, expected) => {
    expect(await generate({ secret: BASE32, epoch, digits: 8 })).toBe(expected);
    // iBet's codes have 6 digits: the same value modulo 10^6.
    const six = expected.slice(-6);
    expect(await generate({ secret: BASE32, epoch })).toBe(six);
    // Verified with the options totp.ts uses: one step (30 s) of tolerance either way.
    expect(await verify({ secret: BASE32, token: six, epoch, epochTolerance: 30 })).toMatchObject({
      valid: true,
      delta: 0,
      timeStep: Math.floor(epoch / 30),
    });
  });

  it('accepts a code one step early or late and refuses it two steps away', async () => {
    const epoch = 1234567890;
    const token = await generate({ secret: BASE32, epoch });
    const at = (seconds: number) =>
      verify({ secret: BASE32, token, epoch: seconds, epochTolerance: 30 });
    expect(await at(epoch - 30)).toMatchObject({ valid: true, delta: 1 });
    expect(await at(epoch + 30)).toMatchObject({ valid: true, delta: -1 });
    expect((await at(epoch - 60)).valid).toBe(false);
    expect((await at(epoch + 60)).valid).toBe(false);
  });
});

describe('enrolling an authenticator app', () => {
  const t = useTestApp();

  it('starts an enrolment with a secret, its otpauth URI and a QR code, and audits it', async () => {
    const player = await t.player();
    const before = await countWrites(t.db);
    const mark = await auditMark(t.db);
    const started = await t.api.post('/api/v1/mfa/totp', undefined, { token: player.token });
    expect(started.status).toBe(201);
    const { secret, otpauthUri, qrSvg } = started.body;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 20 random bytes
    const uri = new URL(otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe(`/iBet:${player.email}`);
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('iBet');
    expect(qrSvg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(await countWrites(t.db)).toEqual(plus(before, { 'identity.totp': 1, audited: 1 }));
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({
        actor_id: player.id,
        action: 'mfa.enrolment_started',
        target_id: player.id,
        outcome: 'success',
      }),
    ]);
    // Not a factor until confirmed: the account still signs in with the password alone.
    const me = await t.api.get('/api/v1/me', { token: player.token });
    expect(me.body.mfaEnabled).toBe(false);
    const login = await t.api.post(`${PLAYER}/login`, { email: player.email, password: PASSWORD });
    expect(login.body.accessToken).toEqual(expect.any(String));
  });

  it('refuses a wrong confirmation code, audits it and leaves the enrolment pending', async () => {
    const player = await t.player();
    const started = await t.api.post('/api/v1/mfa/totp', undefined, { token: player.token });
    const right = await totpCode(started.body.secret);
    const wrong = right === '000000' ? '111111' : '000000';
    const before = await countWrites(t.db);
    const mark = await auditMark(t.db);
    const refused = await t.api.post(
      '/api/v1/mfa/totp/confirm',
      { code: wrong },
      { token: player.token },
    );
    expectProblem(refused, 401, 'mfa_invalid');
    expect(await countWrites(t.db)).toEqual(
      plus(before, { 'identity.auth_failures': 1, audited: 1 }),
    );
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({
        actor_id: player.id,
        actor_kind: 'player',
        action: 'mfa.enrolment_confirmed',
        outcome: 'failure',
        target_id: player.id,
        details: { reason: 'wrong_code' },
      }),
    ]);
    const [row] = await t.db.query<{ confirmed_at: Date | null }>(
      'SELECT confirmed_at FROM identity.totp WHERE account_id = $1',
      [player.id],
    );
    expect(row!.confirmed_at).toBeNull();
    // The right code still confirms.
    const confirmed = await t.api.post(
      '/api/v1/mfa/totp/confirm',
      { code: right },
      { token: player.token },
    );
    expect(confirmed.status).toBe(200);
  });

  it('confirms with a first code: ten hashed recovery codes, a token that shows the factor', async () => {
    const player = await t.player();
    const started = await t.api.post('/api/v1/mfa/totp', undefined, { token: player.token });
    const before = await countWrites(t.db);
    const mark = await auditMark(t.db);
    const confirmed = await t.api.post(
      '/api/v1/mfa/totp/confirm',
      { code: await totpCode(started.body.secret) },
      { token: player.token },
    );
    expect(confirmed.status).toBe(200);
    const { recoveryCodes, accessToken, expiresIn } = confirmed.body;
    expect(expiresIn).toBe(900);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[0-9a-v]{4}-[0-9a-v]{4}-[0-9a-v]{4}$/);
    expect(await countWrites(t.db)).toEqual(
      plus(before, { 'identity.recovery_codes': 10, audited: 1 }),
    );
    // Stored hashed: neither the code nor its normalized form is in the table.
    const stored = await t.db.query<{ code_hash: string }>(
      'SELECT code_hash FROM identity.recovery_codes WHERE account_id = $1',
      [player.id],
    );
    expect(stored.map((r) => r.code_hash).sort()).toEqual(
      recoveryCodes.map((c: string) => sha256(c.replaceAll('-', ''))).sort(),
    );
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({ actor_id: player.id, action: 'mfa.enrolled', target_id: player.id }),
    ]);
    // The new token says the account has a factor, proved just now in this session.
    const now = Date.now() / 1000;
    expect(claims(accessToken)).toMatchObject({ mfa: true, sid: claims(player.token).sid });
    expect(claims(accessToken).mfa_at).toBeGreaterThan(now - 60);
    expect((await t.api.get('/api/v1/me', { token: accessToken })).body.mfaEnabled).toBe(true);
    // The next sign-in asks for a code.
    await challenge(t.api, PLAYER, player.email, PASSWORD);
  });

  it('refuses to start another enrolment once a factor is enrolled', async () => {
    const player = await mfaPlayer(t);
    const before = await countWrites(t.db);
    expectProblem(
      await t.api.post('/api/v1/mfa/totp', undefined, { token: player.token }),
      409,
      'mfa_already_enrolled',
    );
    expect(await countWrites(t.db)).toEqual(before);
  });

  it('replaces a pending enrolment: only the newest secret confirms', async () => {
    const player = await t.player();
    const first = await t.api.post('/api/v1/mfa/totp', undefined, { token: player.token });
    const second = await t.api.post('/api/v1/mfa/totp', undefined, { token: player.token });
    expect(second.body.secret).not.toBe(first.body.secret);
    expectProblem(
      await t.api.post(
        '/api/v1/mfa/totp/confirm',
        { code: await totpCode(first.body.secret) },
        { token: player.token },
      ),
      401,
      'mfa_invalid',
    );
    const confirmed = await t.api.post(
      '/api/v1/mfa/totp/confirm',
      { code: await totpCode(second.body.secret) },
      { token: player.token },
    );
    expect(confirmed.status).toBe(200);
  });

  it('refuses a confirmation when no enrolment was started', async () => {
    const player = await t.player();
    expectProblem(
      await t.api.post('/api/v1/mfa/totp/confirm', { code: '123456' }, { token: player.token }),
      401,
      'mfa_invalid',
    );
  });

  it.each([
    ['five digits', { code: '12345' }],
    ['seven digits', { code: '1234567' }],
    ['letters', { code: 'abcdef' }],
    ['a number', { code: 123456 }],
    ['no code', {}],
    ['an extra field', { code: '123456', secret: 'JBSWY3DPEHPK3PXP' }],
  ])('refuses a confirmation with %s with validation_failed', async (_, body) => {
    const player = await t.player();
    await t.api.post('/api/v1/mfa/totp', undefined, { token: player.token });
    const before = await countWrites(t.db);
    expectProblem(
      await t.api.post('/api/v1/mfa/totp/confirm', body, { token: player.token }),
      400,
      'validation_failed',
    );
    expect(await countWrites(t.db)).toEqual(before);
  });

  it('refuses to enrol without a signed-in account', async () => {
    expectProblem(await t.api.post('/api/v1/mfa/totp'), 401, 'unauthenticated');
  });
});

describe('signing in with a second factor', () => {
  const t = useTestApp();
  let player: MfaPlayer;

  beforeAll(async () => {
    player = await mfaPlayer(t);
  });

  it('asks an enrolled player for a code after the password, then signs in with it', async () => {
    const before = await countWrites(t.db);
    const mark = await auditMark(t.db);
    const mfaToken = await challenge(t.api, PLAYER, player.email, PASSWORD);
    // The challenge alone starts no session.
    expect(await countWrites(t.db)).toEqual(plus(before, { audited: 1 }));
    const signedIn = await t.api.post(`${PLAYER}/login/mfa`, {
      mfaToken,
      code: await totpCode(player.totpSecret),
    });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 900,
      tokenType: 'Bearer',
    });
    expect(claims(signedIn.body.accessToken)).toMatchObject({
      mfa: true,
      mfa_at: expect.any(Number),
    });
    expect(await countWrites(t.db)).toEqual(
      plus(before, { 'identity.sessions': 1, 'identity.refresh_tokens': 1, audited: 2 }),
    );
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({ actor_id: player.id, action: 'auth.mfa_challenged', target_id: player.id }),
      auditRecord({
        actor_id: player.id,
        action: 'auth.login',
        outcome: 'success',
        details: { mfa: true },
      }),
    ]);
  });

  it('accepts a code of the previous or next time step and refuses codes two steps away', async () => {
    const own = await mfaPlayer(t); // its own secret: this test moves the clock
    const step = stepNow() + 4; // after every step the enrolment may have used
    pinClock(step);
    const attempt = async (codeStep: number) =>
      t.api.post(`${PLAYER}/login/mfa`, {
        mfaToken: await challenge(t.api, PLAYER, own.email, PASSWORD),
        code: await codeAt(own.totpSecret, codeStep),
      });
    expectProblem(await attempt(step - 2), 401, 'mfa_invalid');
    expectProblem(await attempt(step + 2), 401, 'mfa_invalid');
    expect((await attempt(step - 1)).status).toBe(200);
    expect((await attempt(step + 1)).status).toBe(200);
  });

  it('never accepts a code twice, nor an older one after a newer one', async () => {
    const own = await mfaPlayer(t);
    const step = stepNow() + 4;
    pinClock(step);
    const code = await codeAt(own.totpSecret, step);
    const attempt = async (value: string) =>
      t.api.post(`${PLAYER}/login/mfa`, {
        mfaToken: await challenge(t.api, PLAYER, own.email, PASSWORD),
        code: value,
      });
    expect((await attempt(code)).status).toBe(200);
    const mark = await auditMark(t.db);
    expectProblem(await attempt(code), 401, 'mfa_invalid');
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({ action: 'auth.mfa_challenged' }),
      auditRecord({
        actor_id: own.id,
        action: 'auth.mfa',
        outcome: 'failure',
        target_id: own.id,
        details: { reason: 'wrong_code' },
      }),
    ]);
    expectProblem(await attempt(await codeAt(own.totpSecret, step - 1)), 401, 'mfa_invalid');
    expect((await attempt(await codeAt(own.totpSecret, step + 1))).status).toBe(200);
  });

  it('refuses a code, rather than failing, when the last accepted step is ahead of this clock', async () => {
    // Another instance with a fast clock accepted a code of a later step.
    const own = await mfaPlayer(t);
    await t.db.query('UPDATE identity.totp SET last_step = $2 WHERE account_id = $1', [
      own.id,
      stepNow() + 5,
    ]);
    const refused = await t.api.post(`${PLAYER}/login/mfa`, {
      mfaToken: await challenge(t.api, PLAYER, own.email, PASSWORD),
      code: await codeAt(own.totpSecret, stepNow()),
    });
    expectProblem(refused, 401, 'mfa_invalid');
  });

  it('signs in once with each recovery code', async () => {
    const [code] = player.recoveryCodes;
    const first = await t.api.post(`${PLAYER}/login/mfa`, {
      mfaToken: await challenge(t.api, PLAYER, player.email, PASSWORD),
      recoveryCode: code,
    });
    expect(first.status).toBe(200);
    const used = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM identity.recovery_codes WHERE account_id = $1 AND used_at IS NOT NULL',
      [player.id],
    );
    expect(used[0]!.n).toBe(1);
    const again = await t.api.post(`${PLAYER}/login/mfa`, {
      mfaToken: await challenge(t.api, PLAYER, player.email, PASSWORD),
      recoveryCode: code,
    });
    expectProblem(again, 401, 'mfa_invalid');
  });

  it.each([
    ['in capitals', (c: string) => c.toUpperCase()],
    ['without dashes', (c: string) => c.replaceAll('-', '')],
    [
      'in capitals without dashes, with spaces around',
      (c: string) => ` ${c.replaceAll('-', '').toUpperCase()} `,
    ],
  ])('accepts a recovery code typed %s', async (_, typed) => {
    const own = await mfaPlayer(t);
    const response = await t.api.post(`${PLAYER}/login/mfa`, {
      mfaToken: await challenge(t.api, PLAYER, own.email, PASSWORD),
      recoveryCode: typed(own.recoveryCodes[0]!),
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
  });

  it("refuses another account's recovery code", async () => {
    const other = await mfaPlayer(t);
    const response = await t.api.post(`${PLAYER}/login/mfa`, {
      mfaToken: await challenge(t.api, PLAYER, player.email, PASSWORD),
      recoveryCode: other.recoveryCodes[0],
    });
    expectProblem(response, 401, 'mfa_invalid');
  });

  it("refuses one door's challenge at another door, and it still works at its own", async () => {
    const own = await mfaPlayer(t);
    const mfaToken = await challenge(t.api, PLAYER, own.email, PASSWORD);
    const before = await countWrites(t.db);
    for (const door of [STAFF, PARTNER]) {
      expectProblem(
        await t.api.post(`${door}/login/mfa`, { mfaToken, code: '123456' }),
        401,
        'mfa_token_invalid',
      );
    }
    expect(await countWrites(t.db)).toEqual(before);
    const signedIn = await t.api.post(`${PLAYER}/login/mfa`, {
      mfaToken,
      code: await totpCode(own.totpSecret),
    });
    expect(signedIn.status).toBe(200);
  });

  it('refuses an expired challenge', async () => {
    const mfaToken = await challenge(t.api, PLAYER, player.email, PASSWORD);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 301_000);
    const before = await countWrites(t.db);
    expectProblem(
      await t.api.post(`${PLAYER}/login/mfa`, { mfaToken, code: '123456' }),
      401,
      'mfa_token_invalid',
    );
    expect(await countWrites(t.db)).toEqual(before);
  });

  it.each([
    ['a word', async () => 'garbage'],
    ['an access token', async (p: MfaPlayer) => p.token],
    [
      'a challenge signed by another key',
      async (p: MfaPlayer) => {
        const { privateKey } = await generateKeyPair('ES256');
        return new SignJWT({ kind: 'player' })
          .setProtectedHeader({ alg: 'ES256', kid: 'somebody-else', typ: 'JWT' })
          .setSubject(p.id)
          .setIssuer('ibet')
          .setAudience('ibet-mfa')
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(privateKey);
      },
    ],
  ])('refuses %s as a challenge token and records nothing', async (_, make) => {
    const mfaToken = await make(player);
    const before = await countWrites(t.db);
    expectProblem(
      await t.api.post(`${PLAYER}/login/mfa`, { mfaToken, code: '123456' }),
      401,
      'mfa_token_invalid',
    );
    expect(await countWrites(t.db)).toEqual(before);
  });

  it('counts a wrong code against the account and audits it', async () => {
    const own = await mfaPlayer(t);
    const mfaToken = await challenge(t.api, PLAYER, own.email, PASSWORD);
    const right = await totpCode(own.totpSecret);
    const before = await countWrites(t.db);
    const mark = await auditMark(t.db);
    expectProblem(
      await t.api.post(`${PLAYER}/login/mfa`, {
        mfaToken,
        code: right === '000000' ? '111111' : '000000',
      }),
      401,
      'mfa_invalid',
    );
    expect(await countWrites(t.db)).toEqual(
      plus(before, { 'identity.auth_failures': 1, audited: 1 }),
    );
    const [failure] = await t.db.query<{ key: string }>(
      'SELECT key FROM identity.auth_failures ORDER BY id DESC LIMIT 1',
    );
    expect(failure!.key).toBe(`mfa:${own.id}`);
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({ actor_id: own.id, action: 'auth.mfa', outcome: 'failure' }),
    ]);
  });

  it.each([
    [
      'both a code and a recovery code',
      { code: '123456', recoveryCode: 'abcd-efgh-ijkl' },
      422,
      'invalid_factor',
    ],
    ['neither', {}, 422, 'invalid_factor'],
    ['a five-digit code', { code: '12345' }, 400, 'validation_failed'],
    [
      'a recovery code over 40 characters',
      { recoveryCode: 'a'.repeat(41) },
      400,
      'validation_failed',
    ],
    ['an empty challenge token', { mfaToken: '', code: '123456' }, 400, 'validation_failed'],
  ])('refuses a second step with %s and records nothing', async (_, body, status, code) => {
    const mfaToken = await challenge(t.api, PLAYER, player.email, PASSWORD);
    const before = await countWrites(t.db);
    expectProblem(await t.api.post(`${PLAYER}/login/mfa`, { mfaToken, ...body }), status, code);
    expect(await countWrites(t.db)).toEqual(before);
  });
});

describe('staff and the second factor', () => {
  const t = useTestApp();

  async function staffWithoutFactor(roles: string[]) {
    const email = `staff-${randomUUID()}@example.com`;
    const account = await createStaff(t.db, {
      email,
      password: STAFF_PASSWORD,
      displayName: 'New Staff',
      roles,
    });
    const login = await t.api.post(`${STAFF}/login`, { email, password: STAFF_PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body.accessToken).toEqual(expect.any(String));
    return { id: account.id, email, ...login.body };
  }

  it('refuses staff without a factor on every permission route with mfa_enrolment_required', async () => {
    const staff = await staffWithoutFactor(['admin']);
    for (const url of ['/api/v1/admin/mail', '/api/v1/admin/audit', '/api/v1/admin/ledger/check']) {
      expectProblem(
        await t.api.get(url, { token: staff.accessToken }),
        403,
        'mfa_enrolment_required',
      );
    }
    // Routes for any signed-in account stay open: they need them to enrol.
    expect((await t.api.get('/api/v1/me', { token: staff.accessToken })).status).toBe(200);
    expect((await t.api.get('/api/v1/sessions', { token: staff.accessToken })).status).toBe(200);
  });

  it('lets staff enrol and then act, with the new token and after a refresh', async () => {
    const staff = await staffWithoutFactor(['compliance']);
    const enrolled = await enrolTotp(t.api, staff.accessToken);
    expect((await t.api.get('/api/v1/admin/audit', { token: enrolled.token })).status).toBe(200);
    // The sign-in's refresh token now yields tokens that carry the factor.
    const refreshed = await t.api.post(`${STAFF}/refresh`, { refreshToken: staff.refreshToken });
    expect(refreshed.status).toBe(200);
    expect(claims(refreshed.body.accessToken)).toMatchObject({ mfa: true });
    expect(
      (await t.api.get('/api/v1/admin/audit', { token: refreshed.body.accessToken })).status,
    ).toBe(200);
    // And the next sign-in asks for a code.
    await challenge(t.api, STAFF, staff.email, STAFF_PASSWORD);
  });

  it('refuses to remove a staff member’s second factor', async () => {
    const staff = await staffSession(t.db, t.api, ['admin']);
    const before = await countWrites(t.db);
    expectProblem(
      await t.api.request('DELETE', '/api/v1/mfa/totp', undefined, { token: staff.token }),
      403,
      'mfa_required',
    );
    expect(await countWrites(t.db)).toEqual(before);
  });

  it('signs the bootstrap admin in with codes of IBET_ADMIN_TOTP_SECRET', async () => {
    const totpSecret = generateSecret();
    const admin = {
      email: `root-${randomUUID()}@example.com`,
      password: 'a bootstrap password of some length',
    };
    const mark = await auditMark(t.db);
    expect(await ensureAdmin(t.db, { ...admin, totpSecret })).toBe(true);
    const [created] = await auditSince(t.db, mark);
    expect(created).toEqual(
      auditRecord({
        action: 'staff.created',
        outcome: 'success',
        target_type: 'account',
        details: { roles: ['admin'] },
      }),
    );
    const tokens = await signInWithCode(t.api, STAFF, { ...admin, totpSecret });
    expect(claims(tokens.accessToken)).toMatchObject({
      kind: 'staff',
      roles: ['admin'],
      mfa: true,
    });
    expect((await t.api.get('/api/v1/admin/audit', { token: tokens.accessToken })).status).toBe(
      200,
    );
  });
});

describe('step-up before sensitive actions', () => {
  const t = useTestApp();

  async function deposit(token: string, amount = '5000') {
    const response = await t.api.post(
      '/api/v1/wallet/deposits',
      { amount },
      { token, idempotencyKey: randomUUID() },
    );
    expect(response.status, JSON.stringify(response.body)).toBe(201);
  }

  const withdraw = (token: string, amount = '1000') =>
    t.api.post('/api/v1/wallet/withdrawals', { amount }, { token, idempotencyKey: randomUUID() });

  /** A token of the same session whose second-factor proof is `minutes` old. */
  async function staleToken(p: MfaPlayer, minutes = 10): Promise<string> {
    await t.db.query(
      `UPDATE identity.sessions SET mfa_verified_at = now() - make_interval(mins => $2)
       WHERE id = $1`,
      [claims(p.token).sid, minutes],
    );
    const refreshed = await t.api.post(`${PLAYER}/refresh`, { refreshToken: p.refreshToken });
    expect(refreshed.status).toBe(200);
    p.refreshToken = refreshed.body.refreshToken;
    return refreshed.body.accessToken;
  }

  it('lets a player without a second factor withdraw without a step-up', async () => {
    const player: Player = await t.player();
    await deposit(player.token);
    expect((await withdraw(player.token)).status).toBe(201);
  });

  it('lets a player withdraw right after proving the factor', async () => {
    const player = await mfaPlayer(t);
    await deposit(player.token);
    expect((await withdraw(player.token)).status).toBe(201);
    const tokens = await signInWithCode(t.api, PLAYER, player);
    expect((await withdraw(tokens.accessToken)).status).toBe(201);
  });

  it('asks a player whose proof is old to prove the factor again before a withdrawal', async () => {
    const player = await mfaPlayer(t);
    await deposit(player.token);
    const stale = await staleToken(player);
    const before = await countWrites(t.db);
    const refused = await withdraw(stale);
    const problem = expectProblem(refused, 403, 'step_up_required');
    expect(problem.maxAgeSeconds).toBe(300);
    expect(await countWrites(t.db)).toEqual(before);

    const mark = await auditMark(t.db);
    const stepped = await t.api.post(
      '/api/v1/mfa/step-up',
      { code: await totpCode(player.totpSecret) },
      { token: stale },
    );
    expect(stepped.status).toBe(200);
    expect(stepped.body).toEqual({ accessToken: expect.any(String), expiresIn: 900 });
    expect(claims(stepped.body.accessToken).sid).toBe(claims(stale).sid);
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({
        actor_id: player.id,
        action: 'auth.step_up',
        outcome: 'success',
        target_type: 'session',
        target_id: claims(stale).sid,
      }),
    ]);
    expect((await withdraw(stepped.body.accessToken)).status).toBe(201);
  });

  it('steps up with a recovery code too', async () => {
    const player = await mfaPlayer(t);
    const stale = await staleToken(player);
    const stepped = await t.api.post(
      '/api/v1/mfa/step-up',
      { recoveryCode: player.recoveryCodes[3] },
      { token: stale },
    );
    expect(stepped.status).toBe(200);
  });

  it('refuses a step-up with a wrong code and audits it', async () => {
    const player = await mfaPlayer(t);
    const stale = await staleToken(player);
    const right = await totpCode(player.totpSecret);
    const before = await countWrites(t.db);
    const mark = await auditMark(t.db);
    expectProblem(
      await t.api.post(
        '/api/v1/mfa/step-up',
        { code: right === '000000' ? '111111' : '000000' },
        { token: stale },
      ),
      401,
      'mfa_invalid',
    );
    expect(await countWrites(t.db)).toEqual(
      plus(before, { 'identity.auth_failures': 1, audited: 1 }),
    );
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({ actor_id: player.id, action: 'auth.step_up', outcome: 'failure' }),
    ]);
    expectProblem(await withdraw(stale), 403, 'step_up_required');
  });

  it('refuses a step-up for an account without a second factor', async () => {
    const player = await t.player();
    const before = await countWrites(t.db);
    expectProblem(
      await t.api.post('/api/v1/mfa/step-up', { code: '123456' }, { token: player.token }),
      409,
      'mfa_not_enrolled',
    );
    expect(await countWrites(t.db)).toEqual(before);
  });

  it('renews recovery codes only after a recent proof, and the old codes stop working', async () => {
    const player = await mfaPlayer(t);
    const stale = await staleToken(player);
    expectProblem(
      await t.api.post('/api/v1/mfa/recovery-codes', undefined, { token: stale }),
      403,
      'step_up_required',
    );
    const fresh = await signInWithCode(t.api, PLAYER, player);
    const mark = await auditMark(t.db);
    const renewed = await t.api.post('/api/v1/mfa/recovery-codes', undefined, {
      token: fresh.accessToken,
    });
    expect(renewed.status).toBe(200);
    expect(renewed.body.recoveryCodes).toHaveLength(10);
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({ actor_id: player.id, action: 'mfa.recovery_codes_renewed' }),
    ]);
    const old = await t.api.post(`${PLAYER}/login/mfa`, {
      mfaToken: await challenge(t.api, PLAYER, player.email, PASSWORD),
      recoveryCode: player.recoveryCodes[0],
    });
    expectProblem(old, 401, 'mfa_invalid');
    const renewedCode = await t.api.post(`${PLAYER}/login/mfa`, {
      mfaToken: await challenge(t.api, PLAYER, player.email, PASSWORD),
      recoveryCode: renewed.body.recoveryCodes[0],
    });
    expect(renewedCode.status).toBe(200);
  });

  it('lets a player remove the second factor after a recent proof, and audits it', async () => {
    const player = await mfaPlayer(t);
    const stale = await staleToken(player);
    expectProblem(
      await t.api.request('DELETE', '/api/v1/mfa/totp', undefined, { token: stale }),
      403,
      'step_up_required',
    );
    const mark = await auditMark(t.db);
    const removed = await t.api.request('DELETE', '/api/v1/mfa/totp', undefined, {
      token: player.token,
    });
    expect(removed.status).toBe(204);
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({ actor_id: player.id, action: 'mfa.removed', target_id: player.id }),
    ]);
    const left = await t.db.query(
      `SELECT 1 FROM identity.totp WHERE account_id = $1
       UNION ALL SELECT 1 FROM identity.recovery_codes WHERE account_id = $1`,
      [player.id],
    );
    expect(left).toEqual([]);
    const login = await t.api.post(`${PLAYER}/login`, { email: player.email, password: PASSWORD });
    expect(login.body.accessToken).toEqual(expect.any(String));
  });

  it('refuses to remove a second factor the account does not have', async () => {
    const player = await t.player();
    const before = await countWrites(t.db);
    expectProblem(
      await t.api.request('DELETE', '/api/v1/mfa/totp', undefined, { token: player.token }),
      409,
      'mfa_not_enrolled',
    );
    expect(await countWrites(t.db)).toEqual(before);
  });
});
