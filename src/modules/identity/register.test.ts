import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { countAll, expectProblem } from '../../../test/support/identity-helpers.ts';

const URL = '/api/v1/auth/register';
const PASSWORD = 'a perfectly fine password';

const newEmail = () => `reg-${randomUUID()}@example.com`;

function body(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    email: newEmail(),
    password: PASSWORD,
    displayName: 'Ada Player',
    dateOfBirth: '1990-04-23',
    country: 'IE',
    currency: 'EUR',
    ...overrides,
  };
}

/** YYYY-MM-DD of the UTC date `years` years and `days` days before today. */
function yearsAgo(years: number, days = 0): string {
  const now = new Date();
  const date = new Date(
    Date.UTC(now.getUTCFullYear() - years, now.getUTCMonth(), now.getUTCDate() - days),
  );
  // On 29 February the same day `years` ago may not exist; the day before it is safe.
  if (date.getUTCDate() !== now.getUTCDate() && days === 0) date.setUTCDate(0);
  return date.toISOString().slice(0, 10);
}

describe('player registration', () => {
  const t = useTestApp();

  /** Sends `send()` and asserts the problem it gets back and that no row was written. */
  async function refused(
    send: () => ReturnType<typeof t.api.request>,
    status: number,
    code: string,
  ) {
    const before = await countAll(t.db);
    const response = await send();
    const problem = expectProblem(response, status, code);
    expect(await countAll(t.db)).toEqual(before);
    return problem;
  }

  it('registers an adult player and opens an empty wallet in the chosen currency', async () => {
    const before = await countAll(t.db);
    const email = newEmail();
    const registered = await t.api.post(URL, body({ email, currency: 'GBP', country: 'GB' }));
    expect(registered.status).toBe(201);
    expect(registered.body).toEqual({ accountId: expect.any(String) });
    expect(await countAll(t.db)).toEqual({
      ...before,
      'identity.accounts': before['identity.accounts']! + 1,
      'wallet.accounts': before['wallet.accounts']! + 2,
    });

    const login = await t.api.post('/api/v1/auth/login', { email, password: PASSWORD });
    expect(login.status).toBe(200);
    const wallet = await t.api.get('/api/v1/wallet', { token: login.body.accessToken });
    expect(wallet.status).toBe(200);
    expect(wallet.body).toEqual({ currency: 'GBP', balance: '0', inBets: '0' });
    const me = await t.api.get('/api/v1/me', { token: login.body.accessToken });
    expect(me.body).toMatchObject({
      id: registered.body.accountId,
      kind: 'player',
      email,
      displayName: 'Ada Player',
      status: 'active',
      country: 'GB',
      currency: 'GBP',
      dateOfBirth: '1990-04-23',
      roles: [],
      permissions: [],
    });
  });

  it('stores an argon2id hash, never the password', async () => {
    const email = newEmail();
    expect((await t.api.post(URL, body({ email }))).status).toBe(201);
    const [row] = await t.db.query<{ password_hash: string }>(
      'SELECT password_hash FROM identity.accounts WHERE email = $1',
      [email],
    );
    expect(row!.password_hash).toMatch(/^\$argon2id\$/);
    expect(row!.password_hash).not.toContain(PASSWORD);
  });

  it('trims the display name', async () => {
    const email = newEmail();
    expect((await t.api.post(URL, body({ email, displayName: '  Ada  ' }))).status).toBe(201);
    const [row] = await t.db.query<{ display_name: string }>(
      'SELECT display_name FROM identity.accounts WHERE email = $1',
      [email],
    );
    expect(row!.display_name).toBe('Ada');
  });

  it('accepts a player who turns 18 today', async () => {
    const response = await t.api.post(URL, body({ dateOfBirth: yearsAgo(18) }));
    expect(response.status, JSON.stringify(response.body)).toBe(201);
  });

  it('refuses a second account with the same address in any letter case', async () => {
    const email = `Dup-${randomUUID()}@Example.com`;
    expect((await t.api.post(URL, body({ email }))).status).toBe(201);
    for (const again of [email, email.toLowerCase(), email.toUpperCase()]) {
      const problem = await refused(
        () => t.api.post(URL, body({ email: again })),
        409,
        'email_taken',
      );
      expect(problem.field).toBe('email');
    }
  });

  it('refuses a player younger than 18 with underage', async () => {
    for (const dateOfBirth of [yearsAgo(18, -1), yearsAgo(10), yearsAgo(-1)]) {
      const problem = await refused(() => t.api.post(URL, body({ dateOfBirth })), 422, 'underage');
      expect(problem.field).toBe('dateOfBirth');
    }
  });

  it.each([
    '1990-02-30',
    '2023-02-29',
    '1900-02-29',
    '1990-13-01',
    '1990-00-10',
    '1990-04-31',
    '0000-01-01',
    '1899-12-31',
  ])('refuses the impossible date of birth %s with invalid_date', async (dateOfBirth) => {
    const problem = await refused(
      () => t.api.post(URL, body({ dateOfBirth })),
      422,
      'invalid_date',
    );
    expect(problem.field).toBe('dateOfBirth');
  });

  it('accepts 29 February of a leap year as a date of birth', async () => {
    expect((await t.api.post(URL, body({ dateOfBirth: '2000-02-29' }))).status).toBe(201);
  });

  // ZZ (unknown), EU and UN (groupings), XA (pseudo) and UK (an alias of GB) have names in
  // CLDR but are not ISO 3166-1 country codes.
  it.each(['XX', 'ZZ', 'EU', 'UN', 'XA', 'UK', 'QO'])(
    'refuses %s as a country with invalid_country',
    async (country) => {
      const problem = await refused(
        () => t.api.post(URL, body({ country })),
        422,
        'invalid_country',
      );
      expect(problem.field).toBe('country');
    },
  );

  it.each(['JPY', 'XYZ'])(
    'refuses a wallet in %s, which the operator does not offer',
    async (currency) => {
      const problem = await refused(
        () => t.api.post(URL, body({ currency })),
        422,
        'currency_not_supported',
      );
      expect(problem.field).toBe('currency');
    },
  );

  it.each([
    ['11 characters', 'x'.repeat(11)],
    ['11 characters that are 22 UTF-16 units', '😀'.repeat(11)],
    ['129 characters', 'x'.repeat(129)],
    ['1024 characters', 'x'.repeat(1024)],
  ])('refuses a password of %s with weak_password', async (_, password) => {
    const problem = await refused(() => t.api.post(URL, body({ password })), 422, 'weak_password');
    expect(problem.field).toBe('password');
  });

  it.each([
    ['only spaces', '   '],
    ['a NUL character', 'Ada\u0000Player'],
    ['a line break', 'Ada\nPlayer'],
  ])('refuses a display name with %s with invalid_display_name', async (_, displayName) => {
    await refused(() => t.api.post(URL, body({ displayName })), 422, 'invalid_display_name');
  });

  it.each(['email', 'password', 'displayName', 'dateOfBirth', 'country', 'currency'])(
    'refuses a body without %s with validation_failed',
    async (field) => {
      const { [field]: _, ...rest } = body();
      const problem = await refused(() => t.api.post(URL, rest), 400, 'validation_failed');
      expect(problem.errors).toEqual([expect.objectContaining({ in: 'body' })]);
    },
  );

  it.each([
    ['an unknown field', { role: 'admin' }],
    ['a status field', { status: 'active' }],
    ['an email that is a number', { email: 42 }],
    ['an email that is not an address', { email: 'not an address' }],
    ['an email longer than 254 characters', { email: `${'a'.repeat(250)}@example.com` }],
    ['a display name that is an object', { displayName: { first: 'Ada' } }],
    ['a display name longer than 100 characters', { displayName: 'a'.repeat(101) }],
    ['an empty display name', { displayName: '' }],
    ['a password that is null', { password: null }],
    ['a date of birth that is a boolean', { dateOfBirth: true }],
    ['a date of birth in another format', { dateOfBirth: '23/04/1990' }],
    ['a date of birth with a time', { dateOfBirth: '1990-04-23T00:00:00Z' }],
    ['a lower-case country', { country: 'ie' }],
    ['a list of countries', { country: ['IE', 'GB'] }],
    ['a lower-case currency', { currency: 'eur' }],
  ])('refuses a body with %s with validation_failed', async (_, overrides) => {
    await refused(() => t.api.post(URL, body(overrides)), 400, 'validation_failed');
  });

  it.each([
    ['an array', []],
    ['a string', 'register me'],
    ['null', null],
  ])('refuses %s as the body with validation_failed', async (_, payload) => {
    await refused(
      () =>
        t.api.request('POST', URL, JSON.stringify(payload), {
          headers: { 'content-type': 'application/json' },
        }),
      400,
      'validation_failed',
    );
  });

  it.each([
    ['a truncated object', '{"email": "a@example.com", '],
    ['single quotes', "{'email': 'a@example.com'}"],
    ['an empty body', ''],
  ])('refuses %s with invalid_json', async (_, payload) => {
    await refused(
      () =>
        t.api.request('POST', URL, payload, { headers: { 'content-type': 'application/json' } }),
      400,
      'invalid_json',
    );
  });

  it.each(['application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data'])(
    'refuses a %s body with 415',
    async (type) => {
      await refused(
        () =>
          t.api.request('POST', URL, 'email=a%40example.com', {
            headers: { 'content-type': type },
          }),
        415,
        'unsupported_media_type',
      );
    },
  );

  it('refuses a body over 256 KiB with 413', async () => {
    await refused(
      () => t.api.post(URL, body({ displayName: 'x'.repeat(300 * 1024) })),
      413,
      'payload_too_large',
    );
  });
});
