// Bet types as combinations of legs. A bet is a set of lines, each line a combination of its
// legs: a single is one line of one leg, a multiple one line of all legs, a system bet every
// combination of the sizes it names ("Yankee": the 6 doubles, 4 trebles and the four-fold of
// 4 legs = 11 lines; "2/5": the 10 doubles of 5 legs). Each-way doubles the lines (a win part
// and a place part). A system bet is staked per line.

export type BetKind = 'single' | 'multiple' | 'system' | 'builder';

/** Named full-cover system bets: legs and the combination sizes they contain. */
export const NAMED_SYSTEMS = {
  trixie: { legs: 3, sizes: [2, 3] },
  patent: { legs: 3, sizes: [1, 2, 3] },
  yankee: { legs: 4, sizes: [2, 3, 4] },
  lucky15: { legs: 4, sizes: [1, 2, 3, 4] },
  canadian: { legs: 5, sizes: [2, 3, 4, 5] },
  super_yankee: { legs: 5, sizes: [2, 3, 4, 5] },
  lucky31: { legs: 5, sizes: [1, 2, 3, 4, 5] },
  heinz: { legs: 6, sizes: [2, 3, 4, 5, 6] },
  lucky63: { legs: 6, sizes: [1, 2, 3, 4, 5, 6] },
  super_heinz: { legs: 7, sizes: [2, 3, 4, 5, 6, 7] },
  goliath: { legs: 8, sizes: [2, 3, 4, 5, 6, 7, 8] },
} as const satisfies Record<string, { legs: number; sizes: readonly number[] }>;

export type SystemName = keyof typeof NAMED_SYSTEMS;

export const SYSTEM_PATTERN = `^(${Object.keys(NAMED_SYSTEMS).join('|')}|[1-9][0-9]?/[1-9][0-9]?)$`;

/** A bet may have at most this many lines (a Goliath has 247; "10/20" would have 184,756). */
export const MAX_LINES = 1024;

/** A bet has at most this many legs. */
export const MAX_LEGS = 20;

/** C(n, k) as a number (small n). */
export function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return Math.round(result);
}

/**
 * The combination sizes of a system name for `legs` legs, or a reason it does not fit:
 * a named system needs exactly its number of legs; "n/k" needs k legs and 1 ≤ n ≤ k.
 */
export function systemSizes(
  system: string,
  legs: number,
): { sizes: number[] } | { problem: string } {
  const named = NAMED_SYSTEMS[system as SystemName];
  if (named) {
    if (named.legs !== legs)
      return { problem: `A ${system} has ${named.legs} selections, not ${legs}.` };
    return { sizes: [...named.sizes] };
  }
  const match = /^([1-9][0-9]?)\/([1-9][0-9]?)$/.exec(system);
  if (!match) return { problem: `Unknown system "${system}".` };
  const size = Number(match[1]);
  const of = Number(match[2]);
  if (of !== legs) return { problem: `"${system}" needs ${of} selections, not ${legs}.` };
  if (size > of) return { problem: `"${system}": a line cannot have more legs than the bet.` };
  return { sizes: [size] };
}

/** Lines of a bet of `legs` legs with these combination sizes (× 2 each-way). */
export function lineCount(legs: number, sizes: readonly number[], eachWay: boolean): number {
  const lines = sizes.reduce((sum, size) => sum + choose(legs, size), 0);
  return eachWay ? lines * 2 : lines;
}

/** The combination sizes of a bet of any kind. */
export function sizesOf(kind: BetKind, legs: number, system: string | null): number[] {
  if (kind === 'system') {
    const sizes = systemSizes(system ?? '', legs);
    if ('problem' in sizes) throw new Error(sizes.problem);
    return sizes.sizes;
  }
  return [legs === 0 ? 1 : kind === 'single' ? 1 : legs];
}
