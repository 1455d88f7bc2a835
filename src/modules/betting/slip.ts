// Pricing and checking a bet slip: its kind and lines, the legs' current prices and states,
// the player's price-change policy, each-way terms, bet-builder combinations, stake limits
// and the payout cap. The quote shows every problem; placement refuses on the first one and
// checks the balance and liability after it, in its transaction.
import type { Config } from '../../platform/config.ts';
import type { DomainError } from '../../platform/errors.ts';
import { formatPrice } from '../../platform/money.ts';
import type { BetSelection } from '../catalog/index.ts';
import { eventClosed, eventStarted, marketNotOpen } from '../catalog/index.ts';
import {
  builderCombinationForbidden,
  eachWayNotOffered,
  invalidBetType,
  oddsChanged,
  payoutTooHigh,
  sameEventTwice,
  selectionNotFound,
  stakeOutOfRange,
  tooManyLines,
} from './errors.ts';
import { type LiabilityKey, liabilityKeys } from './liability.ts';
import {
  type BetShape,
  builderPrice,
  exactReturn,
  larger,
  placeFactor,
  priceFactor,
  smaller,
} from './pricing.ts';
import { type BetKind, lineCount, MAX_LEGS, MAX_LINES, systemSizes } from './systems.ts';
import type { PriceChangePolicy } from './views.ts';

export interface SlipInput {
  /** Inferred when absent: a system bet if `system` is given, else single or multiple. */
  kind?: BetKind | undefined;
  system?: string | undefined;
  eachWay?: boolean | undefined;
  stakePerLine: bigint;
  /** Requested prices in thousandths. */
  legs: readonly { selectionId: string; price: number }[];
  acceptPriceChanges: PriceChangePolicy;
}

export interface PlayerRisk {
  /** A factor on the maximum stake, in basis points (10000 = 1). */
  stakeFactorBps: number;
  cashOutBlocked: boolean;
}

export const NO_RISK_SETTINGS: PlayerRisk = { stakeFactorBps: 10_000, cashOutBlocked: false };

export interface PricedLeg {
  legNo: number;
  selection: BetSelection;
  requested: number;
  /** The current price: the price the bet is struck at. */
  price: number;
  inPlay: boolean;
}

export interface PricedSlip {
  kind: BetKind;
  system: string | null;
  sizes: number[];
  eachWay: boolean;
  lines: number;
  stakePerLine: bigint;
  totalStake: bigint;
  legs: PricedLeg[];
  builderPrice: number | null;
  /** Payout if every leg wins (and is placed), rounded down. */
  potentialPayout: bigint;
  /** Potential net loss for the house: potential payout − stake. */
  liability: bigint;
  /** A leg is in-play: the bet waits `delaySeconds` as pending. */
  inPlay: boolean;
  delaySeconds: number;
  minStake: bigint;
  /** The largest stake per line the stake limits and the payout cap allow. */
  maxStake: bigint;
  keys: LiabilityKey[];
  shape: BetShape;
  /** Why the bet would be refused, most fundamental first (balance and liability aside). */
  problems: DomainError[];
}

/** Whether the current price is acceptable to a player who asked for `requested`. */
export function priceAcceptable(
  policy: PriceChangePolicy,
  requested: number,
  current: number,
): boolean {
  if (policy === 'any') return true;
  if (policy === 'higher') return current >= requested;
  return current === requested;
}

/** The exact return per unit of stake per line when everything wins: num/den. */
function returnPerUnit(shape: BetShape, legs: readonly PricedLeg[]) {
  const unit = { ...shape, stakePerLine: 1n };
  const place = shape.eachWay
    ? legs.map((l) =>
        l.selection.eachWay ? placeFactor(l.price, l.selection.eachWay) : priceFactor(l.price),
      )
    : undefined;
  return exactReturn(
    unit,
    legs.map((l) => priceFactor(l.price)),
    place,
  );
}

/** The largest stake per line whose payout, rounded down, stays within `maxPayout`. */
export function maxStakeForPayout(
  perUnit: { num: bigint; den: bigint },
  maxPayout: bigint,
): bigint {
  // floor(s · num/den) ≤ M  ⇔  s · num < (M + 1) · den
  return ((maxPayout + 1n) * perUnit.den - 1n) / perUnit.num;
}

/**
 * The largest stake per line whose potential net loss (payout − stake) fits in `room`, given
 * the exact return per unit and the lines: floor(s·R) − s·L ≤ room.
 */
export function maxStakeForLiability(
  perUnit: { num: bigint; den: bigint },
  lines: number,
  room: bigint,
): bigint {
  const net = perUnit.num - BigInt(lines) * perUnit.den; // (R − L) · den
  if (net <= 0n) return BigInt(Number.MAX_SAFE_INTEGER);
  let s = ((room + 1n) * perUnit.den) / net;
  // floor(s·R) − s·L ≤ room; step down the rounding's last unit.
  while (s > 0n && (s * perUnit.num) / perUnit.den - s * BigInt(lines) > room) s -= 1n;
  return s;
}

export function priceSlip(
  input: SlipInput,
  selections: readonly BetSelection[],
  limits: Config['limits'],
  risk: PlayerRisk,
): PricedSlip {
  const problems: DomainError[] = [];
  const byId = new Map(selections.map((s) => [s.selectionId, s]));
  const kind: BetKind =
    input.kind ??
    (input.system !== undefined ? 'system' : input.legs.length === 1 ? 'single' : 'multiple');
  const eachWay = input.eachWay === true;

  // The kind and its lines.
  let sizes: number[] = [kind === 'single' ? 1 : input.legs.length];
  const n = input.legs.length;
  if (input.system !== undefined && kind !== 'system')
    problems.push(invalidBetType('Only a system bet names a system.'));
  if (kind === 'single' && n !== 1) problems.push(invalidBetType('A single has one selection.'));
  if ((kind === 'multiple' || kind === 'builder') && n < 2)
    problems.push(
      invalidBetType(
        `A ${kind === 'builder' ? 'bet builder' : 'multiple'} has at least two selections.`,
      ),
    );
  if (n > MAX_LEGS) problems.push(invalidBetType(`A bet has at most ${MAX_LEGS} selections.`));
  if (kind === 'system') {
    const system = systemSizes(input.system ?? '', n);
    if ('problem' in system) problems.push(invalidBetType(system.problem));
    else sizes = system.sizes;
  }
  if (kind === 'builder' && eachWay)
    problems.push(invalidBetType('A bet builder is not each-way.'));
  const lines = lineCount(n, sizes, eachWay);
  if (lines > MAX_LINES) problems.push(tooManyLines(lines, MAX_LINES));

  // The legs as they stand.
  const legs: PricedLeg[] = [];
  const missing = input.legs.filter((l) => !byId.has(l.selectionId));
  for (const leg of missing) problems.push(selectionNotFound(leg.selectionId));
  const events = new Set<string>();
  const changed: { selectionId: string; requested: string; current: string }[] = [];
  let duplicateEvent = false;
  for (const [i, leg] of input.legs.entries()) {
    const selection = byId.get(leg.selectionId);
    if (!selection) continue;
    if (kind !== 'builder') {
      if (events.has(selection.eventId)) duplicateEvent = true;
      events.add(selection.eventId);
    }
    const live = selection.eventStatus === 'live' || selection.started;
    if (selection.marketStatus !== 'open') {
      problems.push(marketNotOpen(selection.marketId, selection.marketStatus));
    } else if (selection.eventStatus === 'ended' || selection.eventStatus === 'cancelled') {
      problems.push(eventClosed(selection.eventId, selection.eventStatus));
    } else if (live && !selection.inPlay) {
      problems.push(eventStarted(selection.eventId));
    }
    if (!priceAcceptable(input.acceptPriceChanges, leg.price, selection.price)) {
      changed.push({
        selectionId: leg.selectionId,
        requested: formatPrice(leg.price),
        current: formatPrice(selection.price),
      });
    }
    if (eachWay && !selection.eachWay) problems.push(eachWayNotOffered(selection.selectionId));
    legs.push({
      legNo: i + 1,
      selection,
      requested: leg.price,
      price: selection.price,
      inPlay: live,
    });
  }
  if (duplicateEvent) problems.push(sameEventTwice());
  if (changed.length > 0) problems.push(oddsChanged(changed));

  // A bet builder: one event, different markets, no combination its markets forbid.
  let builder: number | null = null;
  if (kind === 'builder' && legs.length === n && n >= 2) {
    const ids = legs.map((l) => l.selection.selectionId);
    if (new Set(legs.map((l) => l.selection.eventId)).size > 1) {
      problems.push(invalidBetType("A bet builder's selections are all from one event."));
    } else if (new Set(legs.map((l) => l.selection.marketId)).size < n) {
      problems.push(builderCombinationForbidden('two selections of one market.', ids));
    } else if (legs.some((l) => !l.selection.builderEnabled)) {
      problems.push(
        builderCombinationForbidden(
          'a market is not offered in bet builders.',
          legs.filter((l) => !l.selection.builderEnabled).map((l) => l.selection.selectionId),
        ),
      );
    } else {
      for (const a of legs) {
        const clash = legs.find(
          (b) =>
            b !== a &&
            (a.selection.correlatedWith.includes(b.selection.marketType) ||
              b.selection.correlatedWith.includes(a.selection.marketType)),
        );
        if (clash) {
          problems.push(
            builderCombinationForbidden(
              `${a.selection.marketName} and ${clash.selection.marketName} are correlated.`,
              [a.selection.selectionId, clash.selection.selectionId],
            ),
          );
          break;
        }
      }
    }
    builder = builderPrice(
      legs.map((l) => l.price),
      legs[0]!.selection.builderMarginBps,
    );
  }

  // Stakes, payout and liability.
  const shape: BetShape = {
    kind,
    sizes,
    eachWay,
    stakePerLine: input.stakePerLine,
    builderPrice: builder,
    prices: legs.map((l) => l.price),
  };
  const complete = legs.length === n && !problems.some((p) => p.code === 'invalid_bet_type');
  const eachWayOk = !eachWay || legs.every((l) => l.selection.eachWay);
  const perUnit =
    complete && eachWayOk && lines <= MAX_LINES ? returnPerUnit(shape, legs) : { num: 1n, den: 1n };
  const potentialPayout = (input.stakePerLine * perUnit.num) / perUnit.den;
  const totalStake = input.stakePerLine * BigInt(lines);

  const minOf = (values: bigint[], fallback: bigint) =>
    values.length === 0 ? fallback : values.reduce(smaller);
  const maxOf = (values: bigint[], fallback: bigint) =>
    values.length === 0 ? fallback : values.reduce(larger);
  const minStake = maxOf(
    legs.map((l) => l.selection.minStake ?? limits.minStake),
    limits.minStake,
  );
  const limitMax = minOf(
    legs.map((l) => l.selection.maxStake ?? limits.maxStake),
    limits.maxStake,
  );
  const factoredMax = (limitMax * BigInt(risk.stakeFactorBps)) / 10_000n;
  const payoutMax = maxStakeForPayout(perUnit, limits.maxPayout);
  const maxStake = factoredMax < payoutMax ? factoredMax : payoutMax;
  if (input.stakePerLine < minStake || input.stakePerLine > factoredMax) {
    problems.push(stakeOutOfRange(minStake, factoredMax));
  } else if (potentialPayout > limits.maxPayout) {
    problems.push(payoutTooHigh(limits.maxPayout, maxStake));
  }

  const inPlay = legs.some((l) => l.inPlay);
  const delaySeconds = Math.max(
    0,
    ...legs.filter((l) => l.inPlay).map((l) => l.selection.delaySeconds),
  );
  return {
    kind,
    system: kind === 'system' ? (input.system ?? null) : null,
    sizes,
    eachWay,
    lines,
    stakePerLine: input.stakePerLine,
    totalStake,
    legs,
    builderPrice: builder,
    potentialPayout,
    liability: potentialPayout > totalStake ? potentialPayout - totalStake : 0n,
    inPlay,
    delaySeconds,
    minStake,
    maxStake,
    keys: liabilityKeys(
      legs.map((l) => ({
        selectionId: l.selection.selectionId,
        marketId: l.selection.marketId,
        maxSelectionLiability: l.selection.maxSelectionLiability,
        maxMarketLiability: l.selection.maxMarketLiability,
      })),
    ),
    shape,
    problems,
  };
}

/** The exact return per unit of stake per line (for reoffers), exported for the quote. */
export const perUnitReturn = (slip: PricedSlip) => returnPerUnit(slip.shape, slip.legs);
