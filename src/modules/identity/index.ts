// Identity: accounts (player, staff, partner), passwords, tokens, roles and permissions.
export {
  type AccountView,
  createStaff,
  findAccount,
  findByEmail,
  presentAccount,
  registerPlayer,
} from './accounts.ts';
export { ensureAdmin } from './bootstrap.ts';
export {
  PERMISSIONS,
  type Permission,
  permissionsOf,
  ROLES,
  type Role,
  requires,
} from './permissions.ts';
export { identityRoutes } from './routes.ts';
export { login, refresh } from './sessions.ts';
export { createTokenService, type TokenPair, type TokenService } from './tokens.ts';
