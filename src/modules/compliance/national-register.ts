// National self-exclusion registers (GAMSTOP in Great Britain, and the like elsewhere). The
// operator connects one through this interface; iBet ships a file-based register, which is
// what most registers' bulk exports or a nightly sync produce.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';

export interface RegisterQuery {
  email: string;
  dateOfBirth: string | null;
  displayName: string;
  country: string | null;
}

export interface NationalRegister {
  /** Shown in the audit log and documentation. */
  readonly name: string;
  /** Whether the register lists this person. Throws when the register cannot be read. */
  isListed(person: RegisterQuery): Promise<boolean>;
}

export const sha256Email = (email: string) =>
  createHash('sha256').update(email.trim().toLowerCase()).digest('hex');

/**
 * A register kept in a file: one entry a line, either an email address or `sha256:` and the
 * hex SHA-256 of a lower-cased address (so the file need not hold addresses in the clear);
 * blank lines and lines starting with `#` are ignored. The file is read again when it changes.
 */
export function fileRegister(file: string): NationalRegister {
  let loaded: { mtimeMs: number; size: number; hashes: Set<string> } | undefined;
  const load = async () => {
    const info = await stat(file);
    if (loaded && loaded.mtimeMs === info.mtimeMs && loaded.size === info.size) return loaded;
    const hashes = new Set<string>();
    for (const raw of (await readFile(file, 'utf8')).split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const hashed = /^sha256:([0-9a-fA-F]{64})$/.exec(line);
      hashes.add(hashed ? hashed[1]!.toLowerCase() : sha256Email(line));
    }
    loaded = { mtimeMs: info.mtimeMs, size: info.size, hashes };
    return loaded;
  };
  return {
    name: `file:${file.split(/[\\/]/).pop()}`,
    async isListed(person) {
      return (await load()).hashes.has(sha256Email(person.email));
    },
  };
}
