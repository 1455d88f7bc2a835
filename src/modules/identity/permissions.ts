// Staff permissions and the roles that grant them. A route names the one permission it
// needs (`access: { permission }`); a role is a set of permissions. The built-in roles are
// defined here; custom roles are rows of identity.roles that roles.ts loads into this
// process (see `setCustomRoles`), because access tokens carry role names and turning them
// into permissions must not cost a database query per request.

export const PERMISSIONS = [
  'catalog:write',
  'markets:price',
  'markets:settle',
  'bets:read',
  'bets:void',
  'players:read',
  'players:limits',
  'kyc:review',
  'audit:read',
  'ledger:read',
  'reports:read',
  'staff:manage',
  'partners:manage',
  'mail:read',
  'aml:review',
  'promotions:manage',
  'players:export',
  'players:notes',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = {
  trader: ['catalog:write', 'markets:price', 'markets:settle', 'bets:read'],
  risk: ['bets:read', 'bets:void', 'players:read', 'players:limits', 'reports:read', 'aml:review'],
  support: ['players:read', 'bets:read', 'kyc:review', 'players:notes'],
  // Responsible gambling (players' limits and exclusions), KYC review, audit, AML.
  compliance: [
    'players:read',
    'players:limits',
    'kyc:review',
    'audit:read',
    'reports:read',
    'aml:review',
    'players:export',
    'players:notes',
  ],
  // Runs promotions and the loyalty scheme; looks players up to award by hand.
  marketing: ['promotions:manage', 'players:read'],
  admin: PERMISSIONS,
} as const satisfies Record<string, readonly Permission[]>;

export type Role = keyof typeof ROLES;

/** A built-in role. */
export const isRole = (name: string): name is Role => Object.hasOwn(ROLES, name);

export const isPermission = (name: string): name is Permission =>
  (PERMISSIONS as readonly string[]).includes(name);

/** The known permissions among `names`, once each, in the order of PERMISSIONS. */
export function inPermissionOrder(names: Iterable<string>): Permission[] {
  const set = new Set(names);
  return PERMISSIONS.filter((p) => set.has(p));
}

// Custom roles as this process last loaded them. They never change once created, so this
// copy can only lack roles created since (which then grant nothing here until it catches up).
let customRoles: ReadonlyMap<string, readonly Permission[]> = new Map();

/** Replaces this process's copy of the custom roles (name → permissions). */
export function setCustomRoles(roles: Iterable<readonly [string, readonly string[]]>): void {
  const next = new Map<string, readonly Permission[]>();
  for (const [name, permissions] of roles) {
    if (!isRole(name)) next.set(name, permissions.filter(isPermission));
  }
  customRoles = next;
}

/** The union of the permissions the roles grant; an unknown role grants nothing. */
export function permissionsOf(roles: readonly string[]): Set<Permission> {
  const granted = new Set<Permission>();
  for (const role of roles) {
    const permissions = isRole(role) ? ROLES[role] : customRoles.get(role);
    if (permissions) for (const permission of permissions) granted.add(permission);
  }
  return granted;
}

/** Route access for staff who hold `permission`. */
export const requires = (permission: Permission) => ({ permission });
