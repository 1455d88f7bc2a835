import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { PASSWORD, type Response, type TestApp, useTestApp } from '../../../test/support/app.ts';
import {
  auditMark,
  auditRecord,
  auditSince,
  countWrites,
  type MfaPlayer,
  mailTo,
  mfaPlayer,
  plus,
  uniqueEmail,
} from '../../../test/support/identity-flows.ts';
import {
  expectProblem,
  STAFF_PASSWORD,
  staffSession,
} from '../../../test/support/identity-helpers.ts';
import { totpCode } from '../../../test/support/totp.ts';

const PLAYER_LOGIN = '/api/v1/auth/login';
const STAFF_LOGIN = '/api/v1/staff/auth/login';
const LOCKED_SUBJECT = 'Sign-in attempts on your account were blocked';

let lastIp = 0;
/** A client address of its own, so that tests do not share the per-IP count. */
const newIp = () => `10.20.${Math.floor(++lastIp / 250)}.${(lastIp % 250) + 1}`;

/** POSTs from a given client address. */
async function post(t: TestApp, ip: string, url: string, body: unknown): Promise<Response> {
  const response = await t.app.http.inject({
    method: 'POST',
    url,
    payload: body as object,
    remoteAddress: ip,
  });
  return {
    status: response.statusCode,
    body: response.body ? JSON.parse(response.body) : undefined,
    headers: response.headers,
  };
}

const wrong = (email: string) => ({ email, password: 'not the password at all' });

/** Failures of a throttling key, moved `seconds` into the past (as if time had passed). */
async function age(t: TestApp, key: string, seconds: number): Promise<void> {
  await t.db.query(
    `UPDATE identity.auth_failures SET at = at - make_interval(secs => $2) WHERE key = $1`,
    [key, seconds],
  );
}

/** `n` failures of `key`, all `minutesAgo` minutes old. */
async function pastFailures(t: TestApp, key: string, n: number, minutesAgo: number) {
  await t.db.query(
    `INSERT INTO identity.auth_failures (key, at)
     SELECT $1, now() - make_interval(mins => $3) FROM generate_series(1, $2)`,
    [key, n, minutesAgo],
  );
}

async function failuresOf(t: TestApp, key: string): Promise<number> {
  const [row] = await t.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM identity.auth_failures WHERE key = $1',
    [key],
  );
  return row!.n;
}

const lockNotices = async (t: TestApp, email: string) =>
  (await mailTo(t, email)).filter((m) => m.subject === LOCKED_SUBJECT);

function expectTooMany(response: Response, min: number, max: number): number {
  const problem = expectProblem(response, 429, 'too_many_attempts');
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBe(problem.retryAfter);
  expect(retryAfter).toBeGreaterThanOrEqual(min);
  expect(retryAfter).toBeLessThanOrEqual(max);
  return retryAfter;
}

/** A six-digit code that no step near now accepts. */
async function wrongCode(secret: string): Promise<string> {
  const step = Math.floor(Date.now() / 30_000);
  const valid = new Set(
    await Promise.all([-2, -1, 0, 1, 2].map((d) => generate({ secret, epoch: (step + d) * 30 }))),
  );
  return ['000000', '111111', '222222', '333333', '444444', '555555'].find((c) => !valid.has(c))!;
}

describe('sign-in throttling with the default limits', () => {
  const t = useTestApp();

  it('makes an address wait after five failures in a row, doubling the wait each time', async () => {
    const player = await t.player();
    const key = `login:player:${player.email.toLowerCase()}`;
    const ip = newIp();
    for (let i = 0; i < 5; i++) {
      expectProblem(
        await post(t, ip, PLAYER_LOGIN, wrong(player.email)),
        401,
        'invalid_credentials',
      );
    }
    // Even the right password waits: the address is not tried while it waits.
    const before = await countWrites(t.db);
    const mark = await auditMark(t.db);
    expectTooMany(
      await post(t, ip, PLAYER_LOGIN, { email: player.email, password: PASSWORD }),
      1,
      1,
    );
    // A refused attempt is audited but does not count as another failure.
    expect(await countWrites(t.db)).toEqual(plus(before, { audited: 1 }));
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({
        actor_id: player.id,
        action: 'auth.login',
        outcome: 'failure',
        details: { reason: 'throttled', email: player.email },
      }),
    ]);

    await age(t, key, 2);
    expectProblem(await post(t, ip, PLAYER_LOGIN, wrong(player.email)), 401, 'invalid_credentials');
    expectTooMany(await post(t, ip, PLAYER_LOGIN, wrong(player.email)), 2, 2);
    await age(t, key, 3);
    expectProblem(await post(t, ip, PLAYER_LOGIN, wrong(player.email)), 401, 'invalid_credentials');
    expectTooMany(await post(t, ip, PLAYER_LOGIN, wrong(player.email)), 3, 4);
  });

  it('clears the run of failures at a successful sign-in, but not the count of the IP', async () => {
    const player = await t.player();
    const key = `login:player:${player.email.toLowerCase()}`;
    const ip = newIp();
    for (let i = 0; i < 5; i++) await post(t, ip, PLAYER_LOGIN, wrong(player.email));
    await age(t, key, 2);
    const signedIn = await post(t, ip, PLAYER_LOGIN, { email: player.email, password: PASSWORD });
    expect(signedIn.status).toBe(200);
    expect(await failuresOf(t, key)).toBe(0);
    expect(await failuresOf(t, `ip:${ip}`)).toBe(5);
    // The next mistake starts a new run: no waiting.
    expectProblem(await post(t, ip, PLAYER_LOGIN, wrong(player.email)), 401, 'invalid_credentials');
    expectProblem(await post(t, ip, PLAYER_LOGIN, wrong(player.email)), 401, 'invalid_credentials');
  });

  it('throttles an unknown address exactly like a known one', async () => {
    const player = await t.player();
    const unknown = uniqueEmail('nobody');
    const answers: Response[] = [];
    for (const email of [player.email, unknown]) {
      const ip = newIp();
      for (let i = 0; i < 5; i++) await post(t, ip, PLAYER_LOGIN, wrong(email));
      answers.push(await post(t, ip, PLAYER_LOGIN, wrong(email)));
    }
    const [known, nobody] = answers as [Response, Response];
    expectTooMany(known, 1, 1);
    expect(nobody.status).toBe(known.status);
    expect(nobody.body).toEqual(known.body);
    expect(nobody.headers['retry-after']).toBe(known.headers['retry-after']);
    // Only the real account is named in the audit record of the refusal.
    const [record] = await t.db.query<{ actor_id: string | null }>(
      `SELECT actor_id FROM audit.events
       WHERE action = 'auth.login' AND details->>'reason' = 'throttled' AND details->>'email' = $1`,
      [unknown],
    );
    expect(record).toEqual({ actor_id: null });
  });

  it('counts failures per door: a locked player address still signs in as staff', async () => {
    const staff = await staffSession(t.db, t.api, ['support']);
    const ip = newIp();
    for (let i = 0; i < 5; i++) await post(t, ip, PLAYER_LOGIN, wrong(staff.email));
    expectTooMany(await post(t, ip, PLAYER_LOGIN, wrong(staff.email)), 1, 1);
    const staffDoor = await post(t, ip, STAFF_LOGIN, {
      email: staff.email,
      password: STAFF_PASSWORD,
    });
    expect(staffDoor.status).toBe(200);
    expect(staffDoor.body.mfaRequired).toBe(true);
  });

  it('mails the owner once when guessing reaches the longest back-off', async () => {
    // With the default limits the hourly cap (100) cannot be reached within the hour: the
    // back-off grows to 15 minutes first. That is when the owner hears of it.
    const player = await t.player();
    const key = `login:player:${player.email.toLowerCase()}`;
    await pastFailures(t, key, 14, 20);
    const ip = newIp();
    expectProblem(await post(t, ip, PLAYER_LOGIN, wrong(player.email)), 401, 'invalid_credentials');
    expect(await lockNotices(t, player.email)).toHaveLength(1);
    expectTooMany(await post(t, ip, PLAYER_LOGIN, wrong(player.email)), 890, 900);
    await age(t, key, 901);
    expectProblem(await post(t, ip, PLAYER_LOGIN, wrong(player.email)), 401, 'invalid_credentials');
    expect(await lockNotices(t, player.email)).toHaveLength(1);
  });

  it.each([
    ['no password', { email: 'someone@example.com' }],
    ['an email that is not an address', { email: 'admin', password: 'whatever it is' }],
  ])('does not count a malformed sign-in (%s) as a failure', async (_, body) => {
    const ip = newIp();
    for (let i = 0; i < 6; i++) {
      expectProblem(await post(t, ip, PLAYER_LOGIN, body), 400, 'validation_failed');
    }
    expect(await failuresOf(t, `ip:${ip}`)).toBe(0);
  });
});

describe('sign-in throttling with small limits', () => {
  const t = useTestApp({
    env: {
      IBET_LOGIN_FAILURES_PER_HOUR: '10',
      IBET_STAFF_LOGIN_FAILURES_PER_HOUR: '5',
      IBET_IP_FAILURES_PER_HOUR: '8',
    },
  });

  it('locks an address for the rest of the hour at its hourly cap and mails the owner once', async () => {
    const player = await t.player();
    const key = `login:player:${player.email.toLowerCase()}`;
    await pastFailures(t, key, 9, 20); // nine failures twenty minutes ago, back-off long over
    const ip = newIp();
    const mark = await auditMark(t.db);
    expectProblem(await post(t, ip, PLAYER_LOGIN, wrong(player.email)), 401, 'invalid_credentials');
    const mail = await lockNotices(t, player.email);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.body).toContain('Hello Test Player,');
    // Locked until the oldest failure is an hour old: about 40 minutes.
    const retryAfter = expectTooMany(
      await post(t, ip, PLAYER_LOGIN, { email: player.email, password: PASSWORD }),
      2390,
      2400,
    );
    expect(retryAfter).toBeLessThan(3600);
    expectTooMany(await post(t, newIp(), PLAYER_LOGIN, wrong(player.email)), 2390, 2400);
    expect(await lockNotices(t, player.email)).toHaveLength(1);
    expect((await auditSince(t.db, mark)).map((r) => r.details.reason)).toEqual([
      'wrong_password',
      'throttled',
      'throttled',
    ]);
  });

  it('gives staff addresses their own, lower cap', async () => {
    const staff = await staffSession(t.db, t.api, ['support']);
    const player = await t.player();
    for (const email of [staff.email, player.email]) {
      const door = email === staff.email ? STAFF_LOGIN : PLAYER_LOGIN;
      const ip = newIp();
      for (let i = 0; i < 5; i++) await post(t, ip, door, wrong(email));
      const refused = await post(t, ip, door, wrong(email));
      // Staff: the cap of five, for the hour. Players: only the back-off of one second.
      if (email === staff.email) expectTooMany(refused, 3590, 3600);
      else expectTooMany(refused, 1, 1);
    }
    expect(await lockNotices(t, staff.email)).toHaveLength(1);
    expect(await lockNotices(t, player.email)).toHaveLength(0);
  });

  it('sends no notice for an unknown address that reaches the cap', async () => {
    const unknown = uniqueEmail('nobody');
    await pastFailures(t, `login:player:${unknown}`, 9, 20);
    const before = await countWrites(t.db);
    expectProblem(await post(t, newIp(), PLAYER_LOGIN, wrong(unknown)), 401, 'invalid_credentials');
    expect(await countWrites(t.db)).toEqual(
      plus(before, { 'identity.auth_failures': 2, audited: 1 }),
    );
    expectTooMany(await post(t, newIp(), PLAYER_LOGIN, wrong(unknown)), 2390, 2400);
  });

  it('refuses an IP address at its hourly cap, whatever address it tries next', async () => {
    const player = await t.player();
    const ip = newIp();
    for (let i = 0; i < 8; i++) {
      expectProblem(
        await post(t, ip, PLAYER_LOGIN, wrong(uniqueEmail('spray'))),
        401,
        'invalid_credentials',
      );
    }
    const right = { email: player.email, password: PASSWORD };
    expectTooMany(await post(t, ip, PLAYER_LOGIN, right), 3590, 3600);
    expectTooMany(await post(t, ip, STAFF_LOGIN, wrong(uniqueEmail('spray'))), 3590, 3600);
    // Another address is not concerned, and the player's own address has no failures.
    expect((await post(t, newIp(), PLAYER_LOGIN, right)).status).toBe(200);
    // No account reached its cap: no notice.
    expect(await lockNotices(t, player.email)).toHaveLength(0);
  });
});

describe('second-factor code throttling', () => {
  const t = useTestApp();

  async function challenge(player: MfaPlayer): Promise<string> {
    const login = await t.api.post(PLAYER_LOGIN, { email: player.email, password: PASSWORD });
    expect(login.body.mfaRequired).toBe(true);
    return login.body.mfaToken;
  }

  it('makes an account wait after three wrong codes, and refuses even the right code meanwhile', async () => {
    const player = await mfaPlayer(t);
    const key = `mfa:${player.id}`;
    const mfaToken = await challenge(player);
    const bad = await wrongCode(player.totpSecret);
    for (let i = 0; i < 3; i++) {
      expectProblem(
        await t.api.post('/api/v1/auth/login/mfa', { mfaToken, code: bad }),
        401,
        'mfa_invalid',
      );
    }
    const right = await totpCode(player.totpSecret);
    const before = await countWrites(t.db);
    const mark = await auditMark(t.db);
    expectTooMany(await t.api.post('/api/v1/auth/login/mfa', { mfaToken, code: right }), 1, 1);
    // Refused unseen: not another failure, but in the audit log.
    expect(await countWrites(t.db)).toEqual(plus(before, { audited: 1 }));
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({
        actor_id: player.id,
        action: 'auth.mfa',
        outcome: 'failure',
        details: { reason: 'throttled' },
      }),
    ]);
    await age(t, key, 2);
    const signedIn = await t.api.post('/api/v1/auth/login/mfa', { mfaToken, code: right });
    expect(signedIn.status).toBe(200);
    expect(await failuresOf(t, key)).toBe(0);
  });

  it('refuses recovery codes too while the account waits', async () => {
    const player = await mfaPlayer(t);
    await pastFailures(t, `mfa:${player.id}`, 3, 0);
    const mfaToken = await challenge(player);
    expectTooMany(
      await t.api.post('/api/v1/auth/login/mfa', {
        mfaToken,
        recoveryCode: player.recoveryCodes[0],
      }),
      1,
      1,
    );
    const unused = await t.db.query(
      'SELECT 1 FROM identity.recovery_codes WHERE account_id = $1 AND used_at IS NULL',
      [player.id],
    );
    expect(unused).toHaveLength(10);
  });

  it('caps wrong codes at twenty an hour', async () => {
    const player = await mfaPlayer(t);
    await pastFailures(t, `mfa:${player.id}`, 20, 30);
    const mfaToken = await challenge(player);
    expectTooMany(
      await t.api.post('/api/v1/auth/login/mfa', {
        mfaToken,
        code: await totpCode(player.totpSecret),
      }),
      1790,
      1800,
    );
  });

  it('counts step-up and enrolment codes against the same account', async () => {
    const player = await mfaPlayer(t);
    const bad = await wrongCode(player.totpSecret);
    for (let i = 0; i < 3; i++) {
      expectProblem(
        await t.api.post('/api/v1/mfa/step-up', { code: bad }, { token: player.token }),
        401,
        'mfa_invalid',
      );
    }
    expectTooMany(
      await t.api.post('/api/v1/mfa/step-up', { code: bad }, { token: player.token }),
      1,
      1,
    );
    const mfaToken = await challenge(player);
    expectTooMany(await t.api.post('/api/v1/auth/login/mfa', { mfaToken, code: bad }), 1, 1);

    const fresh = await t.player();
    const started = await t.api.post('/api/v1/mfa/totp', undefined, { token: fresh.token });
    const badEnrol = await wrongCode(started.body.secret);
    for (let i = 0; i < 3; i++) {
      await t.api.post('/api/v1/mfa/totp/confirm', { code: badEnrol }, { token: fresh.token });
    }
    expectTooMany(
      await t.api.post(
        '/api/v1/mfa/totp/confirm',
        { code: await totpCode(started.body.secret) },
        { token: fresh.token },
      ),
      1,
      1,
    );
  });

  it('mails the owner once when code guessing reaches the longest back-off', async () => {
    const player = await mfaPlayer(t);
    await pastFailures(t, `mfa:${player.id}`, 12, 20);
    const mfaToken = await challenge(player);
    const bad = await wrongCode(player.totpSecret);
    expectProblem(
      await t.api.post('/api/v1/auth/login/mfa', { mfaToken, code: bad }),
      401,
      'mfa_invalid',
    );
    expect(await lockNotices(t, player.email)).toHaveLength(1);
    expectTooMany(await t.api.post('/api/v1/auth/login/mfa', { mfaToken, code: bad }), 890, 900);
    expect(await lockNotices(t, player.email)).toHaveLength(1);
  });
});
