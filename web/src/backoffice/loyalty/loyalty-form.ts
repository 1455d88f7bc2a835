// The loyalty scheme's form, without the DOM: the scheme as the API sends it becomes text
// fields, and the fields become the PUT body — or, before anything is sent, the errors the
// server would answer (the same checks as the route's schema and src/modules/promotions/
// loyalty.ts). Errors are keyed by the body's path ("rates/0/pointsPerHundred"), as the
// server's validation errors are, so both show beside the same field.
import type { Body, Result } from '../../api/operations.ts';
import type { MessageKey } from '../../lib/messages/en.ts';
import { minorToDecimal, parseMajorToMinor, priceToThousandths } from '../../lib/money.ts';

export type LoyaltyConfig = Result<'GET /api/v1/admin/loyalty'>;
export type LoyaltyBody = Body<'PUT /api/v1/admin/loyalty'>;
export type BetKind = 'single' | 'multiple' | 'system' | 'builder';
export const BET_KINDS: readonly BetKind[] = ['single', 'multiple', 'system', 'builder'];

export interface RateDraft {
  /** '' is every sport. */
  sportId: string;
  /** '' is every bet kind. */
  betKind: '' | BetKind;
  pointsPerHundred: string;
}

export interface TierDraft {
  name: string;
  minPoints: string;
  /** The multiplier on earned points as a decimal: "1.25" is multiplierBps 12500. */
  multiplier: string;
}

export interface LoyaltyDraft {
  rates: RateDraft[];
  tiers: TierDraft[];
  redemption: {
    pointsPerHundred: string;
    minRedeemPoints: string;
    freeBetExpiryDays: string;
    /** Decimal odds, '' for none. */
    freeBetMinOdds: string;
    bonusWageringMultiplier: string;
    bonusExpiryDays: string;
  };
}

export type LoyaltyErrors = Record<string, MessageKey>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const POINTS = /^(0|[1-9][0-9]{0,14})$/;

/** A whole number from min to max typed as text, else null. */
export function parseWhole(text: string, min: number, max: number): number | null {
  const trimmed = text.trim();
  if (!/^[0-9]{1,9}$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return value >= min && value <= max ? value : null;
}

/** "1.25" → 12500 basis points of ×1; null if not a multiplier with at most 4 decimals. */
export function multiplierToBps(text: string): number | null {
  const minor = parseMajorToMinor(text, 4);
  if (minor === null || minor.length > 9) return null;
  return Number(minor);
}

export function bpsToMultiplier(bps: number): string {
  return minorToDecimal(String(bps), 4).replace(/0+$/, '').replace(/\.$/, '');
}

export function draftFromConfig(config: LoyaltyConfig): LoyaltyDraft {
  return {
    rates: config.rates.map((r) => ({
      sportId: r.sportId ?? '',
      betKind: r.betKind ?? '',
      pointsPerHundred: String(r.pointsPerHundred),
    })),
    tiers: config.tiers.map((t) => ({
      name: t.name,
      minPoints: t.minPoints,
      multiplier: bpsToMultiplier(t.multiplierBps),
    })),
    redemption: {
      pointsPerHundred: String(config.redemption.pointsPerHundred),
      minRedeemPoints: config.redemption.minRedeemPoints,
      freeBetExpiryDays: String(config.redemption.freeBetExpiryDays),
      freeBetMinOdds:
        config.redemption.freeBetMinOdds === null
          ? ''
          : minorToDecimal(String(config.redemption.freeBetMinOdds), 3),
      bonusWageringMultiplier: String(config.redemption.bonusWageringMultiplier),
      bonusExpiryDays: String(config.redemption.bonusExpiryDays),
    },
  };
}

/** The PUT body, or the errors by field path when the scheme would be refused. */
export function loyaltyBody(
  draft: LoyaltyDraft,
): { ok: true; body: LoyaltyBody } | { ok: false; errors: LoyaltyErrors } {
  const errors: LoyaltyErrors = {};
  const rates: LoyaltyBody['rates'] = [];
  const seenRates = new Set<string>();
  if (draft.rates.length === 0 || draft.rates.length > 500)
    errors.rates = 'loyalty.error.rateCount';
  draft.rates.forEach((rate, i) => {
    const sportId = rate.sportId.trim();
    if (sportId !== '' && !UUID.test(sportId)) errors[`rates/${i}/sportId`] = 'loyalty.error.sport';
    const points = parseWhole(rate.pointsPerHundred, 0, 100_000);
    if (points === null) errors[`rates/${i}/pointsPerHundred`] = 'loyalty.error.rate';
    const key = `${sportId.toLowerCase()}:${rate.betKind}`;
    if (seenRates.has(key)) errors[`rates/${i}/betKind`] = 'loyalty.error.duplicateRate';
    seenRates.add(key);
    rates.push({
      sportId: sportId === '' ? null : sportId,
      betKind: rate.betKind === '' ? null : rate.betKind,
      pointsPerHundred: points ?? 0,
    });
  });
  if (draft.rates.length > 0 && !seenRates.has(':')) errors.rates = 'loyalty.error.defaultRate';

  const tiers: LoyaltyBody['tiers'] = [];
  const seenTiers = new Set<string>();
  if (draft.tiers.length === 0 || draft.tiers.length > 20) errors.tiers = 'loyalty.error.tierCount';
  draft.tiers.forEach((tier, i) => {
    const name = tier.name.trim();
    if (name === '' || name.length > 40) errors[`tiers/${i}/name`] = 'loyalty.error.tierName';
    const minPoints = tier.minPoints.trim();
    if (!POINTS.test(minPoints)) errors[`tiers/${i}/minPoints`] = 'loyalty.error.points';
    else if (seenTiers.has(minPoints))
      errors[`tiers/${i}/minPoints`] = 'loyalty.error.duplicateTier';
    seenTiers.add(minPoints);
    const bps = multiplierToBps(tier.multiplier);
    if (bps === null || bps > 100_000)
      errors[`tiers/${i}/multiplierBps`] = 'loyalty.error.multiplier';
    tiers.push({ name, minPoints, multiplierBps: bps ?? 0 });
  });
  if (draft.tiers.length > 0 && !seenTiers.has('0')) errors.tiers = 'loyalty.error.zeroTier';

  const r = draft.redemption;
  const pointsPerHundred = parseWhole(r.pointsPerHundred, 1, 1_000_000);
  if (pointsPerHundred === null) errors['redemption/pointsPerHundred'] = 'loyalty.error.redeemRate';
  const minRedeemPoints = r.minRedeemPoints.trim();
  if (!POINTS.test(minRedeemPoints) || minRedeemPoints === '0')
    errors['redemption/minRedeemPoints'] = 'loyalty.error.minRedeem';
  const freeBetExpiryDays = parseWhole(r.freeBetExpiryDays, 1, 365);
  if (freeBetExpiryDays === null) errors['redemption/freeBetExpiryDays'] = 'loyalty.error.days';
  let freeBetMinOdds: number | null = null;
  if (r.freeBetMinOdds.trim() !== '') {
    const price = priceToThousandths(r.freeBetMinOdds.trim());
    if (price === null || price < 1001n || price > 1_000_000n)
      errors['redemption/freeBetMinOdds'] = 'loyalty.error.odds';
    else freeBetMinOdds = Number(price);
  }
  const bonusWageringMultiplier = parseWhole(r.bonusWageringMultiplier, 0, 100);
  if (bonusWageringMultiplier === null)
    errors['redemption/bonusWageringMultiplier'] = 'loyalty.error.wagering';
  const bonusExpiryDays = parseWhole(r.bonusExpiryDays, 1, 365);
  if (bonusExpiryDays === null) errors['redemption/bonusExpiryDays'] = 'loyalty.error.days';

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    body: {
      rates,
      tiers,
      redemption: {
        pointsPerHundred: pointsPerHundred ?? 1,
        minRedeemPoints,
        freeBetExpiryDays: freeBetExpiryDays ?? 1,
        freeBetMinOdds,
        bonusWageringMultiplier: bonusWageringMultiplier ?? 0,
        bonusExpiryDays: bonusExpiryDays ?? 1,
      },
    },
  };
}
