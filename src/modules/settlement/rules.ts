// How a bet's legs decide it. Every leg contributes a factor from its outcome (betting's
// pricing.ts): won → price (× dead-heat fraction), void → 1, lost → 0, half-won → (1 + price)/2,
// half-lost → 1/2; each-way, the place part likewise at the place terms. A leg of a bet placed
// at or after its market's effective result time counts as void (past-posting). The bet pays
// stake per line × Σ lines × the fraction of the stake not cashed out, rounded down once.
//
// A bet waits for its last leg — unless no outcome of the legs still open could return
// anything (a lost leg in a multiple), and then it is lost at once.
import {
  type BetShape,
  exactReturn,
  floorOf,
  type LegResult,
  type PlaceTerms,
  placeFactor,
  placePartFactor,
  priceFactor,
  type Ratio,
  times,
  winPartFactor,
} from '../betting/index.ts';
import type { SelectionResult } from '../catalog/index.ts';

export interface Verdict {
  status: 'won' | 'lost' | 'void';
  payout: bigint;
}

export interface JudgedBet {
  stake: bigint;
  openStake: bigint;
  placedAt: Date;
  shape: BetShape;
  legs: readonly { selectionId: string; price: number; eachWay: PlaceTerms | null }[];
}

const VOID: LegResult = { outcome: 'void', deadHeat: null, place: 'void', placeDeadHeat: null };

/** A leg's result for a bet placed at `placedAt`: void when placed at or after the result's time. */
export function legResult(
  result: SelectionResult | undefined,
  placedAt: Date,
): LegResult | undefined {
  if (!result) return undefined;
  if (result.effectiveAt && placedAt.getTime() >= result.effectiveAt.getTime()) return VOID;
  return result;
}

export function judge(
  bet: JudgedBet,
  outcomes: ReadonlyMap<string, SelectionResult>,
): Verdict | undefined {
  const results = bet.legs.map((leg) => legResult(outcomes.get(leg.selectionId), bet.placedAt));
  const terms = (i: number): PlaceTerms => {
    const t = bet.legs[i]!.eachWay;
    if (!t) throw new Error('an each-way leg without place terms');
    return t;
  };
  // Undecided legs at their best (won and placed): if even that returns nothing, it is lost.
  const win = bet.legs.map((leg, i) => {
    const r = results[i];
    return r ? winPartFactor(leg.price, r) : priceFactor(leg.price);
  });
  const place = bet.shape.eachWay
    ? bet.legs.map((leg, i) => {
        const r = results[i];
        return r ? placePartFactor(leg.price, terms(i), r) : placeFactor(leg.price, terms(i));
      })
    : undefined;
  const fraction: Ratio = { num: bet.openStake, den: bet.stake };
  const payout = floorOf(times(exactReturn(bet.shape, win, place), fraction));
  const decided = results.every((r) => r !== undefined);
  if (!decided) return payout === 0n ? { status: 'lost', payout: 0n } : undefined;
  const allVoid = results.every(
    (r) => r!.outcome === 'void' && (!bet.shape.eachWay || (r!.place ?? 'void') === 'void'),
  );
  if (allVoid) return { status: 'void', payout: bet.openStake };
  return { status: payout > 0n ? 'won' : 'lost', payout };
}

/**
 * The transfers that settle `stake` held for a bet with `payout`: what is returned goes back to
 * cash, what is lost goes to the house, winnings come from the house.
 */
export function settlementMoves(stake: bigint, payout: bigint) {
  const returned = payout < stake ? payout : stake;
  return {
    returned, // held → cash
    lost: stake - returned, // held → house
    winnings: payout > stake ? payout - stake : 0n, // house → cash
  };
}
