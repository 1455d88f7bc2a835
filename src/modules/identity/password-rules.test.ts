import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PASSWORD, useTestApp } from '../../../test/support/app.ts';
import {
  auditMark,
  auditRecord,
  auditSince,
  countWrites,
  plus,
  uniqueEmail,
} from '../../../test/support/identity-flows.ts';
import { expectProblem, STAFF_PASSWORD } from '../../../test/support/identity-helpers.ts';
import { totpCode } from '../../../test/support/totp.ts';
import { createStaff } from './accounts.ts';
import { DEFAULT_ARGON2, hashPassword, isCommonPassword, verifyPassword } from './passwords.ts';
import { enrolConfirmed } from './totp.ts';

const REGISTER = '/api/v1/auth/register';

function registration(overrides: Record<string, unknown> = {}) {
  return {
    email: uniqueEmail('rules'),
    password: PASSWORD,
    displayName: 'Ada Player',
    dateOfBirth: '1990-04-23',
    country: 'IE',
    currency: 'EUR',
    ...overrides,
  };
}

describe('password rules', () => {
  const t = useTestApp();

  /** Registers with `body`; asserts the refusal and that nothing was written. */
  async function refused(body: Record<string, unknown>, status = 422, code = 'weak_password') {
    const before = await countWrites(t.db);
    const problem = expectProblem(await t.api.post(REGISTER, body), status, code);
    expect(await countWrites(t.db)).toEqual(before);
    return problem;
  }

  it('ships a blocklist of about 49,000 common passwords, compared without regard to case', () => {
    expect(isCommonPassword('passwordpassword')).toBe(true);
    expect(isCommonPassword('PassWordPassWord')).toBe(true);
    expect(isCommonPassword('123456789012')).toBe(true);
    expect(isCommonPassword(PASSWORD)).toBe(false);
  });

  it.each(['passwordpassword', 'PASSWORDPASSWORD', '123456789012', 'qwerty123456', '1qaz2wsx3edc'])(
    'refuses the common password %s',
    async (password) => {
      const problem = await refused(registration({ password }));
      expect(problem.field).toBe('password');
      expect(problem.detail).toMatch(/common/);
    },
  );

  it.each([
    ['the email address', (email: string) => email],
    ['the email address in capitals', (email: string) => email.toUpperCase()],
    ['the part before the @', (email: string) => email.split('@')[0]!],
    ['the display name', () => 'Ada Lovelace Byron'],
    ['the site name with digits', () => 'iBet-2024-2025!'],
    ['another name of the site', () => 'Sportsbook 1234'],
  ])('refuses %s as the password', async (_, password) => {
    const email = `ada.${randomUUID().slice(0, 12)}@example.com`;
    const problem = await refused(
      registration({ email, password: password(email), displayName: 'Ada Lovelace Byron' }),
    );
    expect(problem.detail).toMatch(/email address, your name or the name of this site/);
  });

  it('refuses 11 characters and accepts 12, counting characters rather than bytes', async () => {
    const short = await refused(registration({ password: 'kq8#vR2!mZp' }));
    expect(short.detail).toMatch(/at least 12/);
    expect((await t.api.post(REGISTER, registration({ password: 'kq8#vR2!mZpW' }))).status).toBe(
      201,
    );
    expect((await t.api.post(REGISTER, registration({ password: 'ğüşöçıĞÜŞÖÇİ' }))).status).toBe(
      201,
    );
  });

  it('accepts 128 characters and refuses 129 with weak_password, 1025 with validation_failed', async () => {
    const long = 'a long passphrase '.repeat(8);
    expect(
      (await t.api.post(REGISTER, registration({ password: long.slice(0, 128) }))).status,
    ).toBe(201);
    const over = await refused(registration({ password: `${long.slice(0, 128)}x` }));
    expect(over.detail).toMatch(/at most 128/);
    await refused(registration({ password: 'x'.repeat(1025) }), 400, 'validation_failed');
  });

  it('asks for no mix of character classes, and audits the registration', async () => {
    const before = await countWrites(t.db);
    const mark = await auditMark(t.db);
    const registered = await t.api.post(
      REGISTER,
      registration({ password: 'only lowercase letters and spaces' }),
    );
    expect(registered.status).toBe(201);
    expect(await countWrites(t.db)).toEqual(
      plus(before, {
        'identity.accounts': 1,
        'identity.one_time_tokens': 1,
        'wallet.accounts': 2,
        'platform.outbox': 1,
        audited: 1,
      }),
    );
    const id = registered.body.accountId;
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({
        actor_id: id,
        actor_kind: 'player',
        action: 'account.registered',
        outcome: 'success',
        target_type: 'account',
        target_id: id,
        ip: '127.0.0.1',
        details: { country: 'IE', currency: 'EUR' },
      }),
    ]);
  });

  it('asks staff for at least 15 characters', async () => {
    const staff = (password: string) =>
      createStaff(t.db, {
        email: uniqueEmail('staff'),
        password,
        displayName: 'Staff Member',
        roles: ['support'],
      });
    await expect(staff('fourteen chars')).rejects.toMatchObject({
      code: 'weak_password',
      message: expect.stringMatching(/at least 15/),
    });
    expect((await staff('fifteen chars!!')).kind).toBe('staff');
  });
});

describe('rehashing at sign-in when the argon2 parameters change', () => {
  // This app hashes with other parameters than the defaults the accounts below were made with.
  const t = useTestApp({
    env: {
      IBET_ARGON2_MEMORY_KIB: '8192',
      IBET_ARGON2_TIME_COST: '1',
      IBET_ARGON2_PARALLELISM: '1',
    },
  });
  const CONFIGURED = /^\$argon2id\$v=19\$m=8192,t=1,p=1\$/;
  const DEFAULT = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/;

  async function storedHash(accountId: string): Promise<string> {
    const [row] = await t.db.query<{ password_hash: string }>(
      'SELECT password_hash FROM identity.accounts WHERE id = $1',
      [accountId],
    );
    return row!.password_hash;
  }

  /** A player whose password was hashed with the default parameters (an older hash). */
  async function playerWithOldHash() {
    const player = await t.player();
    const old = await hashPassword(PASSWORD, DEFAULT_ARGON2);
    await t.db.query('UPDATE identity.accounts SET password_hash = $2 WHERE id = $1', [
      player.id,
      old,
    ]);
    return { ...player, old };
  }

  it('hashes new passwords with the configured parameters', async () => {
    const player = await t.player();
    expect(await storedHash(player.id)).toMatch(CONFIGURED);
  });

  it('rehashes the password with the configured parameters at the next sign-in', async () => {
    const player = await playerWithOldHash();
    expect(player.old).toMatch(DEFAULT);
    const login = await t.api.post('/api/v1/auth/login', {
      email: player.email,
      password: PASSWORD,
    });
    expect(login.status).toBe(200);
    const rehashed = await storedHash(player.id);
    expect(rehashed).toMatch(CONFIGURED);
    expect(await verifyPassword(rehashed, PASSWORD)).toBe(true);
    expect(await verifyPassword(rehashed, `${PASSWORD}!`)).toBe(false);
    // Once current, the hash stays as it is.
    expect(
      (await t.api.post('/api/v1/auth/login', { email: player.email, password: PASSWORD })).status,
    ).toBe(200);
    expect(await storedHash(player.id)).toBe(rehashed);
  });

  it('leaves the hash alone after a wrong password', async () => {
    const player = await playerWithOldHash();
    const login = await t.api.post('/api/v1/auth/login', {
      email: player.email,
      password: 'not the password at all',
    });
    expectProblem(login, 401, 'invalid_credentials');
    expect(await storedHash(player.id)).toBe(player.old);
  });

  it('rehashes at the password step of a sign-in with a second factor', async () => {
    const email = uniqueEmail('staff');
    const staff = await createStaff(t.db, {
      email,
      password: STAFF_PASSWORD,
      displayName: 'Staff Member',
      roles: ['support'],
    });
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    await t.db.transaction((tx) => enrolConfirmed(tx, staff.id, secret));
    expect(await storedHash(staff.id)).toMatch(DEFAULT); // createStaff's own default
    const login = await t.api.post('/api/v1/staff/auth/login', {
      email,
      password: STAFF_PASSWORD,
    });
    expect(login.body.mfaRequired).toBe(true);
    expect(await storedHash(staff.id)).toMatch(CONFIGURED);
    const second = await t.api.post('/api/v1/staff/auth/login/mfa', {
      mfaToken: login.body.mfaToken,
      code: await totpCode(secret),
    });
    expect(second.status).toBe(200);
  });
});
