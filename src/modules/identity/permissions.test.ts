import { describe, expect, it } from 'vitest';
import { isRole, PERMISSIONS, permissionsOf, ROLES } from './permissions.ts';

describe('roles and permissions', () => {
  it('gives the admin role every permission', () => {
    expect([...permissionsOf(['admin'])].sort()).toEqual([...PERMISSIONS].sort());
  });

  it('grants the union of the roles held', () => {
    expect([...permissionsOf(['support', 'trader'])].sort()).toEqual(
      [...new Set([...ROLES.support, ...ROLES.trader])].sort(),
    );
  });

  it('grants nothing for an unknown role or for no role', () => {
    expect(permissionsOf(['superuser', 'toString', '__proto__']).size).toBe(0);
    expect(permissionsOf([]).size).toBe(0);
  });

  it('does not mistake inherited object members for roles', () => {
    expect(isRole('constructor')).toBe(false);
    expect(isRole('hasOwnProperty')).toBe(false);
    expect(isRole('trader')).toBe(true);
  });

  it('keeps the money-sensitive permissions away from support', () => {
    const support = permissionsOf(['support']);
    for (const permission of ['ledger:read', 'bets:void', 'markets:settle', 'staff:manage'])
      expect(support.has(permission as never)).toBe(false);
  });
});
