// The new-promotion form without the DOM: text fields for every kind (free bet, bonus money,
// deposit bonus, odds boost, acca bonus) and the campaign's eligibility become the POST body —
// money typed in major units of the promotion's currency, percentages as basis points, the
// acca table's rows as `percentBpsByLegs` — or the errors the server would answer
// (src/modules/promotions/promotion.ts), keyed by the body's path ("terms/amount") as the
// server's validation errors and `field` are, so both show beside the same control.
import type { Body } from '../../api/operations.ts';
import {
  AMOUNT,
  currencyExponent,
  parseMajorToMinor,
  priceToThousandths,
} from '../../lib/money.ts';

export type PromotionBody = Body<'POST /api/v1/admin/promotions'>;
export type PromotionKind = PromotionBody['kind'];
export type PromotionTerms = PromotionBody['terms'];

export const PROMOTION_KINDS: readonly { value: PromotionKind; label: string }[] = [
  { value: 'free_bet', label: 'Free bet' },
  { value: 'bonus', label: 'Bonus money' },
  { value: 'deposit_bonus', label: 'Deposit bonus' },
  { value: 'odds_boost', label: 'Odds boost' },
  { value: 'acca_bonus', label: 'Acca bonus' },
];

/** Kinds that award something (a free bet or bonus funds), so a budget and a cap apply. */
export const awards = (kind: PromotionKind) =>
  kind === 'free_bet' || kind === 'bonus' || kind === 'deposit_bonus';

export interface AccaRow {
  /** Number of winning legs, 2 to 20. */
  legs: string;
  /** Percent of the winnings: "5" or "12.5". */
  percent: string;
}

export interface PromotionDraft {
  kind: PromotionKind;
  name: string;
  description: string;
  currency: string;
  /** `datetime-local` text in the browser's time zone: "2026-12-01T18:00". */
  startsAt: string;
  endsAt: string;
  optIn: boolean;
  /** Free bet and bonus money, major units. */
  amount: string;
  /** Decimal odds, '' for none (free bet, bonus money, deposit bonus). */
  minOdds: string;
  expiryDays: string;
  wageringMultiplier: string;
  forfeitOnWithdrawal: boolean;
  /** Free bets only: sport ids and market types it may be staked on; none is every one. */
  sports: string[];
  marketTypes: string[];
  /** Deposit bonus: percent of the deposit, and its bounds in major units. */
  percent: string;
  maxBonus: string;
  minDeposit: string;
  /** Odds boost: the chosen selection, its current decimal price ('' if unknown). */
  selectionId: string;
  currentPrice: string;
  boostedPrice: string;
  maxStake: string;
  /** Acca bonus. */
  minLegOdds: string;
  acca: AccaRow[];
  /** Eligibility and caps: comma lists, and optional whole numbers or amounts. */
  segments: string;
  countries: string;
  newPlayersDays: string;
  perPlayer: string;
  maxAwards: string;
  budget: string;
}

/** Field path → what is wrong with it. */
export type PromotionErrors = Record<string, string>;

/** A `datetime-local` value for a date, in the browser's time zone. */
export const localDateTime = (date: Date) =>
  new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

export function emptyPromotion(now = new Date(), currency = 'EUR'): PromotionDraft {
  return {
    kind: 'free_bet',
    name: '',
    description: '',
    currency,
    startsAt: localDateTime(now),
    endsAt: localDateTime(new Date(now.getTime() + 7 * 86_400_000)),
    optIn: true,
    amount: '5.00',
    minOdds: '1.50',
    expiryDays: '7',
    wageringMultiplier: '5',
    forfeitOnWithdrawal: true,
    sports: [],
    marketTypes: [],
    percent: '100',
    maxBonus: '50.00',
    minDeposit: '10.00',
    selectionId: '',
    currentPrice: '',
    boostedPrice: '',
    maxStake: '10.00',
    minLegOdds: '1.20',
    acca: [
      { legs: '3', percent: '5' },
      { legs: '5', percent: '10' },
    ],
    segments: '',
    countries: '',
    newPlayersDays: '',
    perPlayer: '1',
    maxAwards: '',
    budget: '',
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SEGMENT = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const COUNTRY = /^[A-Z]{2}$/;

/** A whole number from min to max typed as text, else null. */
export function parseWhole(text: string, min: number, max: number): number | null {
  const trimmed = text.trim();
  if (!/^[0-9]{1,10}$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return value >= min && value <= max ? value : null;
}

/** "12.5" (%) → 1250 basis points; null unless 0.01 to 1000 % with at most two decimals. */
export function percentToBps(text: string): number | null {
  const minor = parseMajorToMinor(text, 2);
  if (minor === null || minor.length > 6) return null;
  const bps = Number(minor);
  return bps >= 1 && bps <= 100_000 ? bps : null;
}

/** Decimal odds above 1 and at most 1000, a comma read as the decimal point: "1,5" → "1.5". */
export function parseOdds(text: string): string | null {
  const trimmed = text.trim().replace(',', '.');
  const thousandths = priceToThousandths(trimmed);
  return thousandths !== null && thousandths > 1000n && thousandths <= 1_000_000n ? trimmed : null;
}

/** "vip, high-rollers" → ["vip", "high-rollers"]: split on commas or spaces, no repeats. */
export function commaList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,;]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/** The POST body of a new promotion, or the errors by field when it would be refused. */
export function promotionBody(
  draft: PromotionDraft,
): { ok: true; body: PromotionBody } | { ok: false; errors: PromotionErrors } {
  const errors: PromotionErrors = {};
  const name = draft.name.trim();
  if (name === '' || name.length > 120) errors.name = 'A name of 1 to 120 characters.';
  const description = draft.description.trim();
  if (description.length > 2000) errors.description = 'At most 2,000 characters.';
  const currency = draft.currency.trim().toUpperCase();
  let exponent = 2;
  try {
    if (!/^[A-Z]{3}$/.test(currency)) throw new RangeError(currency);
    exponent = currencyExponent(currency);
  } catch {
    errors.currency = 'A three-letter ISO currency code, e.g. EUR.';
  }
  const starts = new Date(draft.startsAt);
  const ends = new Date(draft.endsAt);
  if (Number.isNaN(starts.getTime())) errors.startsAt = 'A date and time.';
  if (Number.isNaN(ends.getTime())) errors.endsAt = 'A date and time.';
  else if (!errors.startsAt && ends <= starts) errors.endsAt = 'After the start.';

  const money = (text: string, field: string, optional = false): string | undefined => {
    if (optional && text.trim() === '') return undefined;
    const minor = parseMajorToMinor(text, exponent);
    if (minor === null || !AMOUNT.test(minor)) {
      errors[field] =
        exponent === 0
          ? `A whole amount in ${currency || 'the currency'} above 0.`
          : `An amount in ${currency || 'the currency'} above 0, at most ${exponent} decimals.`;
      return undefined;
    }
    return minor;
  };
  const odds = (text: string, field: string, optional: boolean): string | undefined => {
    if (optional && text.trim() === '') return undefined;
    const price = parseOdds(text);
    if (price === null) {
      errors[field] = `Decimal odds above 1 and up to 1000${optional ? ', or empty' : ''}.`;
      return undefined;
    }
    return price;
  };
  const whole = (text: string, field: string, min: number, max: number, message: string) => {
    const value = parseWhole(text, min, max);
    if (value === null) errors[field] = message;
    return value ?? undefined;
  };
  const days = (text: string) =>
    whole(text, 'terms/expiryDays', 1, 365, 'A whole number of days from 1 to 365.');
  const wagering = (text: string) =>
    whole(text, 'terms/wageringMultiplier', 0, 100, 'A whole number from 0 to 100.');

  let terms: PromotionTerms = {};
  // Every kind that awards a free bet or bonus funds may ask for minimum odds.
  const optionalMinOdds = awards(draft.kind)
    ? odds(draft.minOdds, 'terms/minOdds', true)
    : undefined;
  switch (draft.kind) {
    case 'free_bet': {
      terms = {
        amount: money(draft.amount, 'terms/amount'),
        expiryDays: days(draft.expiryDays),
        minOdds: optionalMinOdds,
      };
      const sports = draft.sports.filter(Boolean);
      if (sports.some((id) => !UUID.test(id))) errors['terms/sports'] = 'Choose sports listed.';
      else if (sports.length > 50) errors['terms/sports'] = 'At most 50 sports.';
      else if (sports.length > 0) terms.sports = sports;
      const types = draft.marketTypes.map((t) => t.trim()).filter(Boolean);
      if (types.some((t) => t.length > 60) || types.length > 50)
        errors['terms/marketTypes'] = 'At most 50 market types of up to 60 characters.';
      else if (types.length > 0) terms.marketTypes = types;
      break;
    }
    case 'bonus':
      terms = {
        amount: money(draft.amount, 'terms/amount'),
        wageringMultiplier: wagering(draft.wageringMultiplier),
        expiryDays: days(draft.expiryDays),
        minOdds: optionalMinOdds,
        forfeitOnWithdrawal: draft.forfeitOnWithdrawal,
      };
      break;
    case 'deposit_bonus': {
      const bps = percentToBps(draft.percent);
      if (bps === null)
        errors['terms/percentBps'] = 'A percentage from 0.01 to 1000, at most 2 decimals.';
      terms = {
        percentBps: bps ?? undefined,
        maxBonus: money(draft.maxBonus, 'terms/maxBonus'),
        minDeposit: money(draft.minDeposit, 'terms/minDeposit'),
        wageringMultiplier: wagering(draft.wageringMultiplier),
        expiryDays: days(draft.expiryDays),
        minOdds: optionalMinOdds,
        forfeitOnWithdrawal: draft.forfeitOnWithdrawal,
      };
      break;
    }
    case 'odds_boost': {
      if (!UUID.test(draft.selectionId)) errors['terms/selectionId'] = 'Choose a selection.';
      const boosted = odds(draft.boostedPrice, 'terms/boostedPrice', false);
      const current = priceToThousandths(draft.currentPrice.trim());
      if (boosted !== undefined && current !== null && priceToThousandths(boosted)! <= current)
        errors['terms/boostedPrice'] =
          `Above the current price (${draft.currentPrice.trim()}): players are offered only a better one.`;
      terms = {
        selectionId: draft.selectionId,
        boostedPrice: boosted,
        maxStake: money(draft.maxStake, 'terms/maxStake'),
      };
      break;
    }
    case 'acca_bonus': {
      const table: Record<string, number> = {};
      const seen = new Set<number>();
      draft.acca.forEach((row, i) => {
        const legs = parseWhole(row.legs, 2, 20);
        const bps = percentToBps(row.percent);
        if (legs === null) errors[`acca/${i}/legs`] = 'From 2 to 20 legs.';
        else if (seen.has(legs)) errors[`acca/${i}/legs`] = 'Another row has these legs.';
        if (bps === null)
          errors[`acca/${i}/percent`] = 'A percentage from 0.01 to 1000, at most 2 decimals.';
        if (legs !== null) seen.add(legs);
        if (legs !== null && bps !== null) table[String(legs)] ??= bps;
      });
      if (draft.acca.length === 0)
        errors['terms/percentBpsByLegs'] = 'At least one row of legs and a percentage.';
      terms = {
        minLegOdds: odds(draft.minLegOdds, 'terms/minLegOdds', false),
        percentBpsByLegs: table,
      };
      break;
    }
  }

  const body: PromotionBody = {
    kind: draft.kind,
    name,
    currency,
    startsAt: errors.startsAt ? draft.startsAt : starts.toISOString(),
    endsAt: errors.endsAt ? draft.endsAt : ends.toISOString(),
    optIn: draft.optIn,
    terms: Object.fromEntries(
      Object.entries(terms).filter(([, v]) => v !== undefined),
    ) as PromotionTerms,
  };
  if (description) body.description = description;

  const segments = commaList(draft.segments.toLowerCase());
  if (segments.some((s) => !SEGMENT.test(s)))
    errors.segments = 'Segment names: lower-case letters, digits, - and _, up to 40 characters.';
  else if (segments.length > 20) errors.segments = 'At most 20 segments.';
  else if (segments.length > 0) body.segments = segments;
  const countries = commaList(draft.countries.toUpperCase());
  if (countries.some((c) => !COUNTRY.test(c)))
    errors.countries = 'Two-letter ISO country codes, e.g. GB, IE.';
  else if (countries.length > 0) body.countries = countries;
  if (draft.newPlayersDays.trim() !== '')
    body.newPlayersDays = whole(
      draft.newPlayersDays,
      'newPlayersDays',
      1,
      3650,
      'A whole number of days from 1 to 3650, or empty.',
    );
  // An acca bonus is paid on every qualifying multiple: it has no count per player.
  if (draft.kind !== 'acca_bonus' && draft.perPlayer.trim() !== '')
    body.perPlayer = whole(draft.perPlayer, 'perPlayer', 1, 1000, 'A whole number from 1 to 1000.');
  if (awards(draft.kind)) {
    if (draft.maxAwards.trim() !== '')
      body.maxAwards = whole(
        draft.maxAwards,
        'maxAwards',
        1,
        2_147_483_647,
        'A whole number above 0, or empty.',
      );
    body.budget = money(draft.budget, 'budget', true);
  }
  for (const key of ['newPlayersDays', 'perPlayer', 'maxAwards', 'budget'] as const)
    if (body[key] === undefined) delete body[key];

  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, body };
}
