// Loyalty: a settled bet (won or lost; a void bet earns nothing) earns points on its stake at
// the rate for its sport and bet kind, multiplied by the player's tier; tiers follow lifetime
// points. Points are redeemed into a free bet or bonus funds. Earning runs as a durable
// consumer of `bet.settled`, once per bet (a resettlement does not change points), a published
// batch of events at a time.
import { v7 as uuidv7 } from 'uuid';
import type { Queryable, Tx } from '../../platform/db/db.ts';
import type { Consumer } from '../../platform/events/bus.ts';
import type { OutboxEvent } from '../../platform/events/outbox.ts';
import { isUuid } from '../../platform/uuid.ts';
import { audit, type RequestContext } from '../audit/index.ts';
import { readBets } from '../betting/index.ts';
import { selectionsForBetting } from '../catalog/index.ts';
import { lockPlayerAccounts } from '../wallet/index.ts';
import { grantBonus } from './bonus.ts';
import { assertReceivesPromotions, barredFromPromotions } from './eligibility.ts';
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

/** Takes points from an account that holds them (the caller checked and locked it). */
async function spendPoints(
  tx: Tx,
  playerId: string,
  points: bigint,
  reference: string,
  details: Record<string, unknown>,
): Promise<void> {
  await tx.query(
    `INSERT INTO promotions.loyalty_entries (player_id, points, reference, details)
     VALUES ($1, $2::bigint, $3, $4::jsonb)`,
    [playerId, -points, reference, JSON.stringify(details)],
  );
  await tx.query(
    `UPDATE promotions.loyalty_accounts SET balance = balance - $2::bigint, updated_at = now()
     WHERE player_id = $1`,
    [playerId, points],
  );
}

/**
 * Points for settled bets, in event order: a player's tier may rise between two of their
 * bets. Reads once for the batch, writes the entries and the accounts in one statement.
 */
async function earnPoints(tx: Tx, events: readonly OutboxEvent[]): Promise<void> {
  const settled = events.flatMap((event) => {
    const p = event.payload as { betId?: unknown; playerId?: unknown; status?: unknown };
    if (!isUuid(p.betId)) return [];
    if (!isUuid(p.playerId)) return [];
    return p.status === 'won' || p.status === 'lost'
      ? [{ betId: p.betId, playerId: p.playerId }]
      : [];
  });
  if (settled.length === 0) return;
  // Excluded players earn nothing while excluded (points are an inducement too).
  const barred = await barredFromPromotions(tx, [...new Set(settled.map((s) => s.playerId))]);
  const earning = settled.filter((s) => !barred.has(s.playerId));
  if (earning.length === 0) return;
  const read = await readBets(
    tx,
    earning.map((s) => s.betId),
  );
  const bets = new Map(read.map((b) => [b.id, b]));
  if (bets.size === 0) return;
  const betIds = [...bets.keys()];
  const playerIds = [...new Set([...bets.values()].map((b) => b.playerId))];
  // A free bet's stake was never the player's.
  const free = await tx.query<{ bet_id: string }>(
    'SELECT bet_id FROM promotions.bet_terms WHERE bet_id = ANY($1::uuid[]) AND free_bet_id IS NOT NULL',
    [betIds],
  );
  const config = await getLoyaltyConfig(tx);
  const selections = await selectionsForBetting(tx, [
    ...new Set([...bets.values()].flatMap((b) => b.legs.map((l) => l.selectionId))),
  ]);
  const accounts = await tx.query<{ player_id: string; lifetime: bigint }>(
    'SELECT player_id, lifetime FROM promotions.loyalty_accounts WHERE player_id = ANY($1::uuid[])',
    [playerIds],
  );
  // A bet settled again after it was reopened has earned already.
  const earned = await tx.query<{ reference: string }>(
    'SELECT reference FROM promotions.loyalty_entries WHERE reference = ANY($1::text[])',
    [betIds.map((id) => `bet:${id}`)],
  );

  const freeBets = new Set(free.map((r) => r.bet_id));
  const sportOf = new Map(selections.map((s) => [s.selectionId, s.sportId]));
  const lifetime = new Map(accounts.map((a) => [a.player_id, BigInt(a.lifetime)]));
  const references = new Set(earned.map((r) => r.reference));
  const entries: { playerId: string; points: bigint; reference: string; details: string }[] = [];
  for (const { betId } of earning) {
    const bet = bets.get(betId);
    const reference = `bet:${betId}`;
    if (!bet || freeBets.has(betId) || references.has(reference)) continue;
    const sports = new Set(bet.legs.map((l) => sportOf.get(l.selectionId)));
    const sportId = sports.size === 1 ? ([...sports][0] ?? null) : null;
    const rate = rateFor(config.rates, sportId, bet.kind);
    const before = lifetime.get(bet.playerId) ?? 0n;
    const tier = tierFor(config.tiers, before);
    const points = pointsFor(bet.openStake, rate, tier?.multiplierBps ?? 10_000);
    if (points <= 0n) continue;
    references.add(reference);
    lifetime.set(bet.playerId, before + points);
    entries.push({
      playerId: bet.playerId,
      points,
      reference,
      details: JSON.stringify({
        stake: bet.openStake.toString(),
        currency: bet.currency,
        rate,
        tier: tier?.name ?? null,
      }),
    });
  }
  if (entries.length === 0) return;
  // Accounts in player order, so that two workers' batches lock them in the same order.
  await tx.query(
    `WITH entries AS (
       INSERT INTO promotions.loyalty_entries (player_id, points, reference, details)
       SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::jsonb[])
       ON CONFLICT (reference) DO NOTHING RETURNING player_id, points)
     INSERT INTO promotions.loyalty_accounts (player_id, balance, lifetime)
     SELECT player_id, sum(points)::bigint, sum(points)::bigint FROM entries
     GROUP BY player_id ORDER BY player_id
     ON CONFLICT (player_id) DO UPDATE SET balance = loyalty_accounts.balance + EXCLUDED.balance,
       lifetime = loyalty_accounts.lifetime + EXCLUDED.lifetime, updated_at = now()`,
    [
      entries.map((e) => e.playerId),
      entries.map((e) => e.points),
      entries.map((e) => e.reference),
      entries.map((e) => e.details),
    ],
  );
}

export const loyaltyPoints: Consumer = {
  name: 'promotions.loyalty-points',
  types: ['bet.settled'],
  handle: (tx, event) => earnPoints(tx, [event]),
  handleBatch: earnPoints,
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
  await spendPoints(tx, input.playerId, input.points, `redeem:${id}`, {
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
