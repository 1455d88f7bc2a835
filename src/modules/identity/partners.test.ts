import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AUDITED,
  auditRecords,
  PARTNER_PASSWORD,
  partnerSession,
} from '../../../test/support/access-helpers.ts';
import { type Player, useTestApp } from '../../../test/support/app.ts';
import {
  countAll,
  expectProblem,
  type StaffSession,
  staffSession,
} from '../../../test/support/identity-helpers.ts';

const URL = '/api/v1/admin/partners';
const TABLES = ['identity.accounts', 'identity.partners', AUDITED];

const newEmail = () => `partner-${randomUUID()}@example.com`;
const body = (overrides: Record<string, unknown> = {}) => ({
  email: newEmail(),
  password: PARTNER_PASSWORD,
  type: 'affiliate',
  companyName: 'Tipsters United',
  ...overrides,
});

describe('partner accounts', () => {
  const t = useTestApp();
  let admin: StaffSession;
  let trader: StaffSession;
  let player: Player;

  beforeAll(async () => {
    admin = await staffSession(t.db, t.api, ['admin']);
    trader = await staffSession(t.db, t.api, ['trader']);
    player = await t.player();
  });

  /** Sends `send()`, asserts the problem it gets back and that no row was written. */
  async function refused(
    send: () => ReturnType<typeof t.api.request>,
    status: number,
    code: string,
  ) {
    const before = await countAll(t.db, TABLES);
    const problem = expectProblem(await send(), status, code);
    expect(await countAll(t.db, TABLES)).toEqual(before);
    return problem;
  }

  it('lets staff with partners:manage create a partner, who signs in at the partner door', async () => {
    const before = await countAll(t.db, TABLES);
    const input = body({ type: 'b2b', companyName: '  Odds Reseller Ltd ' });
    const created = await t.api.post(URL, input, {
      token: admin.token,
      headers: { 'x-request-id': 'req-partner-1' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      email: input.email,
      type: 'b2b',
      companyName: 'Odds Reseller Ltd',
      status: 'active',
      createdAt: expect.any(String),
    });
    expect(await countAll(t.db, TABLES)).toEqual({
      'identity.accounts': before['identity.accounts']! + 1,
      'identity.partners': before['identity.partners']! + 1,
      [AUDITED]: before[AUDITED]! + 1,
    });
    const [record] = await auditRecords(t.db, 'partner.created', created.body.id);
    expect(record).toMatchObject({
      actor_id: admin.id,
      actor_kind: 'staff',
      target_type: 'account',
      outcome: 'success',
      request_id: 'req-partner-1',
      details: { type: 'b2b', companyName: 'Odds Reseller Ltd' },
    });
    expect(record!.ip).toEqual(expect.any(String));

    const login = await t.api.post('/api/v1/partner/auth/login', {
      email: input.email,
      password: PARTNER_PASSWORD,
    });
    expect(login.status).toBe(200);
    const me = await t.api.get('/api/v1/me', { token: login.body.accessToken });
    expect(me.body).toMatchObject({
      id: created.body.id,
      kind: 'partner',
      roles: [],
      permissions: [],
    });
    const profile = await t.api.get('/api/v1/partner/profile', { token: login.body.accessToken });
    expect(profile.status).toBe(200);
    expect(profile.body).toEqual(created.body);
  });

  it('signs a partner in only at the partner door', async () => {
    const partner = await partnerSession(t.api, admin.token);
    for (const door of ['/api/v1/auth/login', '/api/v1/staff/auth/login']) {
      const response = await t.api.post(door, { email: partner.email, password: PARTNER_PASSWORD });
      expectProblem(response, 401, 'invalid_credentials');
    }
  });

  it('refuses a partner token on player and staff routes', async () => {
    const partner = await partnerSession(t.api, admin.token);
    for (const url of ['/api/v1/wallet', '/api/v1/bets', '/api/v1/notifications']) {
      const problem = expectProblem(
        await t.api.get(url, { token: partner.token }),
        403,
        'forbidden',
      );
      expect(problem.detail).toMatch(/player/);
    }
    for (const url of ['/api/v1/admin/ledger/check', URL, '/api/v1/admin/staff']) {
      const problem = expectProblem(
        await t.api.get(url, { token: partner.token }),
        403,
        'forbidden',
      );
      expect(problem.detail).toMatch(/staff/);
    }
  });

  it('refuses player and staff tokens on partner routes', async () => {
    for (const token of [player.token, admin.token, trader.token]) {
      for (const url of ['/api/v1/partner/profile', '/api/v1/partner/api-keys']) {
        const problem = expectProblem(await t.api.get(url, { token }), 403, 'forbidden');
        expect(problem.detail).toMatch(/partner/);
      }
    }
  });

  it('refuses staff without partners:manage, naming the permission', async () => {
    const problem = await refused(
      () => t.api.post(URL, body(), { token: trader.token }),
      403,
      'forbidden',
    );
    expect(problem.permission).toBe('partners:manage');
    expectProblem(await t.api.get(URL, { token: trader.token }), 403, 'forbidden');
  });

  it.each([
    ['too short', 'short pass'],
    ['one of the most common passwords', 'password1234'],
    ['longer than 128 characters', 'x'.repeat(129)],
  ])('holds the initial password to the partner rules: refuses one %s', async (_, password) => {
    const problem = await refused(
      () => t.api.post(URL, body({ password }), { token: admin.token }),
      422,
      'weak_password',
    );
    expect(problem.field).toBe('password');
  });

  it('refuses a second partner with the same address, in any case', async () => {
    const email = newEmail();
    expect((await t.api.post(URL, body({ email }), { token: admin.token })).status).toBe(201);
    await refused(
      () => t.api.post(URL, body({ email: email.toUpperCase() }), { token: admin.token }),
      409,
      'email_taken',
    );
  });

  it('lets a partner use the address of a player account', async () => {
    const response = await t.api.post(URL, body({ email: player.email }), { token: admin.token });
    expect(response.status).toBe(201);
  });

  it.each([
    ['an unknown type', { type: 'reseller' }],
    ['no company name', { companyName: undefined }],
    ['an empty company name', { companyName: '' }],
    ['a company name over 100 characters', { companyName: 'x'.repeat(101) }],
    ['a malformed address', { email: 'not-an-address' }],
    ['an unknown field', { roles: ['admin'] }],
  ])('refuses %s with 400 validation_failed and changes nothing', async (_, overrides) => {
    await refused(
      () => t.api.post(URL, body(overrides), { token: admin.token }),
      400,
      'validation_failed',
    );
  });

  it('refuses a company name of blanks or control characters', async () => {
    await refused(
      () => t.api.post(URL, body({ companyName: ' \u0007 ' }), { token: admin.token }),
      422,
      'invalid_display_name',
    );
  });

  it('lists partners oldest first, of one type if asked, a page at a time', async () => {
    const ids: string[] = [];
    for (const type of ['affiliate', 'b2b', 'affiliate']) {
      ids.push((await t.api.post(URL, body({ type }), { token: admin.token })).body.id);
    }
    const all: any[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await t.api.get(`${URL}?limit=2${query}`, { token: admin.token });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      all.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(all.map((p) => p.id)).toEqual(expect.arrayContaining(ids));
    expect(new Set(all.map((p) => p.id)).size).toBe(all.length);
    const times = all.map((p) => p.createdAt);
    expect([...times].sort()).toEqual(times);

    const affiliates = await t.api.get(`${URL}?type=affiliate&limit=100`, { token: admin.token });
    expect(affiliates.body.items.every((p: any) => p.type === 'affiliate')).toBe(true);
    expect(affiliates.body.items.map((p: any) => p.id)).toEqual(
      expect.arrayContaining([ids[0], ids[2]]),
    );
    expectProblem(
      await t.api.get(`${URL}?cursor=bm90LWEtY3Vyc29y`, { token: admin.token }),
      400,
      'invalid_cursor',
    );
  });

  it('keeps a partner account to its kind in the database', async () => {
    // identity.partners refers to (id, kind = 'partner'): a player cannot get a profile.
    await expect(
      t.db.query(
        `INSERT INTO identity.partners (account_id, type, company_name, created_by) VALUES ($1, 'b2b', 'X', $2)`,
        [player.id, admin.id],
      ),
    ).rejects.toThrow(/foreign key/);
  });
});
