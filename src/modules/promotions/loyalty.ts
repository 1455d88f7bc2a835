// Loyalty: a settled bet (won or lost; a void bet earns nothing) earns points on its stake at
// the rate for its sport and bet kind, multiplied by the player's tier; tiers follow lifetime
// points. Points are redeemed into a free bet or bonus funds. Earning runs as a durable
// consumer of `bet.settled`, once per bet (a resettlement does not change points).
import { v7 as uuidv7 } from 'uuid';
import type { Queryable, Tx } from '../../platform/db/db.ts';
import type { Consumer } from '../../platform/events/bus.ts';
import { audit, type RequestContext } from '../audit/index.ts';
import { readBets } from '../betting/index.ts';
import { selectionsForBetting } from '../catalog/index.ts';
import { lockPlayerAccounts } from '../wallet/index.ts';
import { grantBonus } from './bonus.ts';
import { assertReceivesPromotions, receivesPromotions } from './eligibility.ts';
import { invalidPromotionTerms, notEnoughPoints } from './errors.ts';
import { issueFreeBet } from './free-bets.ts';

export interface LoyaltyRate {
  sportId: string | null;
  betKind: 'single' | 'multiple' | 'system' | 'builder' | null;
  pointsPerHundred: number;
}

export interface LoyaltyTier {
  name: string;
  minPoints: string;
  multiplierBps: number;
}

export interface RedemptionSettings {
  pointsPerHundred: number;
  minRedeemPoints: string;
  freeBetExpiryDays: number;
  freeBetMinOdds: number | null;
  bonusWageringMultiplier: number;
  bonusExpiryDays: number;
}

export interface LoyaltyConfig {
  rates: LoyaltyRate[];
  tiers: LoyaltyTier[];
  redemption: RedemptionSettings;
}

// One statement: the loyalty consumer reads the configuration for every settled bet.
const LOYALTY_CONFIG_SQL = `
  SELECT
    (SELECT coalesce(json_agg(json_build_object('sportId', sport_id, 'betKind', bet_kind,
              'pointsPerHundred', points_per_hundred)
            ORDER BY sport_id NULLS FIRST, bet_kind NULLS FIRST), '[]')
       FROM promotions.loyalty_rates) AS rates,
    (SELECT coalesce(json_agg(json_build_object('name', name, 'minPoints', min_points::text,
              'multiplierBps', multiplier_bps) ORDER BY min_points), '[]')
       FROM promotions.loyalty_tiers) AS tiers,
    (SELECT json_build_object('pointsPerHundred', points_per_hundred,
              'minRedeemPoints', min_redeem_points::text,
              'freeBetExpiryDays', free_bet_expiry_days, 'freeBetMinOdds', free_bet_min_odds,
              'bonusWageringMultiplier', bonus_wagering_multiplier,
              'bonusExpiryDays', bonus_expiry_days)
       FROM promotions.loyalty_settings) AS redemption`;

export async function getLoyaltyConfig(q: Queryable): Promise<LoyaltyConfig> {
  const [row] = await q.query<{
    rates: LoyaltyRate[];
    tiers: LoyaltyTier[];
    redemption: RedemptionSettings;
  }>(LOYALTY_CONFIG_SQL);
  return { rates: row!.rates, tiers: row!.tiers, redemption: row!.redemption };
}

/** Replaces the loyalty configuration (staff), audited. */
export async function setLoyaltyConfig(
  tx: Tx,
  config: LoyaltyConfig,
  staffId: string,
  context?: RequestContext,
): Promise<LoyaltyConfig> {
  if (!config.rates.some((r) => r.sportId === null && r.betKind === null))
    throw invalidPromotionTerms('The rates need a default (no sport, no bet kind).');
  if (!config.tiers.some((t) => t.minPoints === '0'))
    throw invalidPromotionTerms('The tiers need one that starts at 0 points.');
  const keys = new Set(config.rates.map((r) => `${r.sportId}:${r.betKind}`));
  if (keys.size !== config.rates.length)
    throw invalidPromotionTerms('Each sport and bet kind has one rate.');
  if (new Set(config.tiers.map((t) => t.minPoints)).size !== config.tiers.length)
    throw invalidPromotionTerms('Each tier starts at a different number of points.');
  await tx.query('DELETE FROM promotions.loyalty_rates');
  await tx.query(
    `INSERT INTO promotions.loyalty_rates (sport_id, bet_kind, points_per_hundred)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[])`,
    [
      config.rates.map((r) => r.sportId),
      config.rates.map((r) => r.betKind),
      config.rates.map((r) => r.pointsPerHundred),
    ],
  );
  await tx.query('DELETE FROM promotions.loyalty_tiers');
  await tx.query(
    `INSERT INTO promotions.loyalty_tiers (name, min_points, multiplier_bps)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[])`,
    [
      config.tiers.map((t) => t.name),
      config.tiers.map((t) => BigInt(t.minPoints)),
      config.tiers.map((t) => t.multiplierBps),
    ],
  );
  const r = config.redemption;
  await tx.query(
    `UPDATE promotions.loyalty_settings SET points_per_hundred = $1, min_redeem_points = $2,
       free_bet_expiry_days = $3, free_bet_min_odds = $4, bonus_wagering_multiplier = $5,
       bonus_expiry_days = $6, updated_at = now()`,
    [
      r.pointsPerHundred,
      BigInt(r.minRedeemPoints),
      r.freeBetExpiryDays,
      r.freeBetMinOdds,
      r.bonusWageringMultiplier,
      r.bonusExpiryDays,
    ],
  );
  await audit(tx, {
    actor: { id: staffId, kind: 'staff' },
    action: 'loyalty.configured',
    target: { type: 'loyalty', id: 'settings' },
    details: { ...config },
    context,
  });
  return getLoyaltyConfig(tx);
}

/** The rate for a bet: its sport and kind, else its sport, else its kind, else the default. */
export function rateFor(
  rates: readonly LoyaltyRate[],
  sportId: string | null,
  kind: string,
): number {
  const find = (s: string | null, k: string | null) =>
    rates.find((r) => r.sportId === s && r.betKind === k)?.pointsPerHundred;
  return (
    (sportId ? (find(sportId, kind) ?? find(sportId, null)) : undefined) ??
    find(null, kind) ??
    find(null, null) ??
    0
  );
}

/** The tier for `lifetime` points: the highest whose minimum it reaches. */
export function tierFor(tiers: readonly LoyaltyTier[], lifetime: bigint): LoyaltyTier | undefined {
  let best: LoyaltyTier | undefined;
  for (const t of tiers) if (BigInt(t.minPoints) <= lifetime) best = t;
  return best;
}

/** Points for a settled stake: floor(stake × rate / 100), then × the tier, rounded down. */
export function pointsFor(stake: bigint, pointsPerHundred: number, multiplierBps: number): bigint {
  const base = (stake * BigInt(pointsPerHundred)) / 100n;
  return (base * BigInt(multiplierBps)) / 10_000n;
}

async function addPoints(
  tx: Tx,
  playerId: string,
  points: bigint,
  reference: string,
  details: Record<string, unknown>,
): Promise<boolean> {
  const inserted = await tx.query(
    `INSERT INTO promotions.loyalty_entries (player_id, points, reference, details)
     VALUES ($1, $2::bigint, $3, $4::jsonb) ON CONFLICT (reference) DO NOTHING RETURNING 1`,
    [playerId, points, reference, JSON.stringify(details)],
  );
  if (inserted.length === 0) return false;
  // Spending points needs an account that holds them (the caller checked and locked it).
  if (points < 0n)
    await tx.query(
      `UPDATE promotions.loyalty_accounts SET balance = balance + $2::bigint, updated_at = now()
       WHERE player_id = $1`,
      [playerId, points],
    );
  else
    await tx.query(
      `INSERT INTO promotions.loyalty_accounts (player_id, balance, lifetime) VALUES ($1, $2::bigint, $2::bigint)
       ON CONFLICT (player_id) DO UPDATE SET balance = loyalty_accounts.balance + $2::bigint,
         lifetime = loyalty_accounts.lifetime + $2::bigint, updated_at = now()`,
      [playerId, points],
    );
  return true;
}

export const loyaltyPoints: Consumer = {
  name: 'promotions.loyalty-points',
  types: ['bet.settled'],
  async handle(tx, event) {
    const p = event.payload as { betId?: unknown; playerId?: unknown; status?: unknown };
    if (typeof p.betId !== 'string' || typeof p.playerId !== 'string') return;
    if (p.status !== 'won' && p.status !== 'lost') return;
    // Excluded players earn nothing while excluded (points are an inducement too).
    if (!(await receivesPromotions(tx, p.playerId))) return;
    const [bet] = await readBets(tx, [p.betId]);
    if (!bet) return;
    // A free bet's stake was never the player's.
    const [free] = await tx.query(
      'SELECT 1 FROM promotions.bet_terms WHERE bet_id = $1 AND free_bet_id IS NOT NULL',
      [bet.id],
    );
    if (free) return;
    const config = await getLoyaltyConfig(tx);
    const selections = await selectionsForBetting(
      tx,
      bet.legs.map((l) => l.selectionId),
    );
    const sports = new Set(selections.map((s) => s.sportId));
    const sportId = sports.size === 1 ? [...sports][0]! : null;
    const rate = rateFor(config.rates, sportId, bet.kind);
    const [account] = await tx.query<{ lifetime: bigint }>(
      'SELECT lifetime FROM promotions.loyalty_accounts WHERE player_id = $1',
      [bet.playerId],
    );
    const tier = tierFor(config.tiers, account?.lifetime ?? 0n);
    const points = pointsFor(bet.openStake, rate, tier?.multiplierBps ?? 10_000);
    if (points <= 0n) return;
    await addPoints(tx, bet.playerId, points, `bet:${bet.id}`, {
      stake: bet.openStake.toString(),
      currency: bet.currency,
      rate,
      tier: tier?.name ?? null,
    });
  },
};

export interface LoyaltyView {
  balance: string;
  lifetime: string;
  tier: string | null;
  nextTier: { name: string; minPoints: string } | null;
  entries: { points: string; reference: string; createdAt: string }[];
  redemption: RedemptionSettings;
}

export async function getLoyalty(q: Queryable, playerId: string): Promise<LoyaltyView> {
  const config = await getLoyaltyConfig(q);
  const [account] = await q.query<{ balance: bigint; lifetime: bigint }>(
    'SELECT balance, lifetime FROM promotions.loyalty_accounts WHERE player_id = $1',
    [playerId],
  );
  const lifetime = account?.lifetime ?? 0n;
  const tier = tierFor(config.tiers, lifetime);
  const next = config.tiers.find((t) => BigInt(t.minPoints) > lifetime);
  const entries = await q.query<{ points: bigint; reference: string; created_at: Date }>(
    `SELECT points, reference, created_at FROM promotions.loyalty_entries WHERE player_id = $1
     ORDER BY id DESC LIMIT 50`,
    [playerId],
  );
  return {
    balance: (account?.balance ?? 0n).toString(),
    lifetime: lifetime.toString(),
    tier: tier?.name ?? null,
    nextTier: next ? { name: next.name, minPoints: next.minPoints } : null,
    entries: entries.map((e) => ({
      points: e.points.toString(),
      reference: e.reference,
      createdAt: e.created_at.toISOString(),
    })),
    redemption: config.redemption,
  };
}

export interface RedeemInput {
  playerId: string;
  points: bigint;
  into: 'free_bet' | 'bonus';
}

export interface RedemptionView {
  id: string;
  points: string;
  amount: string;
  currency: string;
  into: 'free_bet' | 'bonus';
  freeBetId: string | null;
  grantId: string | null;
  balance: string;
}

/** Redeems points into a free bet or bonus funds (house-funded), in the caller's transaction. */
export async function redeemPoints(
  tx: Tx,
  input: RedeemInput,
  context?: RequestContext,
): Promise<RedemptionView> {
  const accounts = await lockPlayerAccounts(tx, input.playerId);
  await assertReceivesPromotions(tx, input.playerId);
  const { redemption } = await getLoyaltyConfig(tx);
  const [account] = await tx.query<{ balance: bigint }>(
    'SELECT balance FROM promotions.loyalty_accounts WHERE player_id = $1 FOR UPDATE',
    [input.playerId],
  );
  const balance = account?.balance ?? 0n;
  const minimum = BigInt(redemption.minRedeemPoints);
  if (input.points < minimum || input.points > balance) throw notEnoughPoints(balance, minimum);
  const amount = (input.points * 100n) / BigInt(redemption.pointsPerHundred);
  if (amount <= 0n) throw notEnoughPoints(balance, minimum);
  const id = uuidv7();
  let freeBetId: string | null = null;
  let grantId: string | null = null;
  if (input.into === 'free_bet') {
    freeBetId = (
      await issueFreeBet(tx, {
        playerId: input.playerId,
        currency: accounts.currency,
        amount,
        minOdds: redemption.freeBetMinOdds,
        sports: [],
        marketTypes: [],
        expiryDays: redemption.freeBetExpiryDays,
        source: `loyalty:${id}`,
      })
    ).id;
  } else {
    grantId = (
      await grantBonus(tx, {
        playerId: input.playerId,
        currency: accounts.currency,
        amount,
        wageringMultiplier: redemption.bonusWageringMultiplier,
        minOdds: null,
        expiryDays: redemption.bonusExpiryDays,
        forfeitOnWithdrawal: true,
        source: `loyalty:${id}`,
      })
    ).id;
  }
  await addPoints(tx, input.playerId, -input.points, `redeem:${id}`, {
    into: input.into,
    amount: amount.toString(),
  });
  await audit(tx, {
    actor: { id: input.playerId, kind: 'player' },
    action: 'loyalty.redeemed',
    target: { type: 'loyalty', id },
    details: { points: input.points.toString(), amount: amount.toString(), into: input.into },
    context,
  });
  return {
    id,
    points: input.points.toString(),
    amount: amount.toString(),
    currency: accounts.currency,
    into: input.into,
    freeBetId,
    grantId,
    balance: (balance - input.points).toString(),
  };
}
