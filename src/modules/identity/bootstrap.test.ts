import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { countRows } from '../../../test/support/identity-helpers.ts';
import { ensureAdmin } from './bootstrap.ts';

const ADMIN = { email: 'Root@Example.com', password: 'a bootstrap password of some length' };

describe('the bootstrap admin', () => {
  const t = useTestApp();

  it('creates the admin once and does nothing the second time', async () => {
    const before = await countRows(t.db, 'identity.accounts');
    expect(await ensureAdmin(t.db, ADMIN)).toBe(true);
    expect(await ensureAdmin(t.db, ADMIN)).toBe(false);
    expect(await ensureAdmin(t.db, { ...ADMIN, email: ADMIN.email.toLowerCase() })).toBe(false);
    expect(await countRows(t.db, 'identity.accounts')).toBe(before + 1);

    const [row] = await t.db.query<{ kind: string; roles: string[]; status: string }>(
      'SELECT kind, roles, status FROM identity.accounts WHERE lower(email) = lower($1)',
      [ADMIN.email],
    );
    expect(row).toEqual({ kind: 'staff', roles: ['admin'], status: 'active' });
  });

  it('signs the admin in at the staff door with every permission', async () => {
    await ensureAdmin(t.db, ADMIN);
    const login = await t.api.post('/api/v1/staff/auth/login', ADMIN);
    expect(login.status).toBe(200);
    const me = await t.api.get('/api/v1/me', { token: login.body.accessToken });
    expect(me.body).toMatchObject({
      kind: 'staff',
      roles: ['admin'],
      displayName: 'Administrator',
    });
    expect(me.body.permissions).toContain('staff:manage');
    expect(me.body.permissions).toContain('ledger:read');
  });

  it('leaves an existing staff member with that address as they are', async () => {
    const email = 'already-staff@example.com';
    const existing = await ensureAdmin(t.db, { ...ADMIN, email });
    expect(existing).toBe(true);
    await t.db.query(`UPDATE identity.accounts SET roles = '{support}' WHERE email = $1`, [email]);
    expect(await ensureAdmin(t.db, { ...ADMIN, email })).toBe(false);
    const [row] = await t.db.query<{ roles: string[] }>(
      'SELECT roles FROM identity.accounts WHERE email = $1',
      [email],
    );
    expect(row!.roles).toEqual(['support']);
  });

  it('creates the admin even when a player has the same address', async () => {
    const player = await t.player();
    expect(await ensureAdmin(t.db, { ...ADMIN, email: player.email })).toBe(true);
    const kinds = await t.db.query<{ kind: string }>(
      'SELECT kind FROM identity.accounts WHERE email = $1 ORDER BY kind',
      [player.email],
    );
    expect(kinds.map((k) => k.kind)).toEqual(['player', 'staff']);
  });
});
