// Quoting a bet slip: what the bet would be — kind, lines, total stake, current prices,
// potential payout, the stake range the player may bet — and every reason it would be refused
// now (the balance and the liability left included). Nothing is written and nothing locked;
// placement checks all of it again in its transaction.
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import { formatPrice } from '../../platform/money.ts';
import { selectionsForBetting } from '../catalog/index.ts';
import { type BetPromotionOptions, boostedSelections } from '../promotions/index.ts';
import { getWallet, insufficientFunds } from '../wallet/index.ts';
import { liabilityLimitReached } from './errors.ts';
import { exposureOf } from './liability.ts';
import { playerRisk } from './risk.ts';
import { maxStakeForLiability, perUnitReturn, priceSlip, type SlipInput } from './slip.ts';
import type { BetKind } from './systems.ts';
import { combinedPrice } from './views.ts';

const STATUS: Record<DomainError['kind'], number> = {
  invalid: 422,
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_many: 429,
  unavailable: 503,
};

export interface QuoteView {
  kind: BetKind;
  system: string | null;
  eachWay: boolean;
  lines: number;
  stakePerLine: string;
  totalStake: string;
  price: string | null;
  potentialPayout: string;
  currency: string;
  minStake: string;
  /** The largest stake per line that would be accepted now (0: none). */
  maxStake: string;
  inPlay: boolean;
  delaySeconds: number;
  acceptable: boolean;
  refusals: ({ code: string; status: number; detail: string } & Record<string, unknown>)[];
  legs: {
    selectionId: string;
    marketId: string;
    eventId: string;
    eventName: string;
    marketName: string;
    selectionName: string;
    price: string;
    requestedPrice: string;
    marketStatus: string;
    inPlay: boolean;
    eachWay: { places: number; fraction: string } | null;
  }[];
}

export async function quoteBetSlip(
  deps: { db: Db; limits: Config['limits'] },
  playerId: string,
  input: SlipInput & BetPromotionOptions,
): Promise<QuoteView> {
  const { db } = deps;
  const wallet = await getWallet(db, playerId);
  const balance = BigInt(wallet.balance);
  const risk = await playerRisk(db, playerId);
  const listed = await selectionsForBetting(
    db,
    input.legs.map((l) => l.selectionId),
  );
  // An odds boost prices its selection at the boosted price; a boost refused is a refusal.
  let selections = listed;
  const refusedBoost: DomainError[] = [];
  if (input.boostId) {
    selections = await boostedSelections(db, playerId, input.boostId, listed).catch((error) => {
      if (!(error instanceof DomainError)) throw error;
      refusedBoost.push(error);
      return listed;
    });
  }
  const slip = priceSlip(input, selections, deps.limits, risk);
  const problems = [...refusedBoost, ...slip.problems];
  let maxStake = slip.maxStake;
  const complete =
    slip.legs.length === input.legs.length &&
    !problems.some(
      (p) =>
        p.code === 'invalid_bet_type' ||
        p.code === 'too_many_lines' ||
        p.code === 'each_way_not_offered',
    );
  if (complete) {
    // The liability still free on each selection and market, shared by everyone's bets.
    const exposure = await exposureOf(db, slip.keys);
    const perUnit = perUnitReturn(slip);
    for (const key of slip.keys) {
      if (key.cap === null) continue;
      const used = exposure.get(`${key.scope}:${key.id}`) ?? 0n;
      const room = key.cap > used ? key.cap - used : 0n;
      const byLiability = maxStakeForLiability(perUnit, slip.lines, room);
      if (byLiability < maxStake) maxStake = byLiability;
    }
    if (input.stakePerLine <= slip.maxStake && input.stakePerLine > maxStake)
      problems.push(liabilityLimitReached(maxStake));
  }
  if (maxStake < slip.minStake) maxStake = 0n;
  // A free bet or bonus funds are checked when the bet is placed.
  if (balance < slip.totalStake && !input.freeBetId && !input.useBonus)
    problems.push(insufficientFunds(balance));
  const price = complete
    ? combinedPrice(
        slip.kind,
        slip.legs.map((l) => l.price),
        slip.builderPrice,
      )
    : null;
  return {
    kind: slip.kind,
    system: slip.system,
    eachWay: slip.eachWay,
    lines: slip.lines,
    stakePerLine: slip.stakePerLine.toString(),
    totalStake: slip.totalStake.toString(),
    price: price === null ? null : formatPrice(price),
    potentialPayout: slip.potentialPayout.toString(),
    currency: wallet.currency,
    minStake: slip.minStake.toString(),
    maxStake: (maxStake < 0n ? 0n : maxStake).toString(),
    inPlay: slip.inPlay,
    delaySeconds: slip.inPlay ? slip.delaySeconds : 0,
    acceptable: problems.length === 0,
    refusals: problems.map((p) => ({
      ...p.details,
      code: p.code,
      status: STATUS[p.kind],
      detail: p.message,
    })),
    legs: slip.legs.map((l) => ({
      selectionId: l.selection.selectionId,
      marketId: l.selection.marketId,
      eventId: l.selection.eventId,
      eventName: l.selection.eventName,
      marketName: l.selection.marketName,
      selectionName: l.selection.selectionName,
      price: formatPrice(l.price),
      requestedPrice: formatPrice(l.requested),
      marketStatus: l.selection.marketStatus,
      inPlay: l.inPlay,
      eachWay: l.selection.eachWay
        ? {
            places: l.selection.eachWay.places,
            fraction: `${l.selection.eachWay.num}/${l.selection.eachWay.den}`,
          }
        : null,
    })),
  };
}
