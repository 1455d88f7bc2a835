import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AUDITED,
  auditRecords,
  signInAgain,
  staffViaApi,
} from '../../../test/support/access-helpers.ts';
import { useTestApp } from '../../../test/support/app.ts';
import {
  countAll,
  expectProblem,
  STAFF_PASSWORD,
  type StaffSession,
  staffSession,
} from '../../../test/support/identity-helpers.ts';
import { PERMISSIONS, permissionsOf, ROLES, setCustomRoles } from './permissions.ts';
import { reloadCustomRoles, startRoleRefresh } from './roles.ts';

const URL = '/api/v1/admin/roles';
const TABLES = ['identity.roles', AUDITED];
const silent = pino({ level: 'silent' });

describe('custom roles', () => {
  const t = useTestApp();
  let admin: StaffSession;

  beforeAll(async () => {
    admin = await staffSession(t.db, t.api, ['admin']);
  });

  const uniqueName = () => `role-${randomUUID().slice(0, 8)}`;

  async function refused(
    send: () => ReturnType<typeof t.api.request>,
    status: number,
    code: string,
    audited = 0,
  ) {
    const before = await countAll(t.db, TABLES);
    const problem = expectProblem(await send(), status, code);
    expect(await countAll(t.db, TABLES)).toEqual({
      ...before,
      [AUDITED]: before[AUDITED]! + audited,
    });
    return problem;
  }

  it('lists the built-in roles with their permissions', async () => {
    const response = await t.api.get(URL, { token: admin.token });
    expect(response.status).toBe(200);
    for (const [name, permissions] of Object.entries(ROLES)) {
      const role = response.body.items.find((r: any) => r.name === name);
      expect(role).toMatchObject({ builtIn: true, createdAt: null });
      expect([...role.permissions].sort()).toEqual([...permissions].sort());
    }
  });

  it('lets staff define a role from permissions they hold, and grants them to staff given it', async () => {
    const name = uniqueName();
    const created = await t.api.post(
      URL,
      {
        name,
        description: 'Prices and trading',
        permissions: ['markets:price', 'catalog:write', 'markets:price'],
      },
      { token: admin.token },
    );
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      name,
      builtIn: false,
      description: 'Prices and trading',
      permissions: ['catalog:write', 'markets:price'],
      createdAt: expect.any(String),
    });
    const [record] = await auditRecords(t.db, 'role.created', name);
    expect(record).toMatchObject({
      actor_id: admin.id,
      actor_kind: 'staff',
      target_type: 'role',
      outcome: 'success',
      details: { permissions: ['catalog:write', 'markets:price'] },
    });
    const list = await t.api.get(URL, { token: admin.token });
    expect(list.body.items).toContainEqual(created.body);

    const member = await staffViaApi(t.db, t.api, admin.token, [name]);
    const me = await t.api.get('/api/v1/me', { token: member.token });
    expect(me.body.permissions).toEqual(['catalog:write', 'markets:price']);
    const sport = await t.api.post(
      '/api/v1/admin/sports',
      { slug: `s-${randomUUID().slice(0, 8)}`, name: 'Sport' },
      { token: member.token },
    );
    expect(sport.status).toBe(201);
    expectProblem(
      await t.api.get('/api/v1/admin/audit', { token: member.token }),
      403,
      'forbidden',
    );
  });

  it('refuses a role with a permission the creator lacks, naming it, audited, nothing stored', async () => {
    const role = uniqueName();
    await t.api.post(
      URL,
      { name: role, permissions: ['staff:manage', 'players:read'] },
      { token: admin.token },
    );
    const manager = await staffViaApi(t.db, t.api, admin.token, [role]);
    const name = uniqueName();
    const problem = await refused(
      () =>
        t.api.post(
          URL,
          { name, permissions: ['players:read', 'ledger:read', 'audit:read'] },
          { token: manager.token },
        ),
      403,
      'permission_not_held',
      1,
    );
    expect(problem.permissions).toEqual(['audit:read', 'ledger:read']);
    const [record] = await auditRecords(t.db, 'role.created', name);
    expect(record).toMatchObject({
      actor_id: manager.id,
      outcome: 'failure',
      details: { refused: 'permission_not_held', permissions: ['audit:read', 'ledger:read'] },
    });
    // Within what they hold, they may.
    const allowed = await t.api.post(
      URL,
      { name, permissions: ['players:read'] },
      { token: manager.token },
    );
    expect(allowed.status).toBe(201);
  });

  it.each(Object.keys(ROLES))('refuses the built-in name %s with 409 role_exists', async (name) => {
    await refused(
      () => t.api.post(URL, { name, permissions: ['bets:read'] }, { token: admin.token }),
      409,
      'role_exists',
    );
  });

  it('refuses a name already taken with 409 role_exists', async () => {
    const name = uniqueName();
    await t.api.post(URL, { name, permissions: ['bets:read'] }, { token: admin.token });
    await refused(
      () => t.api.post(URL, { name, permissions: ['players:read'] }, { token: admin.token }),
      409,
      'role_exists',
    );
  });

  it('refuses unknown permissions with 422 unknown_permission', async () => {
    const problem = await refused(
      () =>
        t.api.post(
          URL,
          { name: uniqueName(), permissions: ['bets:read', 'god:mode'] },
          { token: admin.token },
        ),
      422,
      'unknown_permission',
    );
    expect(problem.permissions).toEqual(['god:mode']);
  });

  it.each([
    ['an upper-case name', { name: 'Trader2' }],
    ['a one-letter name', { name: 'x' }],
    ['a name with spaces', { name: 'odds team' }],
    ['no permissions', { permissions: [] }],
    ['a description over 200 characters', { description: 'x'.repeat(201) }],
    ['an unknown field', { builtIn: true }],
  ])('refuses %s with 400 validation_failed', async (_, overrides) => {
    await refused(
      () =>
        t.api.post(
          URL,
          { name: uniqueName(), permissions: ['bets:read'], ...overrides },
          { token: admin.token },
        ),
      400,
      'validation_failed',
    );
  });

  it('never changes or removes a role once created: the table refuses it', async () => {
    const name = uniqueName();
    await t.api.post(URL, { name, permissions: ['bets:read'] }, { token: admin.token });
    await expect(
      t.db.query(`UPDATE identity.roles SET permissions = '{ledger:read}' WHERE name = $1`, [name]),
    ).rejects.toThrow(/immutable/);
    await expect(t.db.query('DELETE FROM identity.roles WHERE name = $1', [name])).rejects.toThrow(
      /immutable/,
    );
  });

  it('grants nothing here for a role another process created until the copy reloads', async () => {
    // Another process creates a role and gives it to a staff member; this one has not seen it.
    const name = uniqueName();
    await t.db.query(
      `INSERT INTO identity.roles (name, permissions, created_by) VALUES ($1, '{audit:read}', $2)`,
      [name, admin.id],
    );
    const member = await staffSession(t.db, t.api, []);
    await t.db.query('UPDATE identity.accounts SET roles = $2 WHERE id = $1', [member.id, [name]]);
    // Signed in again, the member's access token names the role.
    const { token } = await signInAgain(t.api, '/api/v1/staff/auth', {
      ...member,
      password: STAFF_PASSWORD,
    });
    expect(permissionsOf([name]).size).toBe(0);
    expectProblem(await t.api.get('/api/v1/admin/audit', { token }), 403, 'forbidden');

    await reloadCustomRoles(t.db);
    expect([...permissionsOf([name])]).toEqual(['audit:read']);
    expect((await t.api.get('/api/v1/admin/audit', { token })).status).toBe(200);
  });

  it('reloads the copy periodically', async () => {
    const name = uniqueName();
    await t.db.query(
      `INSERT INTO identity.roles (name, permissions, created_by) VALUES ($1, '{reports:read}', $2)`,
      [name, admin.id],
    );
    const refresh = startRoleRefresh(t.db, { log: silent, intervalMs: 20 });
    try {
      await expect
        .poll(() => [...permissionsOf([name])], { timeout: 2_000, interval: 10 })
        .toEqual(['reports:read']);
    } finally {
      await refresh.stop();
    }
  });
});

describe('permissionsOf with custom roles', () => {
  it('lets no custom role shadow a built-in one, and grants only known permissions', () => {
    setCustomRoles([
      ['admin', []],
      ['support', ['ledger:read']],
      ['odd-job', ['bets:read', 'not:a:permission']],
    ]);
    expect([...permissionsOf(['admin'])].sort()).toEqual([...PERMISSIONS].sort());
    expect(permissionsOf(['support']).has('ledger:read')).toBe(false);
    expect([...permissionsOf(['odd-job'])]).toEqual(['bets:read']);
    expect(permissionsOf(['__proto__', 'constructor', 'toString']).size).toBe(0);
    setCustomRoles([]);
    expect(permissionsOf(['odd-job']).size).toBe(0);
  });
});
