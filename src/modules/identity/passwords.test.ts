import { describe, expect, it } from 'vitest';
import { DEFAULT_ARGON2, hashPassword, passwordProblem, verifyPassword } from './passwords.ts';

describe('passwords', () => {
  it('counts characters, not UTF-16 units, against the minimum', () => {
    expect(passwordProblem('😀'.repeat(11), 12)).toMatch(/at least 12/);
    expect(passwordProblem('😀'.repeat(12), 12)).toBeUndefined();
  });

  it('allows at most 128 characters', () => {
    expect(passwordProblem('x'.repeat(128), 12)).toBeUndefined();
    expect(passwordProblem('x'.repeat(129), 12)).toMatch(/at most 128/);
  });

  it('hashes with argon2id and a fresh salt, and verifies only the right password', async () => {
    const [a, b] = await Promise.all([
      hashPassword('correct horse battery', DEFAULT_ARGON2),
      hashPassword('correct horse battery', DEFAULT_ARGON2),
    ]);
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(a, 'correct horse batter')).toBe(false);
  });

  it('treats a stored value that is not a hash as a mismatch, not an error', async () => {
    expect(await verifyPassword('not a hash', 'anything at all')).toBe(false);
    expect(await verifyPassword('', '')).toBe(false);
  });
});
