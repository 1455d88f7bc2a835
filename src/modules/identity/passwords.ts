// Password rules after NIST SP 800-63B-4 and OWASP ASVS: a minimum length (12 for players and
// partners, 15 for staff), up to 128 characters, no composition rules, and no password from
// a list of common and breached ones. Hashes are argon2id with parameters from config; a
// hash made with other parameters is upgraded at the next successful sign-in.
import { hash, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import type { Config } from '../../platform/config.ts';

export type Argon2Params = Config['argon2'];

/** OWASP's minimum for argon2id, and iBet's default: 19 MiB, 2 passes, 1 lane. */
export const DEFAULT_ARGON2: Argon2Params = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string, params: Argon2Params) => hash(password, params);

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** True when `stored` was hashed with other parameters (or another algorithm) than `params`. */
export function needsRehash(stored: string, params: Argon2Params): boolean {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored);
  if (!match) return true;
  return (
    Number(match[1]) !== params.memoryCost ||
    Number(match[2]) !== params.timeCost ||
    Number(match[3]) !== params.parallelism
  );
}

// Verified against when the account does not exist, so that a wrong address costs the
// same time as a wrong password and does not reveal which addresses have accounts.
const decoys = new Map<string, Promise<string>>();
export async function burnVerification(password: string, params: Argon2Params): Promise<void> {
  const key = `${params.memoryCost}/${params.timeCost}/${params.parallelism}`;
  let decoy = decoys.get(key);
  if (!decoy) {
    decoy = hashPassword('decoy password that matches nothing', params);
    decoys.set(key, decoy);
  }
  await verifyPassword(await decoy, password);
}

// The 49,000 most common passwords from breach corpora, as ranked by zxcvbn-ts, compared
// without regard to case.
const COMMON = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));

export function isCommonPassword(password: string): boolean {
  return COMMON.has(password.toLowerCase());
}

/** What is wrong with a new password, or undefined when it is acceptable. */
export function passwordProblem(
  password: string,
  minLength: number,
  context: { email?: string; displayName?: string } = {},
): string | undefined {
  const length = [...password].length;
  if (length < minLength) return `A password needs at least ${minLength} characters.`;
  if (length > 128) return 'A password may have at most 128 characters.';
  if (isCommonPassword(password)) {
    return 'This password is one of the most common ones and is easy to guess. Choose another.';
  }
  const lower = password.toLowerCase();
  const local = context.email?.split('@')[0]?.toLowerCase();
  if (
    lower === context.email?.toLowerCase() ||
    (local && local.length >= 4 && lower === local) ||
    lower === context.displayName?.toLowerCase() ||
    /^(ibet|betting|sportsbook)\d*$/.test(lower.replace(/[^a-z0-9]/g, ''))
  ) {
    return 'A password must not be your email address, your name or the name of this site.';
  }
  return undefined;
}
