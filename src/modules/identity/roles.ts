// Custom roles: named sets of permissions that staff with `staff:manage` define next to the
// built-in roles. Nobody can define a role with a permission they do not hold.
//
// Access tokens carry role names, and every request turns them into permissions without a
// database query: each process keeps a copy of the custom roles (permissions.ts), reloaded
// every ROLE_REFRESH_MS and right after a role is created in this process. Custom roles are
// never changed or removed (the table refuses it), so a copy that lags behind can only miss
// a role created in another process during the last few seconds: a token naming it gets no
// permission from it here until the next reload. Never more, never a revoked grant.
// Decisions that hand out permissions (granting roles, defining one) read the database.
import type { Logger } from 'pino';
import { type Db, isPgError, type Queryable, type Tx } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import { audit } from '../audit/index.ts';
import { type Actor, auditingRefusals, permissionNotHeld } from './escalation.ts';
import {
  inPermissionOrder,
  isPermission,
  isRole,
  type Permission,
  ROLES,
  setCustomRoles,
} from './permissions.ts';

/** How stale this process's copy of the custom roles may be, at most (plus a query). */
export const ROLE_REFRESH_MS = 5_000;

export interface RoleView {
  name: string;
  builtIn: boolean;
  description: string;
  permissions: Permission[];
  createdAt: string | null;
}

interface RoleRow {
  name: string;
  description: string;
  permissions: string[];
  created_at: Date;
}

const presentRole = (row: RoleRow): RoleView => ({
  name: row.name,
  builtIn: false,
  description: row.description,
  permissions: inPermissionOrder(row.permissions),
  createdAt: row.created_at.toISOString(),
});

const BUILT_IN: RoleView[] = Object.entries(ROLES).map(([name, permissions]) => ({
  name,
  builtIn: true,
  description: `Built-in role: ${name}.`,
  permissions: inPermissionOrder(permissions),
  createdAt: null,
}));

/** Every role a staff member can be given: the built-in ones, then custom ones by name. */
export async function listRoles(q: Queryable): Promise<RoleView[]> {
  const rows = await q.query<RoleRow>(
    'SELECT name, description, permissions, created_at FROM identity.roles ORDER BY name',
  );
  return [...BUILT_IN, ...rows.map(presentRole)];
}

/** What `names` grant, from the database; names that are no role come back in `unknown`. */
export async function resolveRoles(
  q: Queryable,
  names: readonly string[],
): Promise<{ permissions: Set<Permission>; unknown: string[] }> {
  const permissions = new Set<Permission>();
  const custom = names.filter((name) => !isRole(name));
  const rows =
    custom.length === 0
      ? []
      : await q.query<{ name: string; permissions: string[] }>(
          'SELECT name, permissions FROM identity.roles WHERE name = ANY($1::text[])',
          [custom],
        );
  const found = new Map(rows.map((r) => [r.name, r.permissions]));
  const unknown: string[] = [];
  for (const name of names) {
    const granted = isRole(name) ? ROLES[name] : found.get(name);
    if (!granted) unknown.push(name);
    else for (const p of granted) if (isPermission(p)) permissions.add(p);
  }
  return { permissions, unknown };
}

/**
 * The permissions a staff member holds now, by their roles in the database (not by their
 * access token, which may predate a change). Locks their row against a concurrent change.
 */
export async function permissionsHeldBy(tx: Tx, accountId: string): Promise<Set<Permission>> {
  const [row] = await tx.query<{ roles: string[] }>(
    `SELECT roles FROM identity.accounts WHERE id = $1 AND kind = 'staff' FOR SHARE`,
    [accountId],
  );
  return row ? (await resolveRoles(tx, row.roles)).permissions : new Set();
}

let reloading: Promise<void> = Promise.resolve();

/**
 * Reloads this process's copy of the custom roles. Reloads run one after another, so the
 * copy left by a reload requested after a change always includes that change.
 */
export function reloadCustomRoles(q: Queryable): Promise<void> {
  const run = async () => {
    const rows = await q.query<{ name: string; permissions: string[] }>(
      'SELECT name, permissions FROM identity.roles',
    );
    setCustomRoles(rows.map((r) => [r.name, r.permissions] as const));
  };
  reloading = reloading.then(run, run);
  return reloading;
}

/** Reloads the custom roles every `intervalMs` until stopped. */
export function startRoleRefresh(
  db: Queryable,
  options: { log: Logger; intervalMs?: number },
): { stop(): Promise<void> } {
  const timer = setInterval(() => {
    reloadCustomRoles(db).catch((error) =>
      options.log.warn({ err: error }, 'reloading custom roles failed; keeping the last copy'),
    );
  }, options.intervalMs ?? ROLE_REFRESH_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await reloading.catch(() => {});
    },
  };
}

export interface NewRole {
  name: string;
  description?: string | undefined;
  permissions: string[];
}

const roleExists = (name: string) =>
  new DomainError('role_exists', 'conflict', `A role named "${name}" exists.`, { field: 'name' });

/** Defines a custom role with permissions the actor holds (`permission_not_held` if not). */
export async function createRole(db: Db, actor: Actor, input: NewRole): Promise<RoleView> {
  const permissions = [...new Set(input.permissions)];
  const unknown = permissions.filter((p) => !isPermission(p));
  if (unknown.length > 0) {
    throw new DomainError(
      'unknown_permission',
      'invalid',
      `Unknown permissions: ${unknown.join(', ')}.`,
      { field: 'permissions', permissions: unknown },
    );
  }
  if (isRole(input.name)) throw roleExists(input.name);
  const role = await auditingRefusals(
    db,
    actor,
    { action: 'role.created', target: { type: 'role', id: input.name }, details: { permissions } },
    () =>
      db.transaction(async (tx) => {
        const held = await permissionsHeldBy(tx, actor.id);
        const missing = inPermissionOrder(permissions.filter((p) => !held.has(p as Permission)));
        if (missing.length > 0) throw permissionNotHeld(missing);
        let row: RoleRow | undefined;
        try {
          [row] = await tx.query<RoleRow>(
            `INSERT INTO identity.roles (name, description, permissions, created_by)
             VALUES ($1, $2, $3, $4) RETURNING name, description, permissions, created_at`,
            [input.name, input.description?.trim() ?? '', inPermissionOrder(permissions), actor.id],
          );
        } catch (error) {
          if (isPgError(error, '23505')) throw roleExists(input.name);
          throw error;
        }
        const view = presentRole(row!);
        await audit(tx, {
          actor: { id: actor.id, kind: actor.kind },
          action: 'role.created',
          target: { type: 'role', id: view.name },
          details: { permissions: view.permissions, description: view.description },
          context: actor.context,
        });
        return view;
      }),
  );
  await reloadCustomRoles(db).catch(() => {}); // the periodic reload catches up otherwise
  return role;
}
