// What a bet pays, exactly. Every leg contributes a factor — its price when it wins, 1 when
// void, 0 when lost, (1 + price)/2 half-won, 1/2 half-lost, a dead-heat fraction of its price
// — and each line pays its stake × the product of its legs' factors. A bet pays the exact sum
// of its lines, rounded down once to the minor unit. Factors are fractions of integers; no
// float is involved.
import type { BetKind } from './systems.ts';

/** A non-negative fraction of integers. */
export interface Ratio {
  num: bigint;
  den: bigint;
}

export const ONE: Ratio = { num: 1n, den: 1n };
export const ZERO: Ratio = { num: 0n, den: 1n };
const SCALE = 1000n;

export const ratio = (num: bigint, den: bigint): Ratio => ({ num, den });
export const times = (a: Ratio, b: Ratio): Ratio => ({ num: a.num * b.num, den: a.den * b.den });
export const plus = (a: Ratio, b: Ratio): Ratio => ({
  num: a.num * b.den + b.num * a.den,
  den: a.den * b.den,
});
export const compare = (a: Ratio, b: Ratio): number => {
  const left = a.num * b.den;
  const right = b.num * a.den;
  return left < right ? -1 : left > right ? 1 : 0;
};
export const floorOf = (r: Ratio): bigint => r.num / r.den;

/** The smaller of two amounts (Math.min does not take bigints). */
export function smaller(a: bigint, b: bigint): bigint {
  if (b < a) return b;
  return a;
}

/** The larger of two amounts. */
export function larger(a: bigint, b: bigint): bigint {
  if (b > a) return b;
  return a;
}

/** Decimal odds in thousandths as a factor: 2375 → 2375/1000. */
export const priceFactor = (price: number): Ratio => ({ num: BigInt(price), den: SCALE });

/** Each-way place terms: a fraction of the odds (1/4, 1/5) paid on a placed selection. */
export interface PlaceTerms {
  places: number;
  /** The fraction of (odds − 1) a place pays: numerator and denominator. */
  num: number;
  den: number;
}

/** The place price of a win price: 1 + (price − 1) × terms, e.g. 9.00 at 1/5 → 2.60. */
export function placeFactor(price: number, terms: Pick<PlaceTerms, 'num' | 'den'>): Ratio {
  const den = SCALE * BigInt(terms.den);
  return { num: den + BigInt(price - 1000) * BigInt(terms.num), den };
}

/**
 * Σ over every combination of `sizes` legs of the product of their factors, exactly. The
 * coefficients of Π (den_i + num_i·t) over Π den_i are the elementary symmetric sums, so a
 * Goliath (247 lines) costs 8 × 9 multiplications rather than 247 products.
 */
export function combinationSum(factors: readonly Ratio[], sizes: readonly number[]): Ratio {
  let coefficients: bigint[] = [1n];
  let den = 1n;
  for (const f of factors) {
    const next: bigint[] = new Array(coefficients.length + 1).fill(0n);
    for (let j = 0; j < coefficients.length; j++) {
      next[j] = next[j]! + coefficients[j]! * f.den;
      next[j + 1] = next[j + 1]! + coefficients[j]! * f.num;
    }
    coefficients = next;
    den *= f.den;
  }
  let num = 0n;
  for (const size of sizes) num += coefficients[size] ?? 0n;
  return { num, den };
}

/** What shapes a bet's payout besides its legs' outcomes. */
export interface BetShape {
  kind: BetKind;
  /** Combination sizes of its lines (single [1], multiple [k], Yankee [2, 3, 4] …). */
  sizes: readonly number[];
  eachWay: boolean;
  stakePerLine: bigint;
  /** The bet builder's price (thousandths): its legs' product with the correlation margin. */
  builderPrice?: number | null | undefined;
  /** Leg prices (thousandths), in leg order. */
  prices: readonly number[];
}

/**
 * The builder's margin as a factor on the product of its legs: builder price / Π prices.
 * A void leg drops out of the product and the margin stays: the bet stands on the others.
 */
function builderMargin(shape: BetShape): Ratio {
  if (shape.kind !== 'builder' || !shape.builderPrice) return ONE;
  let num = BigInt(shape.builderPrice);
  let den = SCALE;
  for (const price of shape.prices) {
    num *= SCALE;
    den *= BigInt(price);
  }
  return { num, den };
}

/**
 * The exact return of a bet (before rounding) for its legs' win-part factors and, each-way,
 * place-part factors: stake per line × Σ lines, times the builder margin.
 */
export function exactReturn(
  shape: BetShape,
  winFactors: readonly Ratio[],
  placeFactors?: readonly Ratio[],
): Ratio {
  let lines = combinationSum(winFactors, shape.sizes);
  if (shape.eachWay) {
    if (!placeFactors) throw new Error('an each-way bet needs place factors');
    lines = plus(lines, combinationSum(placeFactors, shape.sizes));
  }
  return times(times(lines, { num: shape.stakePerLine, den: 1n }), builderMargin(shape));
}

/** The potential payout: every leg wins (and is placed) at the price taken. */
export function potentialPayout(shape: BetShape, placeTerms?: readonly (PlaceTerms | null)[]) {
  const win = shape.prices.map(priceFactor);
  const place = shape.eachWay
    ? shape.prices.map((p, i) => {
        const terms = placeTerms?.[i];
        if (!terms) throw new Error('an each-way leg needs place terms');
        return placeFactor(p, terms);
      })
    : undefined;
  return floorOf(exactReturn(shape, win, place));
}

/**
 * The builder's price: the product of its legs' prices less the correlation margin (in basis
 * points), rounded down to a thousandth, and never below 1.001.
 */
export function builderPrice(prices: readonly number[], marginBps: number): number {
  let num = BigInt(10_000 - marginBps);
  let den = 10_000n;
  for (const price of prices) {
    num *= BigInt(price);
    den *= SCALE;
  }
  const thousandths = (num * SCALE) / den;
  const capped = thousandths > 1_000_000n ? 1_000_000n : thousandths;
  return Math.max(1001, Number(capped));
}

/** A leg's result as settlement sees it (catalog's selection result). */
export interface LegResult {
  outcome: 'win' | 'lose' | 'void' | 'half_win' | 'half_lose';
  deadHeat: { num: number; den: number } | null;
  place: 'win' | 'lose' | 'void' | null;
  placeDeadHeat: { num: number; den: number } | null;
}

const deadHeat = (f: Ratio, dh: { num: number; den: number } | null): Ratio =>
  dh ? times(f, { num: BigInt(dh.num), den: BigInt(dh.den) }) : f;

/**
 * The win part's factor: price (× dead-heat fraction) won, 1 void, 0 lost, (1 + price)/2
 * half-won (half the stake wins, half is returned), 1/2 half-lost.
 */
export function winPartFactor(price: number, result: LegResult): Ratio {
  switch (result.outcome) {
    case 'win':
      return deadHeat(priceFactor(price), result.deadHeat);
    case 'void':
      return ONE;
    case 'lose':
      return ZERO;
    case 'half_win':
      return { num: SCALE + BigInt(price), den: 2n * SCALE };
    case 'half_lose':
      return { num: 1n, den: 2n };
  }
}

/**
 * The place part's factor: the place price (× place dead-heat fraction) when placed, 1 void,
 * 0 not placed. Without a place result, a winner is placed and a void leg is void.
 */
export function placePartFactor(
  price: number,
  terms: Pick<PlaceTerms, 'num' | 'den'>,
  result: LegResult,
): Ratio {
  const place =
    result.place ??
    (result.outcome === 'win' ? 'win' : result.outcome === 'void' ? 'void' : 'lose');
  if (place === 'void') return ONE;
  if (place === 'lose') return ZERO;
  return deadHeat(placeFactor(price, terms), result.placeDeadHeat);
}
