// Staff administration: listing staff, creating staff members with roles, and replacing a
// staff member's roles. Segregation of duties: nobody grants a permission they do not hold,
// changes their own roles, or changes the roles of someone holding permissions they lack.
// A role change ends the member's sign-ins, so the new permissions apply from their next
// sign-in (an access token already issued lives out its few minutes).
import type { Config } from '../../platform/config.ts';
import { cursorTime, decodeCursor, encodeCursor } from '../../platform/cursor.ts';
import type { Db, Queryable } from '../../platform/db/db.ts';
import { DomainError, notFound } from '../../platform/errors.ts';
import { audit } from '../audit/index.ts';
import { insertPreparedAccount, prepareAccount } from './accounts.ts';
import {
  type Actor,
  auditingRefusals,
  EscalationRefused,
  permissionNotHeld,
} from './escalation.ts';
import { inPermissionOrder, type Permission, permissionsOf } from './permissions.ts';
import { permissionsHeldBy, resolveRoles } from './roles.ts';
import { revokeSessionsOf } from './session-store.ts';

export interface StaffView {
  id: string;
  email: string;
  displayName: string;
  status: string;
  roles: string[];
  permissions: Permission[];
  /** Whether the member has a confirmed authenticator (TOTP). */
  mfaEnrolled: boolean;
  createdAt: string;
}

interface StaffRow {
  id: string;
  email: string;
  display_name: string;
  status: string;
  roles: string[];
  created_at: Date;
  /** Absent for a member just created (who has not enrolled yet). */
  mfa_enrolled?: boolean;
}

const MFA_ENROLLED = `EXISTS (SELECT 1 FROM identity.totp t
  WHERE t.account_id = identity.accounts.id AND t.confirmed_at IS NOT NULL) AS mfa_enrolled`;

const presentStaff = (row: StaffRow): StaffView => ({
  id: row.id,
  email: row.email,
  displayName: row.display_name,
  status: row.status,
  roles: row.roles,
  permissions: [...permissionsOf(row.roles)].sort(),
  mfaEnrolled: row.mfa_enrolled ?? false,
  createdAt: row.created_at.toISOString(),
});

/** Staff members, oldest first, keyset-paginated. */
export async function listStaff(
  q: Queryable,
  query: { limit: number; cursor?: string | undefined },
): Promise<{ items: StaffView[]; nextCursor: string | null }> {
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const rows = await q.query<StaffRow & { cursor_at: string }>(
    `SELECT id, email, display_name, status, roles, created_at, ${MFA_ENROLLED},
       ${cursorTime('created_at')} AS cursor_at
     FROM identity.accounts
     WHERE kind = 'staff'
       AND ($1::text IS NULL OR (created_at, id) > ($1::text::timestamptz, $2::uuid))
     ORDER BY created_at, id LIMIT $3`,
    [after?.time ?? null, after?.id ?? null, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(presentStaff),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.cursor_at, last.id) : null,
  };
}

const unknownRoles = (roles: string[]) =>
  new DomainError('unknown_role', 'invalid', `Unknown roles: ${roles.join(', ')}.`, {
    field: 'roles',
    roles,
  });

export interface NewStaffMember {
  email: string;
  password: string;
  displayName: string;
  roles: string[];
}

/** Creates a staff member whose roles grant nothing the actor does not hold. */
export async function createStaffMember(
  db: Db,
  config: Pick<Config, 'argon2'>,
  actor: Actor,
  input: NewStaffMember,
): Promise<StaffView> {
  const roles = [...new Set(input.roles)];
  const prepared = await prepareAccount('staff', input, config.argon2);
  return auditingRefusals(
    db,
    actor,
    { action: 'staff.created', details: { email: prepared.email, roles } },
    () =>
      db.transaction(async (tx) => {
        const granted = await resolveRoles(tx, roles);
        if (granted.unknown.length > 0) throw unknownRoles(granted.unknown);
        const held = await permissionsHeldBy(tx, actor.id);
        const missing = inPermissionOrder([...granted.permissions].filter((p) => !held.has(p)));
        if (missing.length > 0) throw permissionNotHeld(missing);
        const row = await insertPreparedAccount(tx, prepared, roles);
        await audit(tx, {
          actor: { id: actor.id, kind: actor.kind },
          action: 'staff.created',
          target: { type: 'account', id: row.id },
          details: { roles: row.roles, permissions: inPermissionOrder(granted.permissions) },
          context: actor.context,
        });
        return presentStaff(row);
      }),
  );
}

/**
 * Replaces a staff member's roles. Refused (403, audited) for one's own roles, for roles
 * granting a permission the actor lacks, and for a member holding one the actor lacks.
 * Ends the member's sign-ins when the roles change.
 */
export async function changeStaffRoles(
  db: Db,
  actor: Actor,
  targetId: string,
  newRoles: string[],
): Promise<StaffView> {
  const roles = [...new Set(newRoles)];
  const attempt = {
    action: 'staff.roles_changed',
    target: { type: 'account', id: targetId },
    details: { roles },
  };
  return auditingRefusals(db, actor, attempt, () => {
    if (targetId === actor.id) {
      throw new EscalationRefused(
        'cannot_change_own_roles',
        'Nobody changes their own roles: ask another staff member with staff:manage.',
      );
    }
    return db.transaction(async (tx) => {
      // Lock both accounts in id order, so two managers changing each other's roles at the
      // same moment serialize instead of deadlocking.
      const locked = await tx.query<StaffRow & { kind: string }>(
        `SELECT id, kind, email, display_name, status, roles, created_at, ${MFA_ENROLLED}
         FROM identity.accounts
         WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
        [[actor.id, targetId]],
      );
      const target = locked.find((r) => r.id === targetId);
      if (target?.kind !== 'staff') throw notFound('account');
      const granted = await resolveRoles(tx, roles);
      if (granted.unknown.length > 0) throw unknownRoles(granted.unknown);
      const held = await permissionsHeldBy(tx, actor.id);
      const missing = inPermissionOrder([...granted.permissions].filter((p) => !held.has(p)));
      if (missing.length > 0) throw permissionNotHeld(missing);
      const current = await resolveRoles(tx, target.roles);
      const outranks = inPermissionOrder([...current.permissions].filter((p) => !held.has(p)));
      if (outranks.length > 0) {
        throw new EscalationRefused(
          'target_holds_more_permissions',
          `This staff member holds permissions you do not: ${outranks.join(', ')}.`,
          { permissions: outranks },
        );
      }
      const same =
        roles.length === target.roles.length && roles.every((r) => target.roles.includes(r));
      if (same) return presentStaff(target);
      const [row] = await tx.query<StaffRow>(
        `UPDATE identity.accounts SET roles = $2, updated_at = now() WHERE id = $1
         RETURNING id, email, display_name, status, roles, created_at, ${MFA_ENROLLED}`,
        [targetId, roles],
      );
      const sessionsRevoked = await revokeSessionsOf(tx, targetId, 'roles_changed');
      await audit(tx, {
        actor: { id: actor.id, kind: actor.kind },
        action: 'staff.roles_changed',
        target: { type: 'account', id: targetId },
        details: {
          from: target.roles,
          to: roles,
          added: inPermissionOrder(
            [...granted.permissions].filter((p) => !current.permissions.has(p)),
          ),
          removed: inPermissionOrder(
            [...current.permissions].filter((p) => !granted.permissions.has(p)),
          ),
          sessionsRevoked,
        },
        context: actor.context,
      });
      return presentStaff(row!);
    });
  });
}
