// Who may receive a promotion. A player who is self-excluded or in a time-out receives
// nothing (RTS 14A): no awards, no opt-ins, no free bets or bonus stakes, no listings; the
// responsible-gambling module decides that. The rest is the promotion's own eligibility:
// currency, country, segments, how new the player is, and opt-in.
import type { Queryable } from '../../platform/db/db.ts';
import { barredFromMarketing, mayReceiveMarketing } from '../compliance/index.ts';
import { findAccount } from '../identity/index.ts';
import { promotionNotEligible, promotionsBlocked } from './errors.ts';
import type { Promotion } from './promotion.ts';

/** Whether promotions may reach the player now (not excluded, not in a time-out). */
export async function receivesPromotions(q: Queryable, playerId: string): Promise<boolean> {
  return mayReceiveMarketing(q, playerId);
}

/** Of the players, those promotions must not reach now. */
export function barredFromPromotions(
  q: Queryable,
  playerIds: readonly string[],
): Promise<Set<string>> {
  return barredFromMarketing(q, playerIds);
}

/** Throws `promotions_blocked` for a player promotions must not reach. */
export async function assertReceivesPromotions(q: Queryable, playerId: string): Promise<void> {
  if (!(await receivesPromotions(q, playerId))) throw promotionsBlocked();
}

export interface PlayerProfile {
  id: string;
  country: string | null;
  currency: string | null;
  createdAt: Date;
  segments: string[];
}

export async function playerProfile(q: Queryable, playerId: string): Promise<PlayerProfile> {
  const account = await findAccount(q, playerId);
  if (account?.kind !== 'player') throw promotionNotEligible('not a player account');
  const segments = await q.query<{ segment: string }>(
    'SELECT segment FROM promotions.segment_members WHERE player_id = $1',
    [playerId],
  );
  return {
    id: account.id,
    country: account.country,
    currency: account.currency,
    createdAt: account.created_at,
    segments: segments.map((s) => s.segment),
  };
}

/** Why the player is not eligible for the promotion, or undefined when they are. */
export function ineligibility(
  promotion: Promotion,
  player: PlayerProfile,
  now: Date,
): string | undefined {
  if (player.currency !== promotion.currency) return 'the promotion is in another currency';
  if (promotion.countries.length > 0 && !promotion.countries.includes(player.country ?? ''))
    return 'not offered in your country';
  if (promotion.segments.length > 0 && !promotion.segments.some((s) => player.segments.includes(s)))
    return 'not offered to your account';
  if (
    promotion.newPlayersDays !== null &&
    now.getTime() - player.createdAt.getTime() > promotion.newPlayersDays * 86_400_000
  )
    return 'for new players only';
  return undefined;
}

export function assertEligible(promotion: Promotion, player: PlayerProfile, now: Date): void {
  const reason = ineligibility(promotion, player, now);
  if (reason) throw promotionNotEligible(reason);
}
