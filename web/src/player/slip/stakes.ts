// The slip's arithmetic, without the network: stakes as typed → minor units, potential
// payouts (BigInt, exactly as the server computes them), and the bets the slip asks for.
import { AMOUNT, currencyExponent, parseMajorToMinor, payout } from '../../lib/money.ts';
import { type OddsFormat, parseAnyPrice, renderPrice } from '../../lib/odds.ts';
import { type Boost, boostApplied } from './boosts.ts';
import {
  canEachWay,
  effectiveMode,
  effectiveSystem,
  type Leg,
  type SlipState,
} from './slip-state.ts';

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
    /** Per line: the whole stake of a single, multiple or builder; each line of a system. */
    stake: string;
    legs: { selectionId: string; price: string }[];
    acceptPriceChanges: SlipState['policy'];
    kind?: 'system' | 'builder';
    system?: string;
    eachWay?: boolean;
    useBonus?: boolean;
    freeBetId?: string;
    /** An odds boost taken: the leg is sent at its boosted price. */
    boostId?: string;
  };
}

/** What pays the stake of a bet: bonus money after cash, or a free bet (one bet only). */
export function fundingOf(
  state: SlipState,
  oneBet: boolean,
): { useBonus?: boolean; freeBetId?: string } {
  const funding = state.funding ?? 'cash';
  if (funding === 'bonus') return { useBonus: true };
  if (funding.startsWith('free:') && oneBet) return { freeBetId: funding.slice(5) };
  return {};
}

/** The slip's combined bet (multiple, system or builder) without its stake, or null for singles. */
export function combinedBody(
  state: SlipState,
): Omit<BetRequest['body'], 'stake' | 'acceptPriceChanges'> | null {
  const mode = effectiveMode(state);
  if (mode === 'singles') return null;
  const legs = state.legs.map((l) => ({ selectionId: l.selectionId, price: l.price }));
  const eachWay = state.eachWay && canEachWay(state.legs, mode) ? { eachWay: true } : {};
  const funding = fundingOf(state, true);
  if (mode === 'system') {
    const system = effectiveSystem(state);
    return system ? { legs, kind: 'system', system, ...eachWay, ...funding } : null;
  }
  if (mode === 'builder') return { legs, kind: 'builder', ...funding };
  return { legs, ...eachWay, ...funding };
}

/**
 * The body of one single on this leg (each-way when asked for and offered); with an odds boost
 * taken, its id and the boosted price (decimal, which the API always reads).
 */
export function singleBody(
  state: SlipState,
  leg: Leg,
  boost?: Boost,
): Omit<BetRequest['body'], 'stake' | 'acceptPriceChanges'> {
  const price = boost ? renderPrice(boost.price, 'decimal') : leg.price;
  return {
    legs: [{ selectionId: leg.selectionId, price }],
    ...(state.eachWay && leg.eachWay ? { eachWay: true } : {}),
    ...fundingOf(state, state.legs.length === 1),
    ...(boost ? { boostId: boost.id } : {}),
  };
}

/** The bets the slip asks for, or the lines whose stake is not valid. */
export function betRequests(
  state: SlipState,
  currency: string,
  oddsFormat: OddsFormat = 'decimal',
  boosts: readonly Boost[] = [],
): { requests: BetRequest[]; invalid: string[] } {
  const combined = combinedBody(state);
  if (combined) {
    const stake = checkStake(state.multipleStake, currency);
    if (!stake.ok) return { requests: [], invalid: ['multiple'] };
    return {
      requests: [
        {
          selectionIds: state.legs.map((l) => l.selectionId),
          oddsFormat,
          body: { stake: stake.minor, ...combined, acceptPriceChanges: state.policy },
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
        body: {
          stake: stake.minor,
          ...singleBody(state, leg, boostApplied(state, leg, boosts)),
          acceptPriceChanges: state.policy,
        },
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
