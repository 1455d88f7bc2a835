// Creating and reading accounts. A player account opens its wallet in the same transaction.
import type { Config } from '../../platform/config.ts';
import { type Db, isPgError, type Queryable, type Tx } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import { emit } from '../../platform/events/outbox.ts';
import type { AccountKind } from '../../platform/http/access.ts';
import { type AuditEntry, audit, type RequestContext } from '../audit/index.ts';
import { openPlayerAccounts } from '../wallet/index.ts';
import { issueToken } from './one-time-tokens.ts';
import { type Argon2Params, DEFAULT_ARGON2, hashPassword, passwordProblem } from './passwords.ts';
import { isRole, permissionsOf } from './permissions.ts';
import type { PlayerGate } from './player-gate.ts';

export const MIN_PASSWORD = { player: 12, staff: 15, partner: 12 } as const;
const MINIMUM_AGE = 18;
const EARLIEST_BIRTH_DATE = '1900-01-01';

export interface AccountView {
  id: string;
  kind: AccountKind;
  email: string;
  displayName: string;
  status: string;
  country: string | null;
  currency: string | null;
  dateOfBirth: string | null;
  roles: string[];
  permissions: string[];
  emailVerified: boolean;
  mfaEnabled: boolean;
  createdAt: string;
}

export interface AccountRow {
  id: string;
  kind: AccountKind;
  email: string;
  password_hash: string;
  display_name: string;
  status: string;
  country: string | null;
  currency: string | null;
  date_of_birth: string | null;
  roles: string[];
  created_at: Date;
  email_verified_at: Date | null;
  mfa_enrolled: boolean;
}

const COLUMNS = `id, kind, email, password_hash, display_name, status, country, currency,
  to_char(date_of_birth, 'YYYY-MM-DD') AS date_of_birth, roles, created_at, email_verified_at,
  EXISTS (SELECT 1 FROM identity.totp t WHERE t.account_id = accounts.id AND t.confirmed_at IS NOT NULL)
    AS mfa_enrolled`;

export function presentAccount(row: AccountRow): AccountView {
  return {
    id: row.id,
    kind: row.kind,
    email: row.email,
    displayName: row.display_name,
    status: row.status,
    country: row.country,
    currency: row.currency,
    dateOfBirth: row.date_of_birth,
    roles: row.roles,
    permissions: [...permissionsOf(row.roles)].sort(),
    emailVerified: row.email_verified_at !== null,
    mfaEnabled: row.mfa_enrolled,
    createdAt: row.created_at.toISOString(),
  };
}

export async function setPasswordHash(
  tx: Tx,
  accountId: string,
  passwordHash: string,
): Promise<void> {
  await tx.query(
    'UPDATE identity.accounts SET password_hash = $2, updated_at = now() WHERE id = $1',
    [accountId, passwordHash],
  );
}

export async function markEmailVerified(tx: Tx, accountId: string): Promise<void> {
  await tx.query(
    'UPDATE identity.accounts SET email_verified_at = COALESCE(email_verified_at, now()) WHERE id = $1',
    [accountId],
  );
}

export async function findAccount(q: Queryable, id: string): Promise<AccountRow | undefined> {
  const [row] = await q.query<AccountRow>(
    `SELECT ${COLUMNS} FROM identity.accounts WHERE id = $1`,
    [id],
  );
  return row;
}

/** The accounts of these ids that exist, by id. */
export async function findAccounts(
  q: Queryable,
  ids: readonly string[],
): Promise<Map<string, AccountRow>> {
  const rows = await q.query<AccountRow>(
    `SELECT ${COLUMNS} FROM identity.accounts WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

export async function findByEmail(
  q: Queryable,
  kind: AccountKind,
  email: string,
): Promise<AccountRow | undefined> {
  const [row] = await q.query<AccountRow>(
    `SELECT ${COLUMNS} FROM identity.accounts WHERE kind = $1 AND lower(email) = lower($2)`,
    [kind, email],
  );
  return row;
}

export interface NewPlayer {
  email: string;
  password: string;
  displayName: string;
  dateOfBirth: string;
  country: string;
  currency: string;
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
// CLDR names more regions than ISO 3166-1 assigns: groupings (EU, UN), the unknown and pseudo
// regions (ZZ, XA), and codes ISO only reserves (AC, IC …). Deprecated aliases (UK for GB) are
// refused by the canonical-form check, so one country never has two codes.
const NOT_COUNTRIES = new Set('AC CP CQ DG EA EU EZ IC QO TA UN XA XB ZZ'.split(' '));

function isCountry(code: string): boolean {
  return (
    /^[A-Z]{2}$/.test(code) &&
    !NOT_COUNTRIES.has(code) &&
    regionNames.of(code) !== undefined &&
    Intl.getCanonicalLocales(`und-${code}`)[0] === `und-${code}`
  );
}

/** Trimmed; PostgreSQL text cannot hold NUL, and no name needs control characters. */
function cleanDisplayName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || /\p{Cc}/u.test(trimmed)) {
    throw invalid(
      'invalid_display_name',
      'displayName needs a visible character and no control characters.',
      'displayName',
    );
  }
  return trimmed;
}

function ageOn(dateOfBirth: string, today: Date): number {
  const [y, m, d] = dateOfBirth.split('-').map(Number) as [number, number, number];
  let age = today.getUTCFullYear() - y;
  if (today.getUTCMonth() + 1 < m || (today.getUTCMonth() + 1 === m && today.getUTCDate() < d))
    age--;
  return age;
}

function invalid(code: string, message: string, field: string) {
  return new DomainError(code, 'invalid', message, { field });
}

async function insertAccount(
  tx: Tx,
  values: {
    kind: AccountKind;
    email: string;
    passwordHash: string;
    displayName: string;
  } & Partial<{
    dateOfBirth: string;
    country: string;
    currency: string;
    roles: string[];
  }>,
): Promise<AccountRow> {
  try {
    const [row] = await tx.query<AccountRow>(
      `INSERT INTO identity.accounts (kind, email, password_hash, display_name, date_of_birth, country, currency, roles)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      [
        values.kind,
        values.email,
        values.passwordHash,
        values.displayName,
        values.dateOfBirth ?? null,
        values.country ?? null,
        values.currency ?? null,
        values.roles ?? [],
      ],
    );
    return row!;
  } catch (error) {
    if (isPgError(error, '23505')) {
      throw new DomainError(
        'email_taken',
        'conflict',
        'An account with this email address exists.',
        {
          field: 'email',
        },
      );
    }
    throw error;
  }
}

/** Registers a player (adult, supported currency) and opens their wallet. */
export async function registerPlayer(
  db: Db,
  config: Pick<Config, 'currencies' | 'argon2'>,
  input: NewPlayer,
  context?: RequestContext,
  gate?: PlayerGate,
): Promise<AccountRow> {
  const weak = passwordProblem(input.password, MIN_PASSWORD.player, input);
  if (weak) throw invalid('weak_password', weak, 'password');
  const displayName = cleanDisplayName(input.displayName);
  const dob = new Date(`${input.dateOfBirth}T00:00:00Z`);
  if (
    Number.isNaN(dob.getTime()) ||
    dob.toISOString().slice(0, 10) !== input.dateOfBirth ||
    // Year 0 is a JavaScript date but not a PostgreSQL one; nobody alive was born before 1900.
    input.dateOfBirth < EARLIEST_BIRTH_DATE
  ) {
    throw invalid('invalid_date', 'dateOfBirth is not a calendar date.', 'dateOfBirth');
  }
  if (ageOn(input.dateOfBirth, new Date()) < MINIMUM_AGE) {
    throw invalid('underage', `Players must be at least ${MINIMUM_AGE} years old.`, 'dateOfBirth');
  }
  if (!isCountry(input.country)) {
    throw invalid('invalid_country', 'country must be an ISO 3166-1 alpha-2 code.', 'country');
  }
  if (!config.currencies.includes(input.currency)) {
    throw invalid(
      'currency_not_supported',
      `Supported currencies: ${config.currencies.join(', ')}.`,
      'currency',
    );
  }
  await gate?.admitRegistration({
    email: input.email.trim(),
    displayName,
    dateOfBirth: input.dateOfBirth,
    country: input.country,
  });
  // Hash before the transaction: it takes tens of milliseconds of CPU.
  const passwordHash = await hashPassword(input.password, config.argon2);
  return db.transaction(async (tx) => {
    const row = await insertAccount(tx, {
      kind: 'player',
      email: input.email.trim(),
      passwordHash,
      displayName,
      dateOfBirth: input.dateOfBirth,
      country: input.country,
      currency: input.currency,
    });
    await openPlayerAccounts(tx, row.id, input.currency);
    await gate?.registered(tx, gatedPlayer(row));
    await requestEmailVerification(tx, row);
    await audit(tx, {
      actor: { id: row.id, kind: 'player' },
      action: 'account.registered',
      target: { type: 'account', id: row.id },
      details: { country: row.country, currency: row.currency },
      context,
    });
    return row;
  });
}

export const gatedPlayer = (row: AccountRow) => ({
  id: row.id,
  email: row.email,
  displayName: row.display_name,
  country: row.country,
  dateOfBirth: row.date_of_birth,
});

/** Mails the account a link that proves it owns its address. */
export async function requestEmailVerification(
  tx: Tx,
  account: Pick<AccountRow, 'id' | 'email' | 'display_name'>,
): Promise<void> {
  const token = await issueToken(tx, account.id, 'verify_email');
  await emit(tx, {
    type: 'identity.email_verification_requested',
    aggregateId: account.id,
    payload: {
      accountId: account.id,
      email: account.email,
      displayName: account.display_name,
      token,
    },
  });
}

export interface NewStaff {
  email: string;
  password: string;
  displayName: string;
  roles: string[];
}

export interface CreateOptions {
  argon2?: Argon2Params;
  /** Who creates the account, for the audit log (the target is the new account). */
  audit?: Omit<AuditEntry, 'target' | 'action'>;
}

export async function createStaff(
  db: Db,
  input: NewStaff,
  options: CreateOptions = {},
): Promise<AccountRow> {
  const weak = passwordProblem(input.password, MIN_PASSWORD.staff, input);
  if (weak) throw invalid('weak_password', weak, 'password');
  const displayName = cleanDisplayName(input.displayName);
  const unknown = input.roles.filter((r) => !isRole(r));
  if (unknown.length > 0)
    throw invalid('unknown_role', `Unknown roles: ${unknown.join(', ')}.`, 'roles');
  const passwordHash = await hashPassword(input.password, options.argon2 ?? DEFAULT_ARGON2);
  return db.transaction(async (tx) => {
    const row = await insertAccount(tx, {
      kind: 'staff',
      email: input.email.trim(),
      passwordHash,
      displayName,
      roles: [...new Set(input.roles)],
    });
    if (options.audit) {
      await audit(tx, {
        ...options.audit,
        action: 'staff.created',
        target: { type: 'account', id: row.id },
        details: { roles: row.roles },
      });
    }
    return row;
  });
}

// --- Accounts created by staff (staff members, partners) -------------------------------

export interface PreparedAccount {
  kind: AccountKind;
  email: string;
  displayName: string;
  passwordHash: string;
}

/** Checks the password and name rules and hashes the password, outside any transaction. */
export async function prepareAccount(
  kind: AccountKind,
  input: { email: string; password: string; displayName: string },
  argon2: Argon2Params,
): Promise<PreparedAccount> {
  const weak = passwordProblem(input.password, MIN_PASSWORD[kind], input);
  if (weak) throw invalid('weak_password', weak, 'password');
  return {
    kind,
    email: input.email.trim(),
    displayName: cleanDisplayName(input.displayName),
    passwordHash: await hashPassword(input.password, argon2),
  };
}

/** Inserts a prepared account (roles only for staff; the caller checked them). */
export function insertPreparedAccount(
  tx: Tx,
  prepared: PreparedAccount,
  roles: string[] = [],
): Promise<AccountRow> {
  return insertAccount(tx, { ...prepared, roles });
}
