// The slip's arithmetic, without the network: stakes as typed → minor units, potential
// payouts (BigInt, exactly as the server computes them), and the bets the slip asks for.
import { AMOUNT, currencyExponent, parseMajorToMinor, payout } from '../../lib/money.ts';
import { type OddsFormat, parseAnyPrice } from '../../lib/odds.ts';
import { effectiveMode, type Leg, type SlipState } from './slip-state.ts';

export type StakeCheck =
  | { ok: true; minor: string }
  | { ok: false; reason: 'empty' | 'invalid' | 'tooLarge' };

/** A stake as typed ("5.50") → minor units ("550"), or why not. */
export function checkStake(text: string, currency: string): StakeCheck {
  if (text.trim() === '') return { ok: false, reason: 'empty' };
  const minor = parseMajorToMinor(text, currencyExponent(currency));
  if (minor === null || minor === '0') return { ok: false, reason: 'invalid' };
  if (!AMOUNT.test(minor)) return { ok: false, reason: 'tooLarge' };
  return { ok: true, minor };
}

/** Potential payout in minor units of `stake` on these legs, or null when not computable. */
export function potentialPayout(stakeMinor: string, legs: readonly Leg[]): bigint | null {
  const prices = legs.map((l) => parseAnyPrice(l.price));
  if (prices.some((p) => p === null)) return null;
  return payout(BigInt(stakeMinor), prices as bigint[]);
}

export interface BetRequest {
  /** The legs' selection ids, which identify the slip lines of this bet. */
  selectionIds: string[];
  /** How the answer renders prices (the leg prices may be in any format). */
  oddsFormat: OddsFormat;
  body: {
    stake: string;
    legs: { selectionId: string; price: string }[];
    acceptPriceChanges: SlipState['policy'];
  };
}

/** The bets the slip asks for, or the lines whose stake is not valid. */
export function betRequests(
  state: SlipState,
  currency: string,
  oddsFormat: OddsFormat = 'decimal',
): { requests: BetRequest[]; invalid: string[] } {
  const toLeg = (l: Leg) => ({ selectionId: l.selectionId, price: l.price });
  if (effectiveMode(state) === 'multiple') {
    const stake = checkStake(state.multipleStake, currency);
    if (!stake.ok) return { requests: [], invalid: ['multiple'] };
    return {
      requests: [
        {
          selectionIds: state.legs.map((l) => l.selectionId),
          oddsFormat,
          body: {
            stake: stake.minor,
            legs: state.legs.map(toLeg),
            acceptPriceChanges: state.policy,
          },
        },
      ],
      invalid: [],
    };
  }
  const requests: BetRequest[] = [];
  const invalid: string[] = [];
  for (const leg of state.legs) {
    const text = state.stakes[leg.selectionId] ?? '';
    const stake = checkStake(text, currency);
    if (stake.ok) {
      requests.push({
        selectionIds: [leg.selectionId],
        oddsFormat,
        body: { stake: stake.minor, legs: [toLeg(leg)], acceptPriceChanges: state.policy },
      });
    } else if (stake.reason !== 'empty' || state.legs.length === 1) {
      invalid.push(leg.selectionId);
    }
  }
  if (requests.length === 0 && invalid.length === 0 && state.legs[0]) {
    invalid.push(state.legs[0].selectionId);
  }
  return { requests, invalid };
}
