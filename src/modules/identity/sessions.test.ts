import { beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, type Player, useTestApp } from '../../../test/support/app.ts';
import {
  countAll,
  expectProblem,
  STAFF_PASSWORD,
  type StaffSession,
  sha256,
  staffSession,
} from '../../../test/support/identity-helpers.ts';

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

  it('signs a player in at the player door with a bearer pair', async () => {
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
  });

  it('stores only the hash of a refresh token', async () => {
    const response = await t.api.post(PLAYER_LOGIN, { email: player.email, password: PASSWORD });
    const { refreshToken } = response.body;
    const rows = await t.db.query<{ account_id: string }>(
      'SELECT account_id FROM identity.refresh_tokens WHERE token_hash = $1',
      [sha256(refreshToken)],
    );
    expect(rows).toEqual([{ account_id: player.id }]);
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

  it('signs staff in at the staff door', async () => {
    const response = await t.api.post(STAFF_LOGIN, {
      email: staff.email,
      password: STAFF_PASSWORD,
    });
    expect(response.status).toBe(200);
    const me = await t.api.get('/api/v1/me', { token: response.body.accessToken });
    expect(me.body).toMatchObject({ id: staff.id, kind: 'staff', roles: ['support'] });
  });

  it('answers a wrong password and an unknown address identically', async () => {
    const before = await countAll(t.db);
    const wrongPassword = await t.api.post(PLAYER_LOGIN, {
      email: player.email,
      password: `${PASSWORD} but wrong`,
    });
    const unknownEmail = await t.api.post(PLAYER_LOGIN, {
      email: 'nobody-here@example.com',
      password: PASSWORD,
    });
    expectProblem(wrongPassword, 401, 'invalid_credentials');
    expect(unknownEmail.status).toBe(wrongPassword.status);
    expect(unknownEmail.body).toEqual(wrongPassword.body);
    expect(unknownEmail.headers['content-type']).toBe(wrongPassword.headers['content-type']);
    expect(await countAll(t.db)).toEqual(before);
  });

  it('refuses a staff account at the player door as if the password were wrong', async () => {
    const before = await countAll(t.db);
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
    expect(await countAll(t.db)).toEqual(before);
  });

  it('refuses a player account at the staff door as if the password were wrong', async () => {
    const before = await countAll(t.db);
    const wrongDoor = await t.api.post(STAFF_LOGIN, { email: player.email, password: PASSWORD });
    const wrongPassword = await t.api.post(STAFF_LOGIN, {
      email: staff.email,
      password: 'not the password at all',
    });
    expectProblem(wrongDoor, 401, 'invalid_credentials');
    expect(wrongDoor.body).toEqual(wrongPassword.body);
    expect(await countAll(t.db)).toEqual(before);
  });

  it.each(['suspended', 'closed'])(
    'refuses a %s account with account_disabled, and only to the right password',
    async (status) => {
      await setStatus(player.id, status);
      try {
        const before = await countAll(t.db);
        const right = await t.api.post(PLAYER_LOGIN, { email: player.email, password: PASSWORD });
        expectProblem(right, 403, 'account_disabled');
        // A wrong password must not reveal that the account exists and is disabled.
        const wrong = await t.api.post(PLAYER_LOGIN, {
          email: player.email,
          password: 'not the password at all',
        });
        expectProblem(wrong, 401, 'invalid_credentials');
        expect(await countAll(t.db)).toEqual(before);
      } finally {
        await setStatus(player.id, 'active');
      }
    },
  );

  it('refuses a suspended staff member at the staff door', async () => {
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
    ['an extra field', { email: 'a@example.com', password: 'whatever it is', kind: 'staff' }],
    ['an email that is not an address', { email: 'admin', password: 'whatever it is' }],
  ])('refuses a sign-in with %s with validation_failed', async (_, credentials) => {
    const before = await countAll(t.db);
    for (const door of [PLAYER_LOGIN, STAFF_LOGIN]) {
      expectProblem(await t.api.post(door, credentials), 400, 'validation_failed');
    }
    expect(await countAll(t.db)).toEqual(before);
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

  async function tokenRow(refreshToken: string) {
    const [row] = await t.db.query<{
      family_id: string;
      used_at: Date | null;
      revoked_at: Date | null;
    }>('SELECT family_id, used_at, revoked_at FROM identity.refresh_tokens WHERE token_hash = $1', [
      sha256(refreshToken),
    ]);
    return row!;
  }

  it('rotates: a refresh token buys a new pair once, and the old one stops working', async () => {
    const first = await signIn();
    const rotated = await t.api.post(PLAYER_REFRESH, { refreshToken: first.refreshToken });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refreshToken).not.toBe(first.refreshToken);
    expect(rotated.body.tokenType).toBe('Bearer');
    const me = await t.api.get('/api/v1/me', { token: rotated.body.accessToken });
    expect(me.body.id).toBe(player.id);
    // Both tokens belong to one family.
    expect((await tokenRow(rotated.body.refreshToken)).family_id).toBe(
      (await tokenRow(first.refreshToken)).family_id,
    );

    const again = await t.api.post(PLAYER_REFRESH, { refreshToken: first.refreshToken });
    expectProblem(again, 401, 'refresh_token_invalid');
  });

  it('revokes the whole family, for good, when a used refresh token comes back', async () => {
    const first = await signIn();
    const other = await signIn(); // another device: another family
    const second = (await t.api.post(PLAYER_REFRESH, { refreshToken: first.refreshToken })).body;
    const third = (await t.api.post(PLAYER_REFRESH, { refreshToken: second.refreshToken })).body;
    expect(third.refreshToken).toEqual(expect.any(String));

    // Someone replays the first token: the family is revoked, and stays revoked.
    const replay = await t.api.post(PLAYER_REFRESH, { refreshToken: first.refreshToken });
    expectProblem(replay, 401, 'refresh_token_invalid');
    const { family_id } = await tokenRow(first.refreshToken);
    const family = await t.db.query<{ revoked: boolean }>(
      'SELECT revoked_at IS NOT NULL AS revoked FROM identity.refresh_tokens WHERE family_id = $1',
      [family_id],
    );
    expect(family).toHaveLength(3);
    expect(family.every((row) => row.revoked)).toBe(true);

    // The newest token of that family no longer works, and is not consumed by trying.
    expectProblem(
      await t.api.post(PLAYER_REFRESH, { refreshToken: third.refreshToken }),
      401,
      'refresh_token_invalid',
    );
    expect((await tokenRow(third.refreshToken)).used_at).toBeNull();

    // The other device's session is untouched.
    const otherRotated = await t.api.post(PLAYER_REFRESH, { refreshToken: other.refreshToken });
    expect(otherRotated.status).toBe(200);
  });

  it('refuses a player refresh token at the staff door without consuming it', async () => {
    const session = await signIn();
    const before = await countAll(t.db);
    const refused = await t.api.post(STAFF_REFRESH, { refreshToken: session.refreshToken });
    expectProblem(refused, 401, 'refresh_token_invalid');
    expect(await countAll(t.db)).toEqual(before);
    const row = await tokenRow(session.refreshToken);
    expect(row.used_at).toBeNull();
    expect(row.revoked_at).toBeNull();

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

  it('refuses an expired refresh token without consuming it', async () => {
    const session = await signIn();
    await t.db.query(
      `UPDATE identity.refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`,
      [sha256(session.refreshToken)],
    );
    const before = await countAll(t.db);
    expectProblem(
      await t.api.post(PLAYER_REFRESH, { refreshToken: session.refreshToken }),
      401,
      'refresh_token_invalid',
    );
    expect(await countAll(t.db)).toEqual(before);
    expect((await tokenRow(session.refreshToken)).used_at).toBeNull();
  });

  it('refuses a refresh token it never issued, the same way as a used one', async () => {
    const before = await countAll(t.db);
    const unknown = await t.api.post(PLAYER_REFRESH, { refreshToken: 'never-issued-token' });
    expectProblem(unknown, 401, 'refresh_token_invalid');
    expect(await countAll(t.db)).toEqual(before);

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
      expect((await tokenRow(session.refreshToken)).used_at).toBeNull();
    } finally {
      await t.db.query(`UPDATE identity.accounts SET status = 'active' WHERE id = $1`, [player.id]);
    }
    expect((await t.api.post(PLAYER_REFRESH, { refreshToken: session.refreshToken })).status).toBe(
      200,
    );
  });

  it('signs out: logout ends the family of the refresh token and only that family', async () => {
    const session = await signIn();
    const rotated = await t.api.post(PLAYER_REFRESH, { refreshToken: session.refreshToken });
    const other = await signIn(); // another device
    const out = await t.api.post('/api/v1/auth/logout', {
      refreshToken: rotated.body.refreshToken,
    });
    expect(out.status).toBe(204);
    expect((await tokenRow(rotated.body.refreshToken)).revoked_at).not.toBeNull();
    expectProblem(
      await t.api.post(PLAYER_REFRESH, { refreshToken: rotated.body.refreshToken }),
      401,
      'refresh_token_invalid',
    );
    expect((await t.api.post(PLAYER_REFRESH, { refreshToken: other.refreshToken })).status).toBe(
      200,
    );
  });

  it('answers logout with an unknown refresh token the same way and changes nothing', async () => {
    const before = await countAll(t.db);
    const out = await t.api.post('/api/v1/auth/logout', { refreshToken: 'never-issued' });
    expect(out.status).toBe(204);
    expect(await countAll(t.db)).toEqual(before);
  });

  it.each([
    ['no token', {}],
    ['an empty token', { refreshToken: '' }],
    ['a token over 200 characters', { refreshToken: 'x'.repeat(201) }],
    ['an object as the token', { refreshToken: { value: 'x' } }],
    ['an extra field', { refreshToken: 'x', accountId: 'someone' }],
  ])('refuses a refresh with %s with validation_failed', async (_, payload) => {
    const before = await countAll(t.db);
    expectProblem(await t.api.post(PLAYER_REFRESH, payload), 400, 'validation_failed');
    expect(await countAll(t.db)).toEqual(before);
  });
});
