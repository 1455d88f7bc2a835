// The settlement engine against an oracle written separately from it, over random bets and
// results. The engine sums lines with elementary symmetric polynomials of per-leg factors; the
// oracle enumerates every line as a subset of legs, splits a half-won or half-lost leg's stake
// into two halves (one riding on at the price or lost, one returned), pays a dead heat as the
// fraction of the stake at the full price, prices a place part at 1 + (odds − 1) × terms, and
// adds it all up in fractions reduced at every step. Both round down once, at the end.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineCount, NAMED_SYSTEMS, systemSizes } from '../../src/modules/betting/index.ts';
import type { SelectionResult } from '../../src/modules/catalog/index.ts';
import { judge } from '../../src/modules/settlement/index.ts';

// --- the oracle --------------------------------------------------------------------------

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));

class Frac {
  readonly n: bigint;
  readonly d: bigint;
  constructor(n: bigint, d = 1n) {
    const g = gcd(n, d) || 1n;
    this.n = n / g;
    this.d = d / g;
  }
  add(o: Frac) {
    return new Frac(this.n * o.d + o.n * this.d, this.d * o.d);
  }
  mul(o: Frac) {
    return new Frac(this.n * o.n, this.d * o.d);
  }
  div(o: Frac) {
    return new Frac(this.n * o.d, this.d * o.n);
  }
  floor() {
    return this.n / this.d;
  }
}

type Outcome = 'win' | 'lose' | 'void' | 'half_win' | 'half_lose';

interface OLeg {
  price: number;
  terms: { num: number; den: number } | null;
  result:
    | {
        outcome: Outcome;
        deadHeat: [number, number] | null;
        place: 'win' | 'lose' | 'void' | null;
        placeDeadHeat: [number, number] | null;
        late: boolean;
      }
    | undefined;
}

interface OBet {
  kind: 'single' | 'multiple' | 'system' | 'builder';
  system: string | null;
  eachWay: boolean;
  stakePerLine: bigint;
  builderPrice: number | null;
  legs: OLeg[];
  /** The part of the stake not cashed out, as a fraction of it. */
  open: [bigint, bigint];
}

/** Line sizes by the house rules: full covers from doubles (from singles for the "lucky" ones and Patent). */
function oracleSizes(bet: OBet): number[] {
  const n = bet.legs.length;
  if (bet.kind === 'single') return [1];
  if (bet.kind !== 'system') return [n];
  const system = bet.system!;
  if (system.includes('/')) return [Number(system.split('/')[0])];
  const fromSingles = system === 'patent' || system.startsWith('lucky');
  const sizes: number[] = [];
  for (let k = fromSingles ? 1 : 2; k <= n; k++) sizes.push(k);
  return sizes;
}

const price = (p: number) => new Frac(BigInt(p), 1000n);
const placePrice = (p: number, t: { num: number; den: number }) =>
  new Frac(1n).add(new Frac(BigInt(p - 1000) * BigInt(t.num), 1000n * BigInt(t.den)));

/** A line's return per unit of stake for one part, splitting half results into halves. */
function lineReturn(legs: OLeg[], part: 'win' | 'place', best: boolean): Frac {
  if (legs.length === 0) return new Frac(1n);
  const [leg, ...rest] = legs as [OLeg, ...OLeg[]];
  const r = leg.result && !leg.result.late ? leg.result : leg.result?.late ? VOIDED : undefined;
  const odds = part === 'win' ? price(leg.price) : placePrice(leg.price, leg.terms!);
  const onward = () => lineReturn(rest, part, best);
  if (!r) return best ? odds.mul(onward()) : new Frac(0n); // undecided: at its best
  if (part === 'place') {
    const placed =
      r.place ?? (r.outcome === 'win' ? 'win' : r.outcome === 'void' ? 'void' : 'lose');
    if (placed === 'lose') return new Frac(0n);
    if (placed === 'void') return onward();
    const dh = r.placeDeadHeat
      ? new Frac(BigInt(r.placeDeadHeat[0]), BigInt(r.placeDeadHeat[1]))
      : new Frac(1n);
    return odds.mul(dh).mul(onward());
  }
  const half = new Frac(1n, 2n);
  switch (r.outcome) {
    case 'lose':
      return new Frac(0n);
    case 'void':
      return onward();
    case 'win': {
      const dh = r.deadHeat ? new Frac(BigInt(r.deadHeat[0]), BigInt(r.deadHeat[1])) : new Frac(1n);
      // A dead heat: that fraction of the stake rides on at the full price, the rest is lost.
      return dh.mul(odds).mul(onward());
    }
    case 'half_win':
      // Half the stake rides on at the price, half is returned and rides on as if void.
      return half.mul(odds).mul(onward()).add(half.mul(onward()));
    case 'half_lose':
      // Half the stake is lost, half is returned and rides on.
      return half.mul(onward());
  }
}

const VOIDED = {
  outcome: 'void' as const,
  deadHeat: null,
  place: 'void' as const,
  placeDeadHeat: null,
  late: false,
};

function oracleReturn(bet: OBet, best: boolean): Frac {
  const sizes = oracleSizes(bet);
  const n = bet.legs.length;
  let total = new Frac(0n);
  for (let mask = 1; mask < 1 << n; mask++) {
    const legs = bet.legs.filter((_, i) => mask & (1 << i));
    if (!sizes.includes(legs.length)) continue;
    for (const part of bet.eachWay ? (['win', 'place'] as const) : (['win'] as const)) {
      let value = lineReturn(legs, part, best);
      if (bet.kind === 'builder') {
        // The builder's price replaces the product of its legs' prices.
        let product = new Frac(1n);
        for (const l of legs) product = product.mul(price(l.price));
        value = value.mul(price(bet.builderPrice!)).div(product);
      }
      total = total.add(value.mul(new Frac(bet.stakePerLine)));
    }
  }
  return total.mul(new Frac(openStakeOf(bet), stakeOf(bet)));
}

const stakeOf = (bet: OBet) =>
  bet.stakePerLine * BigInt(lineCount(bet.legs.length, oracleSizes(bet), bet.eachWay));
/** What is left of the stake after cash outs: a part of it in whole minor units, at least 1. */
const openStakeOf = (bet: OBet) => {
  const open = (stakeOf(bet) * bet.open[0]) / bet.open[1];
  return open > 0n ? open : 1n;
};

function oracle(bet: OBet): { status: 'won' | 'lost' | 'void'; payout: bigint } | undefined {
  const openStake = openStakeOf(bet);
  if (bet.legs.some((l) => !l.result)) {
    // A bet waits for its last leg unless nothing can come back any more.
    return oracleReturn(bet, true).floor() === 0n ? { status: 'lost', payout: 0n } : undefined;
  }
  const effective = bet.legs.map((l) => (l.result!.late ? VOIDED : l.result!));
  const allVoid = effective.every(
    (r) => r.outcome === 'void' && (!bet.eachWay || (r.place ?? 'void') === 'void'),
  );
  if (allVoid) return { status: 'void', payout: openStake };
  const payout = oracleReturn(bet, false).floor();
  return { status: payout > 0n ? 'won' : 'lost', payout };
}

// --- random bets -------------------------------------------------------------------------

const fraction = fc.constantFrom<[number, number]>([1, 2], [1, 3], [2, 3], [1, 4], [3, 4]);
const terms = fc.constantFrom({ num: 1, den: 4 }, { num: 1, den: 5 }, { num: 1, den: 3 });

const legResult = (eachWay: boolean) =>
  fc.option(
    fc.record({
      outcome: fc.constantFrom<Outcome>('win', 'lose', 'void', 'half_win', 'half_lose'),
      deadHeat: fc.option(fraction, { freq: 4 }),
      place: eachWay
        ? fc.option(fc.constantFrom('win' as const, 'lose' as const, 'void' as const))
        : fc.constant(null),
      placeDeadHeat: eachWay ? fc.option(fraction, { freq: 4 }) : fc.constant(null),
      late: fc.integer({ min: 0, max: 4 }).map((x) => x === 0),
    }),
    { freq: 6 },
  );

const betArb: fc.Arbitrary<OBet> = fc
  .record({
    kind: fc.constantFrom('single', 'multiple', 'system', 'builder'),
    eachWay: fc.boolean(),
    n: fc.integer({ min: 2, max: 8 }),
    stakePerLine: fc.bigInt({ min: 1n, max: 1_000_000_000_000n }),
    openNum: fc.bigInt({ min: 1n, max: 8n }),
    margin: fc.integer({ min: 0, max: 3000 }),
  })
  .chain(({ kind, eachWay, n, stakePerLine, openNum, margin }) => {
    const legs = kind === 'single' ? 1 : n;
    const ew = eachWay && kind !== 'builder';
    const system =
      kind === 'system'
        ? fc.oneof(
            fc.constantFrom(
              ...Object.entries(NAMED_SYSTEMS)
                .filter(([, s]) => s.legs === legs)
                .map(([name]) => name),
              `1/${legs}`,
            ),
            fc.integer({ min: 1, max: legs }).map((k) => `${k}/${legs}`),
          )
        : fc.constant(null);
    return fc
      .record({
        kind: fc.constant(kind as OBet['kind']),
        system,
        eachWay: fc.constant(ew),
        stakePerLine: fc.constant(stakePerLine),
        builderPrice: fc.constant(null as number | null),
        open: fc.constant<[bigint, bigint]>([openNum, 8n]),
        legs: fc.array(
          fc.record({
            price: fc.integer({ min: 1001, max: 30_000 }),
            terms: ew ? terms : fc.constant(null),
            result: legResult(ew).map((r) => {
              if (!r) return undefined;
              // Dead heats only on winners; a winner is placed.
              const deadHeat = r.outcome === 'win' ? r.deadHeat : null;
              const place = r.outcome === 'win' && r.place === 'lose' ? 'win' : r.place;
              const placeDeadHeat =
                (place ?? (r.outcome === 'win' ? 'win' : null)) === 'win' ? r.placeDeadHeat : null;
              return {
                ...r,
                deadHeat,
                place: ew ? place : null,
                placeDeadHeat: ew ? placeDeadHeat : null,
              };
            }),
          }),
          { minLength: legs, maxLength: legs },
        ),
        margin: fc.constant(margin),
      })
      .map(({ margin: m, ...bet }) => {
        if (bet.kind !== 'builder') return bet;
        // The builder price: the product of the legs' prices less the margin, in thousandths.
        let product = 1n;
        for (const l of bet.legs) product *= BigInt(l.price);
        const scaled =
          (product * BigInt(10_000 - m)) / (10_000n * 1000n ** BigInt(bet.legs.length - 1));
        return { ...bet, builderPrice: Math.max(1001, Math.min(1_000_000, Number(scaled))) };
      });
  });

/** The bet and results as the engine takes them. */
function engineInput(bet: OBet) {
  const placedAt = new Date('2030-06-01T12:00:00Z');
  const sizes =
    bet.kind === 'system'
      ? (systemSizes(bet.system!, bet.legs.length) as { sizes: number[] }).sizes
      : [bet.kind === 'single' ? 1 : bet.legs.length];
  const stake = bet.stakePerLine * BigInt(lineCount(bet.legs.length, sizes, bet.eachWay));
  const outcomes = new Map<string, SelectionResult>();
  bet.legs.forEach((leg, i) => {
    if (!leg.result) return;
    const r = leg.result;
    outcomes.set(`s${i}`, {
      outcome: r.outcome,
      deadHeat: r.deadHeat ? { num: r.deadHeat[0], den: r.deadHeat[1] } : null,
      place: r.place,
      placeDeadHeat: r.placeDeadHeat ? { num: r.placeDeadHeat[0], den: r.placeDeadHeat[1] } : null,
      // A result that took effect before the bet was placed voids the leg.
      effectiveAt: r.late
        ? new Date(placedAt.getTime() - 60_000)
        : new Date(placedAt.getTime() + 60_000),
    });
  });
  return {
    bet: {
      stake,
      openStake: (() => {
        const open = (stake * bet.open[0]) / bet.open[1];
        return open > 0n ? open : 1n;
      })(),
      placedAt,
      shape: {
        kind: bet.kind,
        sizes,
        eachWay: bet.eachWay,
        stakePerLine: bet.stakePerLine,
        builderPrice: bet.builderPrice,
        prices: bet.legs.map((l) => l.price),
      },
      legs: bet.legs.map((l, i) => ({
        selectionId: `s${i}`,
        price: l.price,
        eachWay: l.terms ? { places: 3, ...l.terms } : null,
      })),
    },
    outcomes,
  };
}

describe('the settlement engine agrees with an independent oracle', () => {
  it('settles random singles, multiples, system bets, builders and each-way bets exactly as the oracle', () => {
    fc.assert(
      fc.property(betArb, (bet) => {
        const { bet: input, outcomes } = engineInput(bet);
        expect(judge(input, outcomes)).toEqual(oracle(bet));
      }),
      { numRuns: 3000 },
    );
  });

  it('never pays more than the potential payout, nor less than nothing', () => {
    fc.assert(
      fc.property(betArb, (bet) => {
        const verdict = oracle(bet);
        if (!verdict) return;
        const best = oracleReturn(bet, true).floor();
        expect(verdict.payout <= best || verdict.status === 'void').toBe(true);
        expect(verdict.payout >= 0n).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('system bets expand to the right number of lines', () => {
  it.each([
    ['trixie', 3, 4],
    ['patent', 3, 7],
    ['yankee', 4, 11],
    ['lucky15', 4, 15],
    ['canadian', 5, 26],
    ['super_yankee', 5, 26],
    ['lucky31', 5, 31],
    ['heinz', 6, 57],
    ['lucky63', 6, 63],
    ['super_heinz', 7, 120],
    ['goliath', 8, 247],
  ])('a %s of %i selections has %i lines (twice that each-way)', (name, legs, lines) => {
    const sizes = systemSizes(name, legs);
    expect('sizes' in sizes && lineCount(legs, sizes.sizes, false)).toBe(lines);
    expect('sizes' in sizes && lineCount(legs, sizes.sizes, true)).toBe(lines * 2);
    expect(systemSizes(name, legs + 1)).toHaveProperty('problem');
  });

  it('an n-of-k system has C(k, n) lines', () => {
    const c = (k: number, n: number): number =>
      n === 0 || n === k ? 1 : c(k - 1, n - 1) + c(k - 1, n);
    for (let k = 1; k <= 20; k++) {
      for (let n = 1; n <= k; n++) {
        const sizes = systemSizes(`${n}/${k}`, k);
        expect('sizes' in sizes && lineCount(k, sizes.sizes, false)).toBe(c(k, n));
      }
    }
    expect(systemSizes('2/5', 4)).toHaveProperty('problem');
    expect(systemSizes('6/5', 5)).toHaveProperty('problem');
  });
});
