// How a bet's legs decide its outcome. A lost leg loses the bet; a void leg counts at 1.00;
// until every leg has an outcome (and none lost) the bet stays open.
import { PRICE_SCALE, payoutFor } from '../../platform/money.ts';
import type { SelectionOutcome } from '../catalog/index.ts';

export interface Verdict {
  status: 'won' | 'lost' | 'void';
  payout: bigint;
}

export function judge(
  stake: bigint,
  legs: readonly { selectionId: string; price: number }[],
  outcomes: ReadonlyMap<string, SelectionOutcome>,
): Verdict | undefined {
  const results = legs.map((leg) => outcomes.get(leg.selectionId));
  if (results.includes('lose')) return { status: 'lost', payout: 0n };
  if (results.includes(undefined)) return undefined;
  if (results.every((r) => r === 'void')) return { status: 'void', payout: stake };
  const factors = legs.map((leg, i) => (results[i] === 'win' ? leg.price : Number(PRICE_SCALE)));
  return { status: 'won', payout: payoutFor(stake, factors) };
}

/**
 * The transfers that settle a bet whose stake sits in the player's held account: what is
 * returned goes back to cash, what is lost goes to the house, winnings come from the house.
 */
export function settlementMoves(stake: bigint, payout: bigint) {
  const returned = payout < stake ? payout : stake;
  return {
    returned, // held → cash
    lost: stake - returned, // held → house
    winnings: payout > stake ? payout - stake : 0n, // house → cash
  };
}
