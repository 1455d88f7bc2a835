import { beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, type Player, useTestApp } from '../../../test/support/app.ts';
import {
  auditMark,
  auditRecord,
  auditSince,
  countWrites,
  plus,
} from '../../../test/support/identity-flows.ts';
import {
  expectProblem,
  STAFF_PASSWORD,
  type StaffSession,
  sha256,
  staffSession,
} from '../../../test/support/identity-helpers.ts';
import { totpCode } from '../../../test/support/totp.ts';
import { isPgError } from '../../platform/db/db.ts';

const PLAYER_LOGIN = '/api/v1/auth/login';
const STAFF_LOGIN = '/api/v1/staff/auth/login';
const PLAYER_REFRESH = '/api/v1/auth/refresh';
const STAFF_REFRESH = '/api/v1/staff/auth/refresh';

describe('signing in', () => {
  const t = useTestApp();
  let player: Player;
  let staff: StaffSession;

  beforeAll(async () => {
    player = await t.player();
    staff = await staffSession(t.db, t.api, ['support']);
  });

  async function setStatus(accountId: string, status: string) {
    await t.db.query('UPDATE identity.accounts SET status = $2 WHERE id = $1', [accountId, status]);
  }

  it('signs a player in at the player door with a bearer pair and a new session', async () => {
    const before = await countWrites(t.db);
    const mark = await auditMark(t.db);
    const response = await t.api.post(PLAYER_LOGIN, { email: player.email, password: PASSWORD });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      refreshToken: expect.any(String),
      expiresIn: 900,
      tokenType: 'Bearer',
    });
    const me = await t.api.get('/api/v1/me', { token: response.body.accessToken });
    expect(me.body).toMatchObject({ id: player.id, kind: 'player' });
    expect(await countWrites(t.db)).toEqual(
      plus(before, { 'identity.sessions': 1, 'identity.refresh_tokens': 1, audited: 1 }),
    );
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({
        actor_id: player.id,
        actor_kind: 'player',
        action: 'auth.login',
        outcome: 'success',
        target_type: 'account',
        target_id: player.id,
        ip: '127.0.0.1',
        details: { mfa: false },
      }),
    ]);
  });

  it('stores only the hash of a refresh token, tied to its session', async () => {
    const response = await t.api.post(PLAYER_LOGIN, { email: player.email, password: PASSWORD });
    const { refreshToken } = response.body;
    const rows = await t.db.query<{ account_id: string; session_owner: string }>(
      `SELECT r.account_id, s.account_id AS session_owner
       FROM identity.refresh_tokens r JOIN identity.sessions s ON s.id = r.session_id
       WHERE r.token_hash = $1`,
      [sha256(refreshToken)],
    );
    expect(rows).toEqual([{ account_id: player.id, session_owner: player.id }]);
    const plain = await t.db.query('SELECT 1 FROM identity.refresh_tokens WHERE token_hash = $1', [
      refreshToken,
    ]);
    expect(plain).toEqual([]);
  });

  it('matches the address whatever its letter case', async () => {
    const response = await t.api.post(PLAYER_LOGIN, {
      email: player.email.toUpperCase(),
      password: PASSWORD,
    });
    expect(response.status).toBe(200);
  });

  it('signs staff in at the staff door with the password and then a code', async () => {
    const challenge = await t.api.post(STAFF_LOGIN, {
      email: staff.email,
      password: STAFF_PASSWORD,
    });
    expect(challenge.status).toBe(200);
    expect(challenge.body).toEqual({
      mfaRequired: true,
      mfaToken: expect.any(String),
      expiresIn: 300,
    });
    // The challenge is not an access token.
    expectProblem(
      await t.api.get('/api/v1/me', { token: challenge.body.mfaToken }),
      401,
      'token_invalid',
    );
    const signedIn = await t.api.post(`${STAFF_LOGIN}/mfa`, {
      mfaToken: challenge.body.mfaToken,
      code: await totpCode(staff.totpSecret),
    });
    expect(signedIn.status).toBe(200);
    const me = await t.api.get('/api/v1/me', { token: signedIn.body.accessToken });
    expect(me.body).toMatchObject({
      id: staff.id,
      kind: 'staff',
      roles: ['support'],
      mfaEnabled: true,
    });
  });

  it('answers a wrong password and an unknown address identically, and records both', async () => {
    const before = await countWrites(t.db);
    const mark = await auditMark(t.db);
    const wrongPassword = await t.api.post(PLAYER_LOGIN, {
      email: player.email,
      password: `${PASSWORD} but wrong`,
    });
    const unknownEmail = await t.api.post(PLAYER_LOGIN, {
      email: 'Nobody-Here@example.com',
      password: PASSWORD,
    });
    expectProblem(wrongPassword, 401, 'invalid_credentials');
    expect(unknownEmail.status).toBe(wrongPassword.status);
    expect(unknownEmail.body).toEqual(wrongPassword.body);
    expect(unknownEmail.headers['content-type']).toBe(wrongPassword.headers['content-type']);
    // Each failure counts against its address and against the IP address; nothing else.
    expect(await countWrites(t.db)).toEqual(
      plus(before, { 'identity.auth_failures': 4, audited: 2 }),
    );
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({
        actor_id: player.id,
        actor_kind: 'player',
        action: 'auth.login',
        outcome: 'failure',
        target_id: player.id,
        details: { reason: 'wrong_password' },
      }),
      auditRecord({
        actor_id: null,
        actor_kind: null,
        action: 'auth.login',
        outcome: 'failure',
        target_id: null,
        details: { reason: 'unknown_account', email: 'Nobody-Here@example.com' },
      }),
    ]);
  });

  it('refuses a staff account at the player door as if the password were wrong', async () => {
    const before = await countWrites(t.db);
    const mark = await auditMark(t.db);
    const wrongDoor = await t.api.post(PLAYER_LOGIN, {
      email: staff.email,
      password: STAFF_PASSWORD,
    });
    const wrongPassword = await t.api.post(PLAYER_LOGIN, {
      email: player.email,
      password: 'not the password at all',
    });
    expectProblem(wrongDoor, 401, 'invalid_credentials');
    expect(wrongDoor.body).toEqual(wrongPassword.body);
    expect(await countWrites(t.db)).toEqual(
      plus(before, { 'identity.auth_failures': 4, audited: 2 }),
    );
    // At the player door there is no player with the staff member's address.
    expect((await auditSince(t.db, mark))[0]).toEqual(
      auditRecord({ actor_id: null, details: { reason: 'unknown_account', email: staff.email } }),
    );
  });

  it('refuses a player account at the staff door as if the password were wrong', async () => {
    const before = await countWrites(t.db);
    const wrongDoor = await t.api.post(STAFF_LOGIN, { email: player.email, password: PASSWORD });
    const wrongPassword = await t.api.post(STAFF_LOGIN, {
      email: staff.email,
      password: 'not the password at all',
    });
    expectProblem(wrongDoor, 401, 'invalid_credentials');
    expect(wrongDoor.body).toEqual(wrongPassword.body);
    expect(await countWrites(t.db)).toEqual(
      plus(before, { 'identity.auth_failures': 4, audited: 2 }),
    );
  });

  it.each(['suspended', 'closed'])(
    'refuses a %s account with account_disabled, and only to the right password',
    async (status) => {
      await setStatus(player.id, status);
      try {
        const before = await countWrites(t.db);
        const mark = await auditMark(t.db);
        const right = await t.api.post(PLAYER_LOGIN, { email: player.email, password: PASSWORD });
        expectProblem(right, 403, 'account_disabled');
        // A wrong password must not reveal that the account exists and is disabled.
        const wrong = await t.api.post(PLAYER_LOGIN, {
          email: player.email,
          password: 'not the password at all',
        });
        expectProblem(wrong, 401, 'invalid_credentials');
        // The right password is not a guess: only the wrong one counts against the address.
        expect(await countWrites(t.db)).toEqual(
          plus(before, { 'identity.auth_failures': 2, audited: 2 }),
        );
        expect((await auditSince(t.db, mark)).map((r) => [r.outcome, r.details.reason])).toEqual([
          ['failure', 'account_disabled'],
          ['failure', 'wrong_password'],
        ]);
      } finally {
        await setStatus(player.id, 'active');
      }
    },
  );

  it('refuses a suspended staff member at the staff door before any second factor', async () => {
    await setStatus(staff.id, 'suspended');
    try {
      const response = await t.api.post(STAFF_LOGIN, {
        email: staff.email,
        password: STAFF_PASSWORD,
      });
      expectProblem(response, 403, 'account_disabled');
    } finally {
      await setStatus(staff.id, 'active');
    }
  });

  it.each([
    ['no password', { email: 'a@example.com' }],
    ['no email', { password: 'whatever it is' }],
    ['an empty password', { email: 'a@example.com', password: '' }],
    ['a password over 1024 characters', { email: 'a@example.com', password: 'x'.repeat(1025) }],
    ['an extra field', { email: 'a@example.com', password: 'whatever it is', kind: 'staff' }],
    ['an email that is not an address', { email: 'admin', password: 'whatever it is' }],
  ])('refuses a sign-in with %s with validation_failed and records nothing', async (_, body) => {
    const before = await countWrites(t.db);
    for (const door of [PLAYER_LOGIN, STAFF_LOGIN]) {
      expectProblem(await t.api.post(door, body), 400, 'validation_failed');
    }
    expect(await countWrites(t.db)).toEqual(before);
  });
});

describe('refreshing a session', () => {
  const t = useTestApp();
  let player: Player;
  let staff: StaffSession;

  beforeAll(async () => {
    player = await t.player();
    staff = await staffSession(t.db, t.api, ['trader']);
  });

  async function signIn(): Promise<{ accessToken: string; refreshToken: string }> {
    const response = await t.api.post(PLAYER_LOGIN, { email: player.email, password: PASSWORD });
    expect(response.status).toBe(200);
    return response.body;
  }

  /** A refresh token's row and the state of its session. */
  async function tokenRow(refreshToken: string) {
    const [row] = await t.db.query<{
      session_id: string;
      used_at: Date | null;
      last_seen_at: Date;
      revoked_at: Date | null;
      revoked_reason: string | null;
    }>(
      `SELECT r.session_id, r.used_at, s.last_seen_at, s.revoked_at, s.revoked_reason
       FROM identity.refresh_tokens r JOIN identity.sessions s ON s.id = r.session_id
       WHERE r.token_hash = $1`,
      [sha256(refreshToken)],
    );
    return row!;
  }

  it('rotates: a refresh token buys a new pair once, in the same session', async () => {
    const first = await signIn();
    const rotated = await t.api.post(PLAYER_REFRESH, { refreshToken: first.refreshToken });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refreshToken).not.toBe(first.refreshToken);
    expect(rotated.body.tokenType).toBe('Bearer');
    const me = await t.api.get('/api/v1/me', { token: rotated.body.accessToken });
    expect(me.body.id).toBe(player.id);
    const [a, b] = [await tokenRow(first.refreshToken), await tokenRow(rotated.body.refreshToken)];
    expect(b.session_id).toBe(a.session_id);
    expect(a.used_at).not.toBeNull();
    expect(b.used_at).toBeNull();

    const again = await t.api.post(PLAYER_REFRESH, { refreshToken: first.refreshToken });
    expectProblem(again, 401, 'refresh_token_invalid');
  });

  it('names its session in the access token, the same before and after a refresh', async () => {
    const first = await signIn();
    const claims = (token: string) =>
      JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    const rotated = await t.api.post(PLAYER_REFRESH, { refreshToken: first.refreshToken });
    const sid = (await tokenRow(first.refreshToken)).session_id;
    expect(claims(first.accessToken)).toMatchObject({ sid, mfa: false });
    expect(claims(rotated.body.accessToken)).toMatchObject({ sid, mfa: false });
  });

  it('ends the whole session, for good, when a used refresh token comes back', async () => {
    const first = await signIn();
    const other = await signIn(); // another device: another session
    const second = (await t.api.post(PLAYER_REFRESH, { refreshToken: first.refreshToken })).body;
    const third = (await t.api.post(PLAYER_REFRESH, { refreshToken: second.refreshToken })).body;
    expect(third.refreshToken).toEqual(expect.any(String));

    // Someone replays the first token: its session ends, and stays ended.
    const mark = await auditMark(t.db);
    const replay = await t.api.post(PLAYER_REFRESH, { refreshToken: first.refreshToken });
    expectProblem(replay, 401, 'refresh_token_invalid');
    const { session_id } = await tokenRow(first.refreshToken);
    const [session] = await t.db.query<{ revoked_reason: string | null; tokens: number }>(
      `SELECT revoked_reason, (SELECT count(*)::int FROM identity.refresh_tokens
                               WHERE session_id = s.id) AS tokens
       FROM identity.sessions s WHERE id = $1`,
      [session_id],
    );
    expect(session).toEqual({ revoked_reason: 'refresh_token_reused', tokens: 3 });
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({ action: 'auth.refresh_reused', outcome: 'failure' }),
    ]);

    // The newest token of that session no longer works, and is not consumed by trying.
    expectProblem(
      await t.api.post(PLAYER_REFRESH, { refreshToken: third.refreshToken }),
      401,
      'refresh_token_invalid',
    );
    expect((await tokenRow(third.refreshToken)).used_at).toBeNull();
    expect((await tokenRow(third.refreshToken)).revoked_reason).toBe('refresh_token_reused');

    // The other device's session is untouched.
    const otherRotated = await t.api.post(PLAYER_REFRESH, { refreshToken: other.refreshToken });
    expect(otherRotated.status).toBe(200);
  });

  it('refuses a player refresh token at the staff door without consuming it', async () => {
    const session = await signIn();
    const seen = (await tokenRow(session.refreshToken)).last_seen_at;
    const before = await countWrites(t.db);
    const refused = await t.api.post(STAFF_REFRESH, { refreshToken: session.refreshToken });
    expectProblem(refused, 401, 'refresh_token_invalid');
    expect(await countWrites(t.db)).toEqual(before);
    const row = await tokenRow(session.refreshToken);
    expect(row).toMatchObject({ used_at: null, revoked_at: null, last_seen_at: seen });

    const accepted = await t.api.post(PLAYER_REFRESH, { refreshToken: session.refreshToken });
    expect(accepted.status).toBe(200);
  });

  it('refuses a staff refresh token at the player door without consuming it', async () => {
    const refused = await t.api.post(PLAYER_REFRESH, { refreshToken: staff.refreshToken });
    expectProblem(refused, 401, 'refresh_token_invalid');
    expect((await tokenRow(staff.refreshToken)).used_at).toBeNull();

    const accepted = await t.api.post(STAFF_REFRESH, { refreshToken: staff.refreshToken });
    expect(accepted.status).toBe(200);
    const me = await t.api.get('/api/v1/me', { token: accepted.body.accessToken });
    expect(me.body).toMatchObject({ id: staff.id, kind: 'staff', roles: ['trader'] });
  });

  it('refuses a refresh token whose session has run out, without consuming it', async () => {
    const session = await signIn();
    await t.db.query(
      `UPDATE identity.sessions SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [(await tokenRow(session.refreshToken)).session_id],
    );
    const before = await countWrites(t.db);
    expectProblem(
      await t.api.post(PLAYER_REFRESH, { refreshToken: session.refreshToken }),
      401,
      'refresh_token_invalid',
    );
    expect(await countWrites(t.db)).toEqual(before);
    expect((await tokenRow(session.refreshToken)).used_at).toBeNull();
  });

  it('refuses a refresh token it never issued, the same way as a used one', async () => {
    const before = await countWrites(t.db);
    const unknown = await t.api.post(PLAYER_REFRESH, { refreshToken: 'never-issued-token' });
    expectProblem(unknown, 401, 'refresh_token_invalid');
    expect(await countWrites(t.db)).toEqual(before);

    const session = await signIn();
    await t.api.post(PLAYER_REFRESH, { refreshToken: session.refreshToken });
    const used = await t.api.post(PLAYER_REFRESH, { refreshToken: session.refreshToken });
    expect(used.body).toEqual(unknown.body);
  });

  it('refuses to refresh a suspended account and keeps the token for later', async () => {
    const session = await signIn();
    await t.db.query(`UPDATE identity.accounts SET status = 'suspended' WHERE id = $1`, [
      player.id,
    ]);
    try {
      expectProblem(
        await t.api.post(PLAYER_REFRESH, { refreshToken: session.refreshToken }),
        403,
        'account_disabled',
      );
      expect(await tokenRow(session.refreshToken)).toMatchObject({
        used_at: null,
        revoked_at: null,
      });
    } finally {
      await t.db.query(`UPDATE identity.accounts SET status = 'active' WHERE id = $1`, [player.id]);
    }
    expect((await t.api.post(PLAYER_REFRESH, { refreshToken: session.refreshToken })).status).toBe(
      200,
    );
  });

  it('signs out: logout ends the session of the refresh token and only that session', async () => {
    const session = await signIn();
    const rotated = await t.api.post(PLAYER_REFRESH, { refreshToken: session.refreshToken });
    const other = await signIn(); // another device
    const mark = await auditMark(t.db);
    const out = await t.api.post('/api/v1/auth/logout', {
      refreshToken: rotated.body.refreshToken,
    });
    expect(out.status).toBe(204);
    const row = await tokenRow(rotated.body.refreshToken);
    expect(row.revoked_at).not.toBeNull();
    expect(row.revoked_reason).toBe('logout');
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({
        actor_id: player.id,
        actor_kind: 'player',
        action: 'auth.logout',
        outcome: 'success',
        target_type: 'session',
        target_id: row.session_id,
      }),
    ]);
    expectProblem(
      await t.api.post(PLAYER_REFRESH, { refreshToken: rotated.body.refreshToken }),
      401,
      'refresh_token_invalid',
    );
    expect((await t.api.post(PLAYER_REFRESH, { refreshToken: other.refreshToken })).status).toBe(
      200,
    );
  });

  it('ignores a staff refresh token sent to the player logout: the staff session goes on', async () => {
    const session = await staffSession(t.db, t.api, ['trader']);
    const out = await t.api.post('/api/v1/auth/logout', { refreshToken: session.refreshToken });
    expect(out.status).toBe(204);
    expect((await tokenRow(session.refreshToken)).revoked_at).toBeNull();
    expect((await t.api.get('/api/v1/me', { token: session.token })).status).toBe(200);
  });

  it('stops the access token of a session that signed out, not only its refresh token', async () => {
    const session = await signIn();
    expect((await t.api.get('/api/v1/me', { token: session.accessToken })).status).toBe(200);
    await t.api.post('/api/v1/auth/logout', { refreshToken: session.refreshToken });
    expectProblem(
      await t.api.get('/api/v1/me', { token: session.accessToken }),
      401,
      'session_ended',
    );
  });

  it('answers a second logout of the same session the same way and records it once', async () => {
    const session = await signIn();
    const mark = await auditMark(t.db);
    for (let i = 0; i < 2; i++) {
      const out = await t.api.post('/api/v1/auth/logout', { refreshToken: session.refreshToken });
      expect(out.status).toBe(204);
    }
    expect((await auditSince(t.db, mark)).map((r) => r.action)).toEqual(['auth.logout']);
  });

  it('answers logout with an unknown refresh token the same way and changes nothing', async () => {
    const before = await countWrites(t.db);
    const out = await t.api.post('/api/v1/auth/logout', { refreshToken: 'never-issued' });
    expect(out.status).toBe(204);
    expect(await countWrites(t.db)).toEqual(before);
  });

  it.each([
    ['no token', {}],
    ['an empty token', { refreshToken: '' }],
    ['a token over 200 characters', { refreshToken: 'x'.repeat(201) }],
    ['an object as the token', { refreshToken: { value: 'x' } }],
    ['an extra field', { refreshToken: 'x', accountId: 'someone' }],
  ])('refuses a refresh or logout with %s with validation_failed', async (_, payload) => {
    const before = await countWrites(t.db);
    for (const url of [PLAYER_REFRESH, STAFF_REFRESH, '/api/v1/auth/logout']) {
      expectProblem(await t.api.post(url, payload), 400, 'validation_failed');
    }
    expect(await countWrites(t.db)).toEqual(before);
  });
});

describe('the audit log', () => {
  const t = useTestApp();

  it.each([
    ['UPDATE', `UPDATE audit.events SET outcome = 'success'`],
    ['DELETE', 'DELETE FROM audit.events'],
    ['TRUNCATE', 'TRUNCATE audit.events'],
  ])('refuses %s of its records with SQLSTATE 55000', async (_, sql) => {
    await t.player(); // at least one record: account.registered, auth.login
    const before = await countWrites(t.db);
    const error = await t.db.query(sql).catch((e: unknown) => e);
    expect(isPgError(error, '55000'), String(error)).toBe(true);
    expect(await countWrites(t.db)).toEqual(before);
  });
});
