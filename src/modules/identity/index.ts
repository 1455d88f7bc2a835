// Identity: accounts (player, staff, partner), passwords, sessions and tokens, the second
// factor, roles and permissions.
export {
  type AccountRow,
  type AccountView,
  createStaff,
  findAccount,
  findAccounts,
  findByEmail,
  presentAccount,
  registerPlayer,
} from './accounts.ts';
export { type ApiKeyScope, createApiKeyVerifier } from './api-keys.ts';
export { ensureAdmin } from './bootstrap.ts';
export { auditDenied } from './denied.ts';
export { partnerRoutes } from './partner-routes.ts';
export {
  PERMISSIONS,
  type Permission,
  permissionsOf,
  ROLES,
  type Role,
  requires,
} from './permissions.ts';
export type { GatedPlayer, PlayerGate } from './player-gate.ts';
export { ROLE_REFRESH_MS, reloadCustomRoles, startRoleRefresh } from './roles.ts';
export { DOORS, identityRoutes } from './routes.ts';
export { revokeSession, revokeSessionsOf } from './session-store.ts';
export { completeMfaLogin, login, logout, refresh, stepUp } from './sign-in.ts';
export { staffAdminRoutes } from './staff-routes.ts';
export { pruneFailures } from './throttle.ts';
export {
  createTokenService,
  rotateSigningKey,
  type TokenPair,
  type TokenService,
} from './tokens.ts';
