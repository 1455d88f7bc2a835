// Staff permissions and the built-in roles that grant them. A route names the one
// permission it needs (`access: { permission }`); a role is a set of permissions.

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
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = {
  trader: ['catalog:write', 'markets:price', 'markets:settle', 'bets:read'],
  risk: ['bets:read', 'bets:void', 'players:read', 'players:limits', 'reports:read'],
  support: ['players:read', 'bets:read', 'kyc:review'],
  compliance: ['players:read', 'kyc:review', 'audit:read', 'reports:read'],
  admin: PERMISSIONS,
} as const satisfies Record<string, readonly Permission[]>;

export type Role = keyof typeof ROLES;

export const isRole = (name: string): name is Role => Object.hasOwn(ROLES, name);

export function permissionsOf(roles: readonly string[]): Set<Permission> {
  const granted = new Set<Permission>();
  for (const role of roles) {
    if (isRole(role)) for (const permission of ROLES[role]) granted.add(permission);
  }
  return granted;
}

/** Route access for staff who hold `permission`. */
export const requires = (permission: Permission) => ({ permission });
