import { hash, verify } from '@node-rs/argon2';

// argon2id (the library's default algorithm) with OWASP's minimum: 19 MiB, 2 passes.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string) => hash(password, OPTIONS);

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

// Verified against when the account does not exist, so that a wrong address costs the
// same time as a wrong password and does not reveal which addresses have accounts.
let decoy: Promise<string> | undefined;
export async function burnVerification(password: string): Promise<void> {
  decoy ??= hashPassword('decoy password that matches nothing');
  await verifyPassword(await decoy, password);
}

export function passwordProblem(password: string, minLength: number): string | undefined {
  const length = [...password].length;
  if (length < minLength) return `A password needs at least ${minLength} characters.`;
  if (length > 128) return 'A password may have at most 128 characters.';
  return undefined;
}
