// TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s steps) with one step of tolerance
// either way; a code is never accepted twice (the last accepted step is kept). Enrolment is
// confirmed with a first code, which also issues ten single-use recovery codes (stored
// hashed).
import { createHash, randomBytes } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import type { Queryable, Tx } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';

const ISSUER = 'iBet';
const TOLERANCE_SECONDS = 30;
const RECOVERY_CODES = 10;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export interface Enrolment {
  secret: string;
  otpauthUri: string;
  /** The otpauth URI as a QR code, an SVG document. */
  qrSvg: string;
}

export async function isEnrolled(q: Queryable, accountId: string): Promise<boolean> {
  const rows = await q.query(
    'SELECT 1 FROM identity.totp WHERE account_id = $1 AND confirmed_at IS NOT NULL',
    [accountId],
  );
  return rows.length > 0;
}

/** A new (unconfirmed) secret; replaces an earlier unconfirmed one. */
export async function startEnrolment(
  tx: Tx,
  account: { id: string; email: string },
): Promise<Enrolment> {
  if (await isEnrolled(tx, account.id)) {
    throw new DomainError(
      'mfa_already_enrolled',
      'conflict',
      'A second factor is already enrolled.',
    );
  }
  const secret = generateSecret();
  await tx.query(
    `INSERT INTO identity.totp (account_id, secret) VALUES ($1, $2)
     ON CONFLICT (account_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = now(), last_step = NULL`,
    [account.id, secret],
  );
  const otpauthUri = generateURI({ issuer: ISSUER, label: account.email, secret });
  return {
    secret,
    otpauthUri,
    qrSvg: await QRCode.toString(otpauthUri, { type: 'svg', margin: 2 }),
  };
}

/** Enrols an already known secret, confirmed (the bootstrap admin of an automated install). */
export async function enrolConfirmed(tx: Tx, accountId: string, secret: string): Promise<void> {
  await tx.query(
    `INSERT INTO identity.totp (account_id, secret, confirmed_at) VALUES ($1, $2, now())
     ON CONFLICT (account_id) DO NOTHING`,
    [accountId, secret],
  );
}

/** Checks a code against the account's secret, at most once per time step. */
async function checkCode(
  tx: Tx,
  accountId: string,
  code: string,
  confirmed: boolean,
): Promise<boolean> {
  const [row] = await tx.query<{ secret: string; last_step: bigint | null }>(
    `SELECT secret, last_step FROM identity.totp
     WHERE account_id = $1 AND (confirmed_at IS NOT NULL) = $2 FOR UPDATE`,
    [accountId, confirmed],
  );
  if (!row || !/^\d{6}$/.test(code)) return false;
  const epoch = Math.floor(Date.now() / 1000);
  const lastStep = row.last_step === null ? undefined : Number(row.last_step);
  // A step accepted by an instance whose clock is ahead may lie beyond this clock's window:
  // then no code can be newer (and otplib would throw rather than refuse).
  if (lastStep !== undefined && lastStep >= Math.floor((epoch + TOLERANCE_SECONDS) / 30)) {
    return false;
  }
  const result = await verify({
    secret: row.secret,
    token: code,
    epoch,
    epochTolerance: TOLERANCE_SECONDS,
    ...(lastStep === undefined ? {} : { afterTimeStep: lastStep }),
  });
  if (!result.valid) return false;
  await tx.query(
    `UPDATE identity.totp SET last_step = $2, confirmed_at = COALESCE(confirmed_at, now()) WHERE account_id = $1`,
    [accountId, (result as { timeStep: number }).timeStep],
  );
  return true;
}

function newRecoveryCode(): string {
  // 60 bits, shown as three groups of four base32 characters: easy to type, hard to guess.
  const text = randomBytes(8).readBigUInt64BE().toString(32).padStart(13, '0').slice(-12);
  return `${text.slice(0, 4)}-${text.slice(4, 8)}-${text.slice(8)}`;
}

const normalizeRecovery = (code: string) => code.trim().toLowerCase().replaceAll('-', '');

/** Replaces the account's recovery codes; returns the new ones (shown once). */
export async function newRecoveryCodes(tx: Tx, accountId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  await tx.query('DELETE FROM identity.recovery_codes WHERE account_id = $1', [accountId]);
  await tx.query(
    'INSERT INTO identity.recovery_codes (account_id, code_hash) SELECT $1, unnest($2::text[])',
    [accountId, codes.map((c) => sha256(normalizeRecovery(c)))],
  );
  return codes;
}

/** Confirms a pending enrolment with its first code; returns the recovery codes. */
export async function confirmEnrolment(
  tx: Tx,
  accountId: string,
  code: string,
): Promise<string[] | undefined> {
  if (!(await checkCode(tx, accountId, code, false))) return undefined;
  return newRecoveryCodes(tx, accountId);
}

export interface SecondFactor {
  code?: string | undefined;
  recoveryCode?: string | undefined;
}

/** Verifies a TOTP code or consumes a recovery code of an enrolled account. */
export async function verifySecondFactor(
  tx: Tx,
  accountId: string,
  factor: SecondFactor,
): Promise<boolean> {
  if (factor.code !== undefined) return checkCode(tx, accountId, factor.code, true);
  if (factor.recoveryCode !== undefined) {
    const used = await tx.query(
      `UPDATE identity.recovery_codes SET used_at = now()
       WHERE account_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING 1`,
      [accountId, sha256(normalizeRecovery(factor.recoveryCode))],
    );
    return used.length > 0;
  }
  return false;
}

export async function removeTotp(tx: Tx, accountId: string): Promise<void> {
  await tx.query('DELETE FROM identity.recovery_codes WHERE account_id = $1', [accountId]);
  await tx.query('DELETE FROM identity.totp WHERE account_id = $1', [accountId]);
}
