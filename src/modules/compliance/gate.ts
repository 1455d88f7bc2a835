// What responsible gambling adds to a player's registration and sign-in: the minimum age of
// the jurisdiction their country falls under, the national self-exclusion register (refuses
// a registration; at sign-in, records an exclusion so that gambling stays closed while the
// account still reaches its balance), and the player's compliance record.
import { DomainError } from '../../platform/errors.ts';
import type { PlayerGate } from '../identity/index.ts';
import { nationallyExcluded, underage } from './errors.ts';
import { recordNationalExclusion } from './exclusions.ts';
import { jurisdictionOf, packOf } from './jurisdictions.ts';
import type { NationalRegister } from './national-register.ts';
import { createPlayerRecord } from './players.ts';

export interface GateDeps {
  countries: Readonly<Record<string, string>>;
  register: NationalRegister | undefined;
  /** How long a player's sign-in may last at most (the national-register exclusion covers it). */
  sessionMaxSeconds: number;
}

/** Whole years from a date of birth (YYYY-MM-DD) to today (UTC). */
export function ageOn(dateOfBirth: string, today: Date): number {
  const [y, m, d] = dateOfBirth.split('-').map(Number) as [number, number, number];
  let age = today.getUTCFullYear() - y;
  const month = today.getUTCMonth() + 1;
  if (month < m || (month === m && today.getUTCDate() < d)) age--;
  return age;
}

const registerUnavailable = (cause: unknown) => {
  const error = new DomainError(
    'register_unavailable',
    'unavailable',
    'The self-exclusion register cannot be checked right now; try again shortly.',
  );
  error.cause = cause;
  return error;
};

export function complianceGate(deps: GateDeps): PlayerGate {
  const listed = async (person: Parameters<NationalRegister['isListed']>[0]) => {
    if (!deps.register) return false;
    try {
      return await deps.register.isListed(person);
    } catch (error) {
      // Failing closed: a register we cannot read must not let a listed person in.
      throw registerUnavailable(error);
    }
  };
  return {
    async admitRegistration(input) {
      const pack = packOf(jurisdictionOf(input.country, deps.countries));
      if (ageOn(input.dateOfBirth, new Date()) < pack.minimumAge) throw underage(pack.minimumAge);
      if (await listed({ ...input })) throw nationallyExcluded();
    },
    async registered(tx, player) {
      await createPlayerRecord(tx, player.id, jurisdictionOf(player.country, deps.countries));
    },
    async signedIn(tx, player) {
      if (!deps.register) return;
      if (await listed(player)) {
        await recordNationalExclusion(tx, player.id, deps.register.name, deps.sessionMaxSeconds);
      }
    },
  };
}
