// Helpers for the partner, API-key, staff-administration and role tests: partners created
// through the admin API and signed in at the partner door, API keys issued through the
// partner API, staff created through the admin API and signed in with their second factor,
// and the audit records a test expects.
import { createHash, randomUUID } from 'node:crypto';
import { generateSecret } from 'otplib';
import { enrolConfirmed } from '../../src/modules/identity/totp.ts';
import type { Db, Queryable } from '../../src/platform/db/db.ts';
import type { Api } from './app.ts';
import { totpCode } from './totp.ts';

export const PARTNER_PASSWORD = 'partner password of some length';
export const NEW_STAFF_PASSWORD = 'a new staff member password';

export interface PartnerSession {
  id: string;
  email: string;
  token: string;
  refreshToken: string;
}

/** Creates a partner through the admin API (as `adminToken`) and signs it in. */
export async function partnerSession(
  api: Api,
  adminToken: string,
  overrides: Partial<{ type: 'affiliate' | 'b2b'; companyName: string; email: string }> = {},
): Promise<PartnerSession> {
  const email = overrides.email ?? `partner-${randomUUID()}@example.com`;
  const created = await api.post(
    '/api/v1/admin/partners',
    {
      email,
      password: PARTNER_PASSWORD,
      type: overrides.type ?? 'b2b',
      companyName: overrides.companyName ?? 'Odds Reseller Ltd',
    },
    { token: adminToken },
  );
  if (created.status !== 201) throw new Error(`partner: ${JSON.stringify(created.body)}`);
  const login = await api.post('/api/v1/partner/auth/login', { email, password: PARTNER_PASSWORD });
  if (login.status !== 200 || !login.body.accessToken) {
    throw new Error(`partner login: ${JSON.stringify(login.body)}`);
  }
  return {
    id: created.body.id,
    email,
    token: login.body.accessToken,
    refreshToken: login.body.refreshToken,
  };
}

export interface IssuedKey {
  id: string;
  key: string;
  prefix: string;
}

/** Issues an API key through the partner API. */
export async function issueKey(
  api: Api,
  partnerToken: string,
  scopes: string[] = ['odds:read'],
  name = 'test key',
): Promise<IssuedKey> {
  const response = await api.post(
    '/api/v1/partner/api-keys',
    { name, scopes },
    { token: partnerToken },
  );
  if (response.status !== 201) throw new Error(`api key: ${JSON.stringify(response.body)}`);
  return {
    id: response.body.apiKey.id,
    key: response.body.key,
    prefix: response.body.apiKey.prefix,
  };
}

export const withKey = (key: string) => ({ headers: { 'x-api-key': key } });

/** The sign-in doors, by kind of account. */
export type Door = '/api/v1/auth' | '/api/v1/staff/auth' | '/api/v1/partner/auth';

export interface SignedIn {
  id: string;
  token: string;
  refreshToken: string;
  totpSecret: string;
}

/**
 * Enrols an authenticator for an existing account and signs it in at `door` with password
 * and code.
 */
export async function signInWithMfa(
  db: Db,
  api: Api,
  door: Door,
  account: { id: string; email: string; password: string },
): Promise<SignedIn> {
  const totpSecret = generateSecret();
  await db.transaction((tx) => enrolConfirmed(tx, account.id, totpSecret));
  return signInAgain(api, door, { ...account, totpSecret });
}

/** Signs an account with an enrolled authenticator in again (a new session). */
export async function signInAgain(
  api: Api,
  door: Door,
  account: { id: string; email: string; password: string; totpSecret: string },
): Promise<SignedIn> {
  const login = await api.post(`${door}/login`, {
    email: account.email,
    password: account.password,
  });
  if (login.status !== 200 || !login.body.mfaRequired) {
    throw new Error(`login: ${JSON.stringify(login.body)}`);
  }
  const second = await api.post(`${door}/login/mfa`, {
    mfaToken: login.body.mfaToken,
    code: await totpCode(account.totpSecret),
  });
  if (second.status !== 200) throw new Error(`login MFA: ${JSON.stringify(second.body)}`);
  return {
    id: account.id,
    token: second.body.accessToken,
    refreshToken: second.body.refreshToken,
    totpSecret: account.totpSecret,
  };
}

export interface CreatedStaff extends SignedIn {
  email: string;
  password: string;
}

/** Creates a staff member through the admin API (as `managerToken`) and signs them in. */
export async function staffViaApi(
  db: Db,
  api: Api,
  managerToken: string,
  roles: string[],
): Promise<CreatedStaff> {
  const email = `member-${randomUUID()}@example.com`;
  const created = await api.post(
    '/api/v1/admin/staff',
    { email, password: NEW_STAFF_PASSWORD, displayName: 'New Member', roles },
    { token: managerToken },
  );
  if (created.status !== 201) throw new Error(`staff: ${JSON.stringify(created.body)}`);
  const account = { id: created.body.id as string, email, password: NEW_STAFF_PASSWORD };
  return { ...(await signInWithMfa(db, api, '/api/v1/staff/auth', account)), ...account };
}

/**
 * For countAll(): the audit records of changes and refused changes, without `auth.denied`
 * (refused credentials), which the server records at most a few times a minute per address.
 */
export const AUDITED = `(SELECT 1 FROM audit.events WHERE action <> 'auth.denied') AS audited`;

/**
 * An access token of the session of `refreshToken` whose second-factor proof is `ageSeconds`
 * old (as if the sign-in happened that long ago): what step-up routes refuse.
 */
export async function staleProofToken(
  db: Queryable,
  api: Api,
  door: Door,
  refreshToken: string,
  ageSeconds: number,
): Promise<string> {
  await db.query(
    `UPDATE identity.sessions SET mfa_verified_at = now() - make_interval(secs => $2)
     WHERE id = (SELECT session_id FROM identity.refresh_tokens WHERE token_hash = $1)`,
    [createHash('sha256').update(refreshToken).digest('hex'), ageSeconds],
  );
  const refreshed = await api.post(`${door}/refresh`, { refreshToken });
  if (refreshed.status !== 200) throw new Error(`refresh: ${JSON.stringify(refreshed.body)}`);
  return refreshed.body.accessToken;
}

export interface AuditRow {
  actor_id: string | null;
  actor_kind: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: 'success' | 'failure';
  ip: string | null;
  request_id: string | null;
  details: Record<string, any>;
}

/** Audit records of `action` (oldest first), optionally about one target. */
export async function auditRecords(
  q: Queryable,
  action: string,
  targetId?: string,
): Promise<AuditRow[]> {
  return q.query<AuditRow>(
    `SELECT actor_id, actor_kind, action, target_type, target_id, outcome, ip, request_id, details
     FROM audit.events WHERE action = $1 AND ($2::text IS NULL OR target_id = $2) ORDER BY id`,
    [action, targetId ?? null],
  );
}
