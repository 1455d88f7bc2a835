import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AUDITED,
  auditRecords,
  type CreatedStaff,
  NEW_STAFF_PASSWORD,
  signInAgain,
  staffViaApi,
  staleProofToken,
} from '../../../test/support/access-helpers.ts';
import { useTestApp } from '../../../test/support/app.ts';
import {
  countAll,
  expectProblem,
  type StaffSession,
  staffSession,
} from '../../../test/support/identity-helpers.ts';
import { totpCode } from '../../../test/support/totp.ts';
import { PERMISSIONS, ROLES, type Role } from './permissions.ts';

const STAFF = '/api/v1/admin/staff';
const rolesOf = (id: string) => `${STAFF}/${id}/roles`;
const TABLES = ['identity.accounts', 'identity.sessions', AUDITED];
// A staff manager holds staff:manage and what the support role grants, nothing else.
const MANAGER_PERMISSIONS: string[] = ['staff:manage', ...ROLES.support];
/** What `role` grants beyond `held`, in the order of PERMISSIONS. */
const beyond = (role: Role, held: readonly string[]) =>
  PERMISSIONS.filter((p) => (ROLES[role] as readonly string[]).includes(p) && !held.includes(p));

describe('staff administration', () => {
  const t = useTestApp();
  let admin: StaffSession;
  /** Holds staff:manage and what `support` grants, nothing else. */
  let manager: CreatedStaff;

  beforeAll(async () => {
    admin = await staffSession(t.db, t.api, ['admin']);
    const role = await t.api.post(
      '/api/v1/admin/roles',
      { name: 'staff-manager', permissions: MANAGER_PERMISSIONS },
      { token: admin.token },
    );
    if (role.status !== 201) throw new Error(JSON.stringify(role.body));
    manager = await staffViaApi(t.db, t.api, admin.token, ['staff-manager']);
  });

  // The harness's Api has no put(); test/support/app.ts is not ours to change.
  const put = (url: string, body: unknown, options: { token: string }) =>
    t.api.request('PUT', url, body, options);

  const newMember = (roles: string[]) => ({
    email: `member-${randomUUID()}@example.com`,
    password: NEW_STAFF_PASSWORD,
    displayName: 'Member',
    roles,
  });

  /** Sends `send()`, asserts the problem it gets back and that nothing but `audited` rows changed. */
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

  it('lets staff:manage create a staff member with roles, audited', async () => {
    const input = newMember(['trader', 'support', 'trader']);
    const created = await t.api.post(STAFF, input, { token: admin.token });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      email: input.email,
      displayName: 'Member',
      status: 'active',
      roles: ['trader', 'support'],
      permissions: expect.arrayContaining(['catalog:write', 'kyc:review']),
      mfaEnrolled: false,
      createdAt: expect.any(String),
    });
    const [record] = await auditRecords(t.db, 'staff.created', created.body.id);
    expect(record).toMatchObject({
      actor_id: admin.id,
      actor_kind: 'staff',
      outcome: 'success',
      details: { roles: ['trader', 'support'] },
    });
    const login = await t.api.post('/api/v1/staff/auth/login', {
      email: input.email,
      password: NEW_STAFF_PASSWORD,
    });
    expect(login.status).toBe(200);
  });

  it('gives a new staff member a custom role', async () => {
    expect(manager.id).toEqual(expect.any(String));
    const me = await t.api.get('/api/v1/me', { token: manager.token });
    expect(me.body.roles).toEqual(['staff-manager']);
    expect(me.body.permissions).toEqual([...new Set(MANAGER_PERMISSIONS)].sort());
  });

  it('lists staff oldest first with roles and permissions, a page at a time', async () => {
    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const after: string = cursor ? `&cursor=${cursor}` : '';
      const page = await t.api.get(`${STAFF}?limit=2${after}`, { token: admin.token });
      expect(page.status).toBe(200);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    const ids = seen.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining([admin.id, manager.id]));
    expect(seen.find((s) => s.id === manager.id)).toMatchObject({
      roles: ['staff-manager'],
      permissions: [...new Set(MANAGER_PERMISSIONS)].sort(),
    });
    expect(seen.every((s) => !('passwordHash' in s) && !('password_hash' in s))).toBe(true);
  });

  it('shows in the staff list whether each member has enrolled an authenticator', async () => {
    const input = newMember(['support']);
    const created = await t.api.post(STAFF, input, { token: admin.token });
    expect(created.status).toBe(201);
    const page = await t.api.get(`${STAFF}?limit=100`, { token: admin.token });
    expect(page.status).toBe(200);
    const byId = new Map(page.body.items.map((s: any) => [s.id, s.mfaEnrolled]));
    expect(byId.get(manager.id)).toBe(true);
    expect(byId.get(created.body.id)).toBe(false);
  });

  it('refuses to create staff whose roles grant a permission the creator lacks, audited', async () => {
    const input = newMember(['support', 'trader']);
    const problem = await refused(
      () => t.api.post(STAFF, input, { token: manager.token }),
      403,
      'permission_not_held',
      1,
    );
    expect(problem.permissions).toEqual(beyond('trader', MANAGER_PERMISSIONS));
    const [record] = (await auditRecords(t.db, 'staff.created')).filter(
      (r) => r.details.email === input.email,
    );
    expect(record).toMatchObject({
      actor_id: manager.id,
      outcome: 'failure',
      details: { refused: 'permission_not_held', roles: ['support', 'trader'] },
    });
  });

  it('lets a manager create staff with roles within their own permissions', async () => {
    const created = await t.api.post(STAFF, newMember(['support']), { token: manager.token });
    expect(created.status).toBe(201);
  });

  it('refuses unknown roles with 422 unknown_role and changes nothing', async () => {
    const problem = await refused(
      () => t.api.post(STAFF, newMember(['support', 'superuser']), { token: admin.token }),
      422,
      'unknown_role',
    );
    expect(problem.roles).toEqual(['superuser']);
  });

  it('holds a new staff member to the staff password rules', async () => {
    await refused(
      () =>
        t.api.post(STAFF, { ...newMember([]), password: 'fourteen chars' }, { token: admin.token }),
      422,
      'weak_password',
    );
  });

  it('refuses an address a staff member has with 409 email_taken', async () => {
    const input = newMember([]);
    expect((await t.api.post(STAFF, input, { token: admin.token })).status).toBe(201);
    await refused(() => t.api.post(STAFF, input, { token: admin.token }), 409, 'email_taken');
  });

  it.each([
    ['no roles field', { roles: undefined }],
    ['roles that are not a list', { roles: 'admin' }],
    ['an empty role name', { roles: [''] }],
    ['an unknown field', { permissions: ['staff:manage'] }],
  ])('refuses %s with 400 validation_failed', async (_, overrides) => {
    await refused(
      () => t.api.post(STAFF, { ...newMember([]), ...overrides }, { token: admin.token }),
      400,
      'validation_failed',
    );
  });

  it("replaces a member's roles and ends their sessions; the change applies at the next sign-in", async () => {
    const member = await staffViaApi(t.db, t.api, admin.token, ['support']);
    expectProblem(
      await t.api.post('/api/v1/admin/sports', { slug: 'x', name: 'X' }, { token: member.token }),
      403,
      'forbidden',
    );
    const changed = await put(rolesOf(member.id), { roles: ['trader'] }, { token: admin.token });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: member.id, roles: ['trader'] });
    expect(changed.body.permissions).toContain('catalog:write');

    const [record] = await auditRecords(t.db, 'staff.roles_changed', member.id);
    expect(record).toMatchObject({
      actor_id: admin.id,
      outcome: 'success',
      details: {
        from: ['support'],
        to: ['trader'],
        added: beyond('trader', ROLES.support),
        removed: beyond('support', ROLES.trader),
        sessionsRevoked: 1,
      },
    });
    expectProblem(
      await t.api.post('/api/v1/staff/auth/refresh', { refreshToken: member.refreshToken }),
      401,
      'refresh_token_invalid',
    );
    // The old access token (with the old roles) stops working too.
    expectProblem(await t.api.get('/api/v1/me', { token: member.token }), 401, 'session_ended');
    const again = await signInAgain(t.api, '/api/v1/staff/auth', member);
    const me = await t.api.get('/api/v1/me', { token: again.token });
    expect(me.body.roles).toEqual(['trader']);
    const sport = await t.api.post(
      '/api/v1/admin/sports',
      { slug: `s-${randomUUID().slice(0, 8)}`, name: 'Sport' },
      { token: again.token },
    );
    expect(sport.status).toBe(201);
  });

  it('changes nothing when the roles are the same', async () => {
    const member = await staffViaApi(t.db, t.api, admin.token, ['risk']);
    const before = await countAll(t.db, TABLES);
    const same = await put(rolesOf(member.id), { roles: ['risk'] }, { token: admin.token });
    expect(same.status).toBe(200);
    expect(await countAll(t.db, TABLES)).toEqual(before);
    const refreshed = await t.api.post('/api/v1/staff/auth/refresh', {
      refreshToken: member.refreshToken,
    });
    expect(refreshed.status).toBe(200);
  });

  it('refuses anyone changing their own roles, even an admin, audited', async () => {
    for (const actor of [admin, manager]) {
      await refused(
        () => put(rolesOf(actor.id), { roles: ['admin'] }, { token: actor.token }),
        403,
        'cannot_change_own_roles',
        1,
      );
    }
    const records = (await auditRecords(t.db, 'staff.roles_changed', manager.id)).filter(
      (r) => r.outcome === 'failure',
    );
    expect(records.at(-1)).toMatchObject({
      actor_id: manager.id,
      details: { refused: 'cannot_change_own_roles', roles: ['admin'] },
    });
  });

  it('refuses granting a role with a permission the actor lacks, naming the permissions, audited', async () => {
    const member = await staffViaApi(t.db, t.api, admin.token, ['support']);
    const problem = await refused(
      () => put(rolesOf(member.id), { roles: ['compliance'] }, { token: manager.token }),
      403,
      'permission_not_held',
      1,
    );
    expect(problem.permissions).toEqual(beyond('compliance', MANAGER_PERMISSIONS));
    const [record] = await auditRecords(t.db, 'staff.roles_changed', member.id);
    expect(record).toMatchObject({
      actor_id: manager.id,
      outcome: 'failure',
      details: {
        refused: 'permission_not_held',
        permissions: beyond('compliance', MANAGER_PERMISSIONS),
      },
    });
    // The member keeps their roles and their sessions.
    const me = await t.api.get('/api/v1/me', { token: member.token });
    expect(me.body.roles).toEqual(['support']);
    expect(
      (await t.api.post('/api/v1/staff/auth/refresh', { refreshToken: member.refreshToken }))
        .status,
    ).toBe(200);
  });

  it('refuses changing the roles of someone holding permissions the actor lacks', async () => {
    const trader = await staffViaApi(t.db, t.api, admin.token, ['trader']);
    const problem = await refused(
      () => put(rolesOf(trader.id), { roles: [] }, { token: manager.token }),
      403,
      'target_holds_more_permissions',
      1,
    );
    expect(problem.permissions).toEqual(beyond('trader', MANAGER_PERMISSIONS));
    await refused(
      () => put(rolesOf(admin.id), { roles: ['support'] }, { token: manager.token }),
      403,
      'target_holds_more_permissions',
      1,
    );
  });

  it('lets a manager change roles within their own permissions, also removing them', async () => {
    const member = await staffViaApi(t.db, t.api, admin.token, ['support']);
    const emptied = await put(rolesOf(member.id), { roles: [] }, { token: manager.token });
    expect(emptied.status).toBe(200);
    expect(emptied.body).toMatchObject({ roles: [], permissions: [] });
    const back = await put(rolesOf(member.id), { roles: ['support'] }, { token: manager.token });
    expect(back.status).toBe(200);
  });

  it('judges by the roles the actor holds now, not by those in their access token', async () => {
    const demoted = await staffViaApi(t.db, t.api, admin.token, ['staff-manager']);
    const member = await staffViaApi(t.db, t.api, admin.token, []);
    const changed = await put(rolesOf(demoted.id), { roles: ['risk'] }, { token: admin.token });
    expect(changed.status).toBe(200);
    // The change ended the demoted member's sign-ins; a process may trust a session it read a
    // few seconds ago (tokens.ts). Reopen it to be that process: the access token still names
    // staff-manager, so it passes the route's permission check, and the grant is refused by
    // the roles held now.
    await t.db.query(
      'UPDATE identity.sessions SET revoked_at = NULL, revoked_reason = NULL WHERE account_id = $1',
      [demoted.id],
    );
    const problem = await refused(
      () => put(rolesOf(member.id), { roles: ['support'] }, { token: demoted.token }),
      403,
      'permission_not_held',
      1,
    );
    expect(problem.permissions).toEqual(beyond('support', ROLES.risk));
  });

  it('answers 404 account_not_found for an unknown account or one that is not staff', async () => {
    const player = await t.player();
    for (const id of [randomUUID(), player.id]) {
      await refused(
        () => put(rolesOf(id), { roles: [] }, { token: admin.token }),
        404,
        'account_not_found',
      );
    }
  });

  it('refuses unknown roles in a change with 422 unknown_role', async () => {
    const member = await staffViaApi(t.db, t.api, admin.token, []);
    await refused(
      () => put(rolesOf(member.id), { roles: ['root'] }, { token: admin.token }),
      422,
      'unknown_role',
    );
    await refused(
      () => put(rolesOf(member.id), { roles: 'admin' }, { token: admin.token }),
      400,
      'validation_failed',
    );
    await refused(
      () => put(`${STAFF}/not-a-uuid/roles`, { roles: [] }, { token: admin.token }),
      400,
      'validation_failed',
    );
  });

  it('refuses staff without staff:manage', async () => {
    const support = await staffSession(t.db, t.api, ['support']);
    const member = await staffViaApi(t.db, t.api, admin.token, []);
    const problem = await refused(
      () => put(rolesOf(member.id), { roles: ['support'] }, { token: support.token }),
      403,
      'forbidden',
    );
    expect(problem.permission).toBe('staff:manage');
  });

  it('needs a recent second-factor proof to grant roles', async () => {
    const member = await staffViaApi(t.db, t.api, admin.token, []);
    // A fresh manager: the test authenticator gives at most two codes per 30 s per secret.
    const session = await staffViaApi(t.db, t.api, admin.token, ['staff-manager']);
    // The sign-in proved the second factor longer ago than step-up allows.
    const stepUpSeconds = t.app.config.stepUpSeconds;
    const token = await staleProofToken(
      t.db,
      t.api,
      '/api/v1/staff/auth',
      session.refreshToken,
      stepUpSeconds + 5,
    );

    const problem = await refused(
      () => put(rolesOf(member.id), { roles: ['support'] }, { token }),
      403,
      'step_up_required',
    );
    expect(problem.maxAgeSeconds).toBe(stepUpSeconds);
    await refused(() => t.api.post(STAFF, newMember([]), { token }), 403, 'step_up_required');
    await refused(
      () =>
        t.api.post('/api/v1/admin/roles', { name: 'late', permissions: ['bets:read'] }, { token }),
      403,
      'step_up_required',
    );
    // Reading needs no step-up.
    expect((await t.api.get(STAFF, { token })).status).toBe(200);

    const stepUp = await t.api.post(
      '/api/v1/mfa/step-up',
      { code: await totpCode(session.totpSecret) },
      { token },
    );
    expect(stepUp.status).toBe(200);
    const changed = await put(
      rolesOf(member.id),
      { roles: ['support'] },
      { token: stepUp.body.accessToken },
    );
    expect(changed.status).toBe(200);
  });

  it('serializes two managers changing each other’s roles at the same moment', async () => {
    const one = await staffViaApi(t.db, t.api, admin.token, ['staff-manager']);
    const two = await staffViaApi(t.db, t.api, admin.token, ['staff-manager']);
    const [a, b] = await Promise.all([
      put(rolesOf(two.id), { roles: [] }, { token: one.token }),
      put(rolesOf(one.id), { roles: [] }, { token: two.token }),
    ]);
    // Whoever commits first has taken the other's permissions and ended their sign-ins: the
    // second is refused, either because its session has ended (401) or, when it got past
    // authentication first, because it now acts on someone holding more than they do (403).
    const [won, lost] = a.status === 200 ? [a, b] : [b, a];
    expect(won.status).toBe(200);
    expect([
      [401, 'session_ended'],
      [403, 'target_holds_more_permissions'],
    ]).toContainEqual([lost.status, lost.body.code]);
  });
});
