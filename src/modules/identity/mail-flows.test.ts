import { describe, expect, it } from 'vitest';
import { PASSWORD, type Player, useTestApp } from '../../../test/support/app.ts';
import {
  auditMark,
  auditRecord,
  auditSince,
  countWrites,
  linkToken,
  mailTo,
  plus,
  signInWithCode,
  uniqueEmail,
} from '../../../test/support/identity-flows.ts';
import { expectProblem, sha256, staffSession } from '../../../test/support/identity-helpers.ts';

const PUBLIC_URL = 'http://127.0.0.1:3000';
const NEW_PASSWORD = 'a brand new passphrase';
const NEW_STAFF_PASSWORD = 'a brand new staff passphrase';

describe('email verification', () => {
  const t = useTestApp();

  const verify = (token: string) => t.api.post('/api/v1/auth/verify-email', { token });
  const me = async (player: Player) =>
    (await t.api.get('/api/v1/me', { token: player.token })).body;

  it('mails a link at registration that verifies the address, once', async () => {
    const player = await t.player();
    const mail = await mailTo(t, player.email);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toBe('Confirm your email address');
    expect(mail[0]!.body).toContain('Hello Test Player,');
    expect(mail[0]!.body).toContain(`${PUBLIC_URL}/#/verify-email?token=`);
    const token = linkToken(mail[0]!);
    // Only the hash of the link's token is stored.
    const stored = await t.db.query<{ token_hash: string }>(
      `SELECT token_hash FROM identity.one_time_tokens WHERE account_id = $1 AND purpose = 'verify_email'`,
      [player.id],
    );
    expect(stored).toEqual([{ token_hash: sha256(token) }]);
    expect((await me(player)).emailVerified).toBe(false);

    const mark = await auditMark(t.db);
    expect((await verify(token)).status).toBe(204);
    expect((await me(player)).emailVerified).toBe(true);
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({
        actor_id: player.id,
        actor_kind: 'player',
        action: 'account.email_verified',
        outcome: 'success',
        target_type: 'account',
        target_id: player.id,
      }),
    ]);
    const before = await countWrites(t.db);
    expectProblem(await verify(token), 422, 'link_invalid');
    expect(await countWrites(t.db)).toEqual(before);
  });

  it('refuses an expired verification link', async () => {
    const player = await t.player();
    const token = linkToken((await mailTo(t, player.email))[0]!);
    await t.db.query(
      `UPDATE identity.one_time_tokens SET expires_at = now() - interval '1 second'
       WHERE account_id = $1`,
      [player.id],
    );
    expectProblem(await verify(token), 422, 'link_invalid');
    expect((await me(player)).emailVerified).toBe(false);
  });

  it('lets a link live for seven days', async () => {
    const player = await t.player();
    const [row] = await t.db.query<{ days: number }>(
      `SELECT round(EXTRACT(EPOCH FROM expires_at - created_at) / 86400)::int AS days
       FROM identity.one_time_tokens WHERE account_id = $1`,
      [player.id],
    );
    expect(row!.days).toBe(7);
  });

  it('resends the link at most five times an hour, each new link voiding the last', async () => {
    const player = await t.player();
    const resend = () =>
      t.api.post('/api/v1/me/email-verification', undefined, { token: player.token });
    for (let i = 0; i < 5; i++) expect((await resend()).status).toBe(202);
    expectProblem(await resend(), 429, 'too_many_attempts');
    const mail = await mailTo(t, player.email);
    expect(mail).toHaveLength(6); // registration and five resends
    expectProblem(await verify(linkToken(mail[0]!)), 422, 'link_invalid');
    expectProblem(await verify(linkToken(mail[4]!)), 422, 'link_invalid');
    expect((await verify(linkToken(mail[5]!))).status).toBe(204);
    expectProblem(await resend(), 409, 'email_already_verified');
  });

  it('does not take a password-reset link for a verification link', async () => {
    const player = await t.player();
    await t.api.post('/api/v1/auth/password-reset', { email: player.email });
    const reset = (await mailTo(t, player.email)).find((m) => m.subject === 'Reset your password');
    expectProblem(await verify(linkToken(reset!)), 422, 'link_invalid');
    expect((await me(player)).emailVerified).toBe(false);
  });

  it.each([
    ['an unknown token', { token: 'never-issued' }, 422, 'link_invalid'],
    ['an empty token', { token: '' }, 400, 'validation_failed'],
    ['a token over 200 characters', { token: 'x'.repeat(201) }, 400, 'validation_failed'],
    ['no token', {}, 400, 'validation_failed'],
    ['an extra field', { token: 'x', accountId: 'someone' }, 400, 'validation_failed'],
  ])('refuses verification with %s and changes nothing', async (_, body, status, code) => {
    const before = await countWrites(t.db);
    expectProblem(await t.api.post('/api/v1/auth/verify-email', body), status, code);
    expect(await countWrites(t.db)).toEqual(before);
  });
});

describe('password reset', () => {
  const t = useTestApp();

  const request = (email: string, door = '/api/v1/auth') =>
    t.api.post(`${door}/password-reset`, { email });
  const confirm = (token: string, password: string, door = '/api/v1/auth') =>
    t.api.post(`${door}/password-reset/confirm`, { token, password });

  async function resetLinks(email: string) {
    return (await mailTo(t, email)).filter((m) => m.subject === 'Reset your password');
  }

  async function resetToken(email: string, door = '/api/v1/auth'): Promise<string> {
    expect((await request(email, door)).status).toBe(202);
    const links = await resetLinks(email);
    return linkToken(links[links.length - 1]!);
  }

  const login = (email: string, password: string) =>
    t.api.post('/api/v1/auth/login', { email, password });

  it('answers an unknown address like a known one, and mails only the account', async () => {
    const player = await t.player();
    const unknown = uniqueEmail('nobody');
    const before = await countWrites(t.db);
    const nobody = await request(unknown);
    expect(nobody.status).toBe(202);
    expect(await countWrites(t.db)).toEqual(before);
    expect(await mailTo(t, unknown)).toEqual([]);

    const mark = await auditMark(t.db);
    const known = await request(player.email.toUpperCase());
    expect(known.status).toBe(nobody.status);
    expect(known.body).toEqual(nobody.body);
    expect(await countWrites(t.db)).toEqual(
      plus(before, {
        'identity.one_time_tokens': 1,
        'identity.auth_failures': 1, // the count of mails to the address this hour
        'platform.outbox': 1,
        audited: 1,
      }),
    );
    const links = await resetLinks(player.email);
    expect(links).toHaveLength(1);
    expect(links[0]!.body).toContain(`${PUBLIC_URL}/#/reset-password?token=`);
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({
        actor_id: null,
        action: 'account.password_reset_requested',
        target_type: 'account',
        target_id: player.id,
      }),
    ]);
  });

  it('sets a new password with the link once, and ends every session of the account', async () => {
    const player = await t.player();
    const other = (await login(player.email, PASSWORD)).body; // a second device
    const token = await resetToken(player.email);
    const mark = await auditMark(t.db);
    expect((await confirm(token, NEW_PASSWORD)).status).toBe(204);
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({
        actor_id: player.id,
        action: 'account.password_reset',
        target_id: player.id,
        details: { sessionsEnded: 2 },
      }),
    ]);
    for (const refreshToken of [player.refreshToken, other.refreshToken]) {
      expectProblem(
        await t.api.post('/api/v1/auth/refresh', { refreshToken }),
        401,
        'refresh_token_invalid',
      );
    }
    const reasons = await t.db.query<{ revoked_reason: string }>(
      'SELECT revoked_reason FROM identity.sessions WHERE account_id = $1',
      [player.id],
    );
    expect(reasons.map((r) => r.revoked_reason)).toEqual(['password_reset', 'password_reset']);
    expectProblem(await login(player.email, PASSWORD), 401, 'invalid_credentials');
    expect((await login(player.email, NEW_PASSWORD)).status).toBe(200);

    const before = await countWrites(t.db);
    expectProblem(await confirm(token, 'yet another passphrase'), 422, 'link_invalid');
    expect(await countWrites(t.db)).toEqual(before);
  });

  it('refuses an expired link and keeps the old password', async () => {
    const player = await t.player();
    const token = await resetToken(player.email);
    await t.db.query(
      `UPDATE identity.one_time_tokens SET expires_at = now() - interval '1 second'
       WHERE token_hash = $1`,
      [sha256(token)],
    );
    expectProblem(await confirm(token, NEW_PASSWORD), 422, 'link_invalid');
    expect((await login(player.email, PASSWORD)).status).toBe(200);
  });

  it('lets a link live for one hour', async () => {
    const player = await t.player();
    const token = await resetToken(player.email);
    const [row] = await t.db.query<{ seconds: number }>(
      `SELECT EXTRACT(EPOCH FROM expires_at - created_at)::int AS seconds
       FROM identity.one_time_tokens WHERE token_hash = $1`,
      [sha256(token)],
    );
    expect(row!.seconds).toBe(3600);
  });

  it('refuses a staff link at the player door, and it still works at the staff door', async () => {
    const staff = await staffSession(t.db, t.api, ['support']);
    const token = await resetToken(staff.email, '/api/v1/staff/auth');
    const links = await resetLinks(staff.email);
    expect(links[0]!.body).toContain(`${PUBLIC_URL}/backoffice/#/reset-password?token=`);
    const before = await countWrites(t.db);
    expectProblem(await confirm(token, NEW_STAFF_PASSWORD), 422, 'link_invalid');
    expectProblem(
      await confirm(token, NEW_STAFF_PASSWORD, '/api/v1/partner/auth'),
      422,
      'link_invalid',
    );
    expect(await countWrites(t.db)).toEqual(before);
    expect((await confirm(token, NEW_STAFF_PASSWORD, '/api/v1/staff/auth')).status).toBe(204);
    // The new password, and still the second factor.
    await signInWithCode(t.api, '/api/v1/staff/auth', {
      email: staff.email,
      password: NEW_STAFF_PASSWORD,
      totpSecret: staff.totpSecret,
    });
  });

  it('refuses a player link at the staff door, and it still works at the player door', async () => {
    const player = await t.player();
    const token = await resetToken(player.email);
    expectProblem(
      await confirm(token, NEW_STAFF_PASSWORD, '/api/v1/staff/auth'),
      422,
      'link_invalid',
    );
    expect((await confirm(token, NEW_PASSWORD)).status).toBe(204);
  });

  it("mails nothing for an address at another kind's door", async () => {
    const staff = await staffSession(t.db, t.api, ['support']);
    const before = await countWrites(t.db);
    expect((await request(staff.email)).status).toBe(202); // the player door
    expect(await countWrites(t.db)).toEqual(before);
  });

  it.each([
    ['a common password', 'passwordpassword', undefined],
    ['the account’s email address', (email: string) => email, undefined],
    ['11 characters', 'kq8#vR2!mZp', undefined],
    ['14 characters at the staff door', 'fourteen chars', '/api/v1/staff/auth'],
  ])('refuses %s as the new password without using up the link', async (_, password, door) => {
    const account =
      door === undefined ? await t.player() : { ...(await staffSession(t.db, t.api, ['support'])) };
    const token = await resetToken(account.email, door);
    const chosen = typeof password === 'function' ? password(account.email) : password;
    const before = await countWrites(t.db);
    const problem = expectProblem(await confirm(token, chosen, door), 422, 'weak_password');
    expect(problem.field).toBe('password');
    expect(await countWrites(t.db)).toEqual(before);
    const good = door === undefined ? NEW_PASSWORD : NEW_STAFF_PASSWORD;
    expect((await confirm(token, good, door)).status).toBe(204);
  });

  it('mails at most five links an hour per account, answering 202 all the same', async () => {
    const player = await t.player();
    for (let i = 0; i < 7; i++) expect((await request(player.email)).status).toBe(202);
    expect(await resetLinks(player.email)).toHaveLength(5);
  });

  it('voids the previous link when it mails a new one', async () => {
    const player = await t.player();
    const first = await resetToken(player.email);
    const second = await resetToken(player.email);
    expectProblem(await confirm(first, NEW_PASSWORD), 422, 'link_invalid');
    expect((await confirm(second, NEW_PASSWORD)).status).toBe(204);
  });

  it('mails no link to a suspended account', async () => {
    const player = await t.player();
    await t.db.query(`UPDATE identity.accounts SET status = 'suspended' WHERE id = $1`, [
      player.id,
    ]);
    expect((await request(player.email)).status).toBe(202);
    expect(await resetLinks(player.email)).toEqual([]);
  });

  it('refuses a link mailed before the account was suspended', async () => {
    const player = await t.player();
    const token = await resetToken(player.email);
    await t.db.query(`UPDATE identity.accounts SET status = 'suspended' WHERE id = $1`, [
      player.id,
    ]);
    expectProblem(await confirm(token, NEW_PASSWORD), 422, 'link_invalid');
  });

  it('lifts the back-off of the address: the new password works at once', async () => {
    const player = await t.player();
    for (let i = 0; i < 5; i++) await login(player.email, 'not the password at all');
    expectProblem(await login(player.email, PASSWORD), 429, 'too_many_attempts');
    const token = await resetToken(player.email);
    expect((await confirm(token, NEW_PASSWORD)).status).toBe(204);
    expect((await login(player.email, NEW_PASSWORD)).status).toBe(200);
  });

  it.each([
    ['/password-reset', { email: 'not-an-address' }],
    ['/password-reset', { email: 'a@example.com', kind: 'staff' }],
    ['/password-reset/confirm', { password: NEW_PASSWORD }],
    ['/password-reset/confirm', { token: 'x', password: '' }],
    ['/password-reset/confirm', { token: 'x', password: 'x'.repeat(1025) }],
    ['/password-reset/confirm', { token: 'x'.repeat(201), password: NEW_PASSWORD }],
  ])('refuses %s with %j with validation_failed and changes nothing', async (path, body) => {
    const before = await countWrites(t.db);
    expectProblem(await t.api.post(`/api/v1/auth${path}`, body), 400, 'validation_failed');
    expect(await countWrites(t.db)).toEqual(before);
  });

  it('refuses an unknown link and changes nothing', async () => {
    const before = await countWrites(t.db);
    expectProblem(await confirm('never-issued', NEW_PASSWORD), 422, 'link_invalid');
    expect(await countWrites(t.db)).toEqual(before);
  });
});

describe('captured mail in the back office', () => {
  const t = useTestApp();

  it('shows the mail to staff with mail:read (admin), newest first', async () => {
    const player = await t.player();
    await t.api.post('/api/v1/auth/password-reset', { email: player.email });
    await t.app.relay!.drain();
    const support = await staffSession(t.db, t.api, ['admin']);
    const response = await t.api.get(
      `/api/v1/admin/mail?to=${encodeURIComponent(player.email.toUpperCase())}`,
      { token: support.token },
    );
    expect(response.status).toBe(200);
    expect(response.body.items.map((m: { subject: string }) => m.subject)).toEqual([
      'Reset your password',
      'Confirm your email address',
    ]);
    expect(response.body.items[0]).toEqual({
      id: expect.any(String),
      to: player.email,
      subject: 'Reset your password',
      body: expect.stringContaining('/#/reset-password?token='),
      createdAt: expect.any(String),
      sentAt: null,
    });
    const limited = await t.api.get('/api/v1/admin/mail?limit=1', { token: support.token });
    expect(limited.body.items).toHaveLength(1);
  });

  it('refuses it to support and traders (captured mail holds live reset links), naming the permission, and to players', async () => {
    for (const role of ['support', 'trader']) {
      const staff = await staffSession(t.db, t.api, [role]);
      const problem = expectProblem(
        await t.api.get('/api/v1/admin/mail', { token: staff.token }),
        403,
        'forbidden',
      );
      expect(problem.permission).toBe('mail:read');
    }
    const player = await t.player();
    expectProblem(await t.api.get('/api/v1/admin/mail', { token: player.token }), 403, 'forbidden');
    expectProblem(await t.api.get('/api/v1/admin/mail'), 401, 'unauthenticated');
  });

  it.each([['to=not-an-address'], ['limit=0'], ['limit=101'], ['limit=ten']])(
    'refuses the query %s with validation_failed',
    async (query) => {
      const support = await staffSession(t.db, t.api, ['admin']);
      expectProblem(
        await t.api.get(`/api/v1/admin/mail?${query}`, { token: support.token }),
        400,
        'validation_failed',
      );
    },
  );
});
