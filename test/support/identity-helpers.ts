// Helpers for the identity, access-control and HTTP-platform tests: problem+json assertions,
// row counts that prove a refused request changed nothing, and staff sessions that keep
// their refresh token (TestApp.staff() keeps only the access token).
import { createHash, randomUUID } from 'node:crypto';
import { generateSecret } from 'otplib';
import { expect } from 'vitest';
import { createStaff } from '../../src/modules/identity/index.ts';
import { enrolConfirmed } from '../../src/modules/identity/totp.ts';
import type { Queryable } from '../../src/platform/db/db.ts';
import type { Api, Response } from './app.ts';
import { totpCode } from './totp.ts';

export const STAFF_PASSWORD = 'staff password that is long enough';

/** Tables an identity request may write; a refused request leaves all of them alone. */
export const IDENTITY_TABLES = [
  'identity.accounts',
  'identity.refresh_tokens',
  'wallet.accounts',
] as const;

export async function countRows(db: Queryable, table: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return row!.n;
}

export async function countAll(
  db: Queryable,
  tables: readonly string[] = IDENTITY_TABLES,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table] = await countRows(db, table);
  return counts;
}

/**
 * Asserts an RFC 9457 problem response with the given status and stable code, and that the
 * document has every member our clients rely on. Returns the body for further checks.
 */
export function expectProblem(response: Response, status: number, code: string): any {
  expect(
    { status: response.status, code: response.body?.code },
    JSON.stringify(response.body),
  ).toEqual({ status, code });
  expectProblemShape(response);
  return response.body;
}

export function expectProblemShape(response: Response): void {
  expect(String(response.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const body = response.body;
  expect(body).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status: response.status,
    code: expect.any(String),
    detail: expect.any(String),
  });
  expect(body.type).toBe(`urn:ibet:problem:${body.code}`);
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export interface StaffSession {
  id: string;
  email: string;
  token: string;
  refreshToken: string;
  /** The TOTP secret of the staff member's authenticator (enrolled). */
  totpSecret: string;
}

/**
 * Creates a staff member with `roles` and an enrolled authenticator, and signs them in at
 * the staff door with password and code, as staff must.
 */
export async function staffSession(
  db: Parameters<typeof createStaff>[0],
  api: Api,
  roles: string[],
): Promise<StaffSession> {
  const email = `staff-${randomUUID()}@example.com`;
  const account = await createStaff(db, {
    email,
    password: STAFF_PASSWORD,
    displayName: 'Staff Member',
    roles,
  });
  const totpSecret = generateSecret();
  await db.transaction((tx) => enrolConfirmed(tx, account.id, totpSecret));
  const login = await api.post('/api/v1/staff/auth/login', { email, password: STAFF_PASSWORD });
  if (login.status !== 200 || !login.body.mfaRequired) {
    throw new Error(`staff login: ${JSON.stringify(login.body)}`);
  }
  const second = await api.post('/api/v1/staff/auth/login/mfa', {
    mfaToken: login.body.mfaToken,
    code: await totpCode(totpSecret),
  });
  if (second.status !== 200) throw new Error(`staff MFA: ${JSON.stringify(second.body)}`);
  return {
    id: account.id,
    email,
    token: second.body.accessToken,
    refreshToken: second.body.refreshToken,
    totpSecret,
  };
}
