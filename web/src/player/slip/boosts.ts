// Odds boosts on the slip, without React: which of the player's promotions are boosts they
// can take now (GET /api/v1/promotions, docs/promotions.md), which one a single on the slip
// is offered or has taken, and the price it is sent at. A boost offers one selection at a
// better price up to a maximum stake; it is taken by sending its id (`boostId`) with the
// boosted price as the leg's price, on a single only.
import type { Result } from '../../api/operations.ts';
import { AMOUNT } from '../../lib/money.ts';
import { type OddsFormat, parseAnyPrice, renderPrice } from '../../lib/odds.ts';
import { effectiveMode, type Leg, type SlipState } from './slip-state.ts';

export type PlayerPromotion = Result<'GET /api/v1/promotions'>[number];

export interface Boost {
  /** The promotion's id: the `boostId` of the quote and the bet. */
  id: string;
  name: string;
  selectionId: string;
  /** The boosted price in thousandths. */
  price: bigint;
  /** The largest stake it takes, minor units. */
  maxStake: string;
}

/** An `odds_boost` promotion's terms as a boost, or undefined when they do not read as one. */
export function boostOf(p: PlayerPromotion): Boost | undefined {
  if (p.kind !== 'odds_boost') return undefined;
  const { selectionId, boostedPrice, maxStake } = p.terms;
  if (typeof selectionId !== 'string' || selectionId === '') return undefined;
  if (typeof boostedPrice !== 'string' || typeof maxStake !== 'string') return undefined;
  const price = parseAnyPrice(boostedPrice);
  if (price === null || !AMOUNT.test(maxStake)) return undefined;
  return { id: p.id, name: p.name, selectionId, price, maxStake };
}

/**
 * The odds boosts the player can take now: running `odds_boost` promotions with a selection, a
 * boosted price and a maximum stake, opted in to where they ask for it, not used up. Terms
 * that do not read as such are left out (the listing types them loosely).
 */
export function usableBoosts(promotions: readonly PlayerPromotion[]): Boost[] {
  return promotions.flatMap((p) => {
    if (p.optIn && !p.optedIn) return [];
    if (p.claimed >= p.perPlayer) return [];
    const boost = boostOf(p);
    return boost ? [boost] : [];
  });
}

/**
 * The boost offered to a leg: only a single takes one (singles, or a slip of one leg), and only
 * a boost of that selection that betters its price. With several, the best price (then the
 * largest maximum stake) wins.
 */
export function boostOffered(
  state: SlipState,
  leg: Leg,
  boosts: readonly Boost[],
): Boost | undefined {
  if (effectiveMode(state) !== 'singles') return undefined;
  const current = parseAnyPrice(leg.price);
  let best: Boost | undefined;
  for (const b of boosts) {
    if (b.selectionId !== leg.selectionId) continue;
    if (current !== null && b.price <= current) continue;
    if (
      !best ||
      b.price > best.price ||
      (b.price === best.price && BigInt(b.maxStake) > BigInt(best.maxStake))
    ) {
      best = b;
    }
  }
  return best;
}

/** The boost a leg has taken: the one the player applied, while it is still offered to it. */
export function boostApplied(
  state: SlipState,
  leg: Leg,
  boosts: readonly Boost[],
): Boost | undefined {
  const chosen = state.boosts?.[leg.selectionId];
  if (!chosen || effectiveMode(state) !== 'singles') return undefined;
  return boosts.find((b) => b.id === chosen && b.selectionId === leg.selectionId);
}

/** The boosted price as the player reads prices ("2.5", "3/2", "+150"). */
export function boostPrice(boost: Boost, format: OddsFormat): string {
  return renderPrice(boost.price, format);
}

/** Whether a stake (minor units) is over the boost's maximum. */
export function overBoostMax(boost: Boost, stakeMinor: string): boolean {
  return BigInt(stakeMinor) > BigInt(boost.maxStake);
}
