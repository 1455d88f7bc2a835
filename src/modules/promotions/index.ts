// Promotions and loyalty: campaigns with eligibility, budgets and caps; free bets, odds
// boosts, the acca bonus and bonus funds with wagering (a bonus wallet beside cash); loyalty
// points, tiers and redemption. Betting and settlement call in through bet-promotions.ts.
import type { Db } from '../../platform/db/db.ts';
import type { Job } from '../../platform/jobs.ts';
import { expireGrants } from './bonus.ts';
import { expireFreeBets } from './free-bets.ts';

export { type AwardView, award, depositBonuses, optIn } from './award.ts';
export {
  assertCashable,
  type BetPromotionOptions,
  boostedSelections,
  fundStake,
  promotionCashDeltas,
  promotionSettlementTransfers,
  returnPromotionalStakes,
  type SettlementItem,
} from './bet-promotions.ts';
export { expireGrants, forfeitActiveGrant, forfeitOnWithdrawal, type Grant } from './bonus.ts';
export { receivesPromotions } from './eligibility.ts';
export { expireFreeBets, type FreeBet } from './free-bets.ts';
export { loyaltyPoints, pointsFor, rateFor, redeemPoints, tierFor } from './loyalty.ts';
export type { Promotion, PromotionKind } from './promotion.ts';
export { promotionRoutes } from './routes.ts';

/** Expiry of free bets and bonus grants (a forfeited grant's funds go back to the house). */
export const promotionJobs = (db: Db, everySeconds: number): Job[] => [
  {
    name: 'promotions.expiry',
    everySeconds,
    async run() {
      await expireFreeBets(db);
      await expireGrants(db);
    },
  },
];
