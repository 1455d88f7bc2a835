// Promotions as staff define them: a kind, its terms, eligibility, a window, budget and caps.
// Terms are checked here once, when the promotion is created; everything downstream trusts
// the stored shape.
import { v7 as uuidv7 } from 'uuid';
import type { Queryable, Tx } from '../../platform/db/db.ts';
import { invalidPromotionTerms, promotionNotFound } from './errors.ts';

export type PromotionKind = 'free_bet' | 'bonus' | 'deposit_bonus' | 'odds_boost' | 'acca_bonus';
export type PromotionStatus = 'active' | 'paused' | 'ended';

/** Stored terms: amounts as strings of minor units, prices in thousandths. */
export interface Terms {
  amount?: string;
  minOdds?: number | null;
  sports?: string[];
  marketTypes?: string[];
  expiryDays?: number;
  wageringMultiplier?: number;
  forfeitOnWithdrawal?: boolean;
  percentBps?: number;
  maxBonus?: string;
  minDeposit?: string;
  selectionId?: string;
  boostedPrice?: number;
  maxStake?: string;
  minLegOdds?: number;
  percentBpsByLegs?: Record<string, number>;
}

export interface Promotion {
  id: string;
  kind: PromotionKind;
  name: string;
  description: string;
  currency: string;
  status: PromotionStatus;
  startsAt: Date;
  endsAt: Date;
  segments: string[];
  countries: string[];
  newPlayersDays: number | null;
  optIn: boolean;
  budget: bigint | null;
  spent: bigint;
  maxAwards: number | null;
  awards: number;
  perPlayer: number;
  terms: Terms;
  createdAt: Date;
}

interface Row {
  id: string;
  kind: PromotionKind;
  name: string;
  description: string;
  currency: string;
  status: PromotionStatus;
  starts_at: Date;
  ends_at: Date;
  segments: string[];
  countries: string[];
  new_players_days: number | null;
  opt_in: boolean;
  budget: bigint | null;
  spent: bigint;
  max_awards: number | null;
  awards: number;
  per_player: number;
  terms: Terms;
  created_at: Date;
}

export const PROMOTION_COLUMNS = `id, kind, name, description, currency, status, starts_at, ends_at, segments,
  countries, new_players_days, opt_in, budget, spent, max_awards, awards, per_player, terms, created_at`;

export const toPromotion = (r: Row): Promotion => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  description: r.description,
  currency: r.currency.trim(),
  status: r.status,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  segments: r.segments,
  countries: r.countries,
  newPlayersDays: r.new_players_days,
  optIn: r.opt_in,
  budget: r.budget,
  spent: r.spent,
  maxAwards: r.max_awards,
  awards: r.awards,
  perPlayer: r.per_player,
  terms: r.terms,
  createdAt: r.created_at,
});

export async function getPromotion(q: Queryable, id: string): Promise<Promotion> {
  const [row] = await q.query<Row>(
    `SELECT ${PROMOTION_COLUMNS} FROM promotions.promotions WHERE id = $1`,
    [id],
  );
  if (!row) throw promotionNotFound();
  return toPromotion(row);
}

export async function listPromotions(
  q: Queryable,
  filter: { kind?: PromotionKind | undefined; live?: boolean | undefined } = {},
): Promise<Promotion[]> {
  const rows = await q.query<Row>(
    `SELECT ${PROMOTION_COLUMNS} FROM promotions.promotions
     WHERE ($1::text IS NULL OR kind = $1)
       AND (NOT $2 OR (status = 'active' AND starts_at <= now() AND ends_at > now()))
     ORDER BY created_at DESC, id DESC LIMIT 500`,
    [filter.kind ?? null, filter.live === true],
  );
  return rows.map(toPromotion);
}

/** Whether a promotion can be used now: active and within its window. */
export const isLive = (p: Promotion, now: Date) =>
  p.status === 'active' && p.startsAt <= now && p.endsAt > now;

export interface NewPromotion {
  kind: PromotionKind;
  name: string;
  description?: string | undefined;
  currency: string;
  startsAt: Date;
  endsAt: Date;
  segments?: string[] | undefined;
  countries?: string[] | undefined;
  newPlayersDays?: number | null | undefined;
  optIn?: boolean | undefined;
  budget?: bigint | null | undefined;
  maxAwards?: number | null | undefined;
  perPlayer?: number | undefined;
  terms: Terms;
}

const positive = (value: string | undefined, name: string): string => {
  if (value === undefined || !/^[1-9][0-9]{0,14}$/.test(value))
    throw invalidPromotionTerms(
      `terms.${name} must be a positive amount in minor units.`,
      `terms/${name}`,
    );
  return value;
};

const price = (value: number | null | undefined, name: string, required = false) => {
  if (value === undefined || value === null) {
    if (required) throw invalidPromotionTerms(`terms.${name} is required.`, `terms/${name}`);
    return null;
  }
  if (!Number.isInteger(value) || value <= 1000 || value > 1_000_000)
    throw invalidPromotionTerms(`terms.${name} must be decimal odds above 1.000.`, `terms/${name}`);
  return value;
};

const days = (value: number | undefined, name: string) => {
  if (value === undefined || !Number.isInteger(value) || value < 1 || value > 365)
    throw invalidPromotionTerms(
      `terms.${name} must be a number of days from 1 to 365.`,
      `terms/${name}`,
    );
  return value;
};

const multiplier = (value: number | undefined) => {
  const m = value ?? 0;
  if (!Number.isInteger(m) || m < 0 || m > 100)
    throw invalidPromotionTerms(
      'terms.wageringMultiplier must be a whole number from 0 to 100.',
      'terms/wageringMultiplier',
    );
  return m;
};

/** The terms a promotion of `kind` keeps, checked and normalised. */
export function checkTerms(kind: PromotionKind, terms: Terms): Terms {
  switch (kind) {
    case 'free_bet':
      return {
        amount: positive(terms.amount, 'amount'),
        minOdds: price(terms.minOdds, 'minOdds'),
        sports: terms.sports ?? [],
        marketTypes: terms.marketTypes ?? [],
        expiryDays: days(terms.expiryDays, 'expiryDays'),
      };
    case 'bonus':
      return {
        amount: positive(terms.amount, 'amount'),
        wageringMultiplier: multiplier(terms.wageringMultiplier),
        minOdds: price(terms.minOdds, 'minOdds'),
        expiryDays: days(terms.expiryDays, 'expiryDays'),
        forfeitOnWithdrawal: terms.forfeitOnWithdrawal ?? true,
      };
    case 'deposit_bonus': {
      const pct = terms.percentBps;
      if (pct === undefined || !Number.isInteger(pct) || pct < 1 || pct > 100_000)
        throw invalidPromotionTerms(
          'terms.percentBps must be from 1 to 100000 basis points.',
          'terms/percentBps',
        );
      return {
        percentBps: pct,
        maxBonus: positive(terms.maxBonus, 'maxBonus'),
        minDeposit: positive(terms.minDeposit, 'minDeposit'),
        wageringMultiplier: multiplier(terms.wageringMultiplier),
        minOdds: price(terms.minOdds, 'minOdds'),
        expiryDays: days(terms.expiryDays, 'expiryDays'),
        forfeitOnWithdrawal: terms.forfeitOnWithdrawal ?? true,
      };
    }
    case 'odds_boost':
      if (!terms.selectionId)
        throw invalidPromotionTerms('terms.selectionId is required.', 'terms/selectionId');
      return {
        selectionId: terms.selectionId,
        boostedPrice: price(terms.boostedPrice, 'boostedPrice', true)!,
        maxStake: positive(terms.maxStake, 'maxStake'),
      };
    case 'acca_bonus': {
      const table = terms.percentBpsByLegs ?? {};
      const entries = Object.entries(table);
      if (
        entries.length === 0 ||
        entries.some(
          ([legs, bps]) =>
            !/^([2-9]|1[0-9]|20)$/.test(legs) || !Number.isInteger(bps) || bps < 1 || bps > 100_000,
        )
      )
        throw invalidPromotionTerms(
          'terms.percentBpsByLegs maps leg counts (2–20) to basis points (1–100000).',
          'terms/percentBpsByLegs',
        );
      return {
        minLegOdds: price(terms.minLegOdds, 'minLegOdds', true)!,
        percentBpsByLegs: Object.fromEntries(entries),
      };
    }
  }
}

export async function insertPromotion(
  tx: Tx,
  input: NewPromotion,
  createdBy: string,
): Promise<Promotion> {
  if (input.endsAt <= input.startsAt)
    throw invalidPromotionTerms('The promotion must end after it starts.', 'endsAt');
  const terms = checkTerms(input.kind, input.terms);
  const id = uuidv7();
  const [row] = await tx.query<Row>(
    `INSERT INTO promotions.promotions (id, kind, name, description, currency, starts_at, ends_at, segments,
       countries, new_players_days, opt_in, budget, max_awards, per_player, terms, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb, $16)
     RETURNING ${PROMOTION_COLUMNS}`,
    [
      id,
      input.kind,
      input.name,
      input.description ?? '',
      input.currency,
      input.startsAt,
      input.endsAt,
      input.segments ?? [],
      input.countries ?? [],
      input.newPlayersDays ?? null,
      input.optIn ?? true,
      input.budget ?? null,
      input.maxAwards ?? null,
      input.perPlayer ?? 1,
      JSON.stringify(terms),
      createdBy,
    ],
  );
  return toPromotion(row!);
}

export async function setPromotionStatus(
  tx: Tx,
  id: string,
  status: PromotionStatus,
): Promise<Promotion> {
  const [row] = await tx.query<Row>(
    `UPDATE promotions.promotions SET status = $2 WHERE id = $1 AND status <> 'ended'
     RETURNING ${PROMOTION_COLUMNS}`,
    [id, status],
  );
  if (!row) {
    const existing = await getPromotion(tx, id);
    if (existing.status === 'ended')
      throw invalidPromotionTerms('An ended promotion cannot be changed.');
  }
  return toPromotion(row!);
}

/** Every currently live promotion of `kind` (odds boosts and acca bonuses at placement). */
export async function livePromotions(
  q: Queryable,
  kind: PromotionKind,
  currency: string,
): Promise<Promotion[]> {
  const rows = await q.query<Row>(
    `SELECT ${PROMOTION_COLUMNS} FROM promotions.promotions
     WHERE kind = $1 AND currency = $2 AND status = 'active' AND starts_at <= now() AND ends_at > now()
     ORDER BY created_at, id`,
    [kind, currency],
  );
  return rows.map(toPromotion);
}
