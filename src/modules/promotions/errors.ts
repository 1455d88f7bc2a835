// Typed refusals of the promotions module (codes listed in docs/api.md).
import { DomainError } from '../../platform/errors.ts';

export const promotionNotFound = () =>
  new DomainError('promotion_not_found', 'not_found', 'No such promotion.');

export const promotionNotAvailable = (reason: string) =>
  new DomainError(
    'promotion_not_available',
    'conflict',
    `This promotion is not available: ${reason}.`,
    { reason },
  );

export const promotionNotEligible = (reason: string) =>
  new DomainError('promotion_not_eligible', 'forbidden', `You are not eligible: ${reason}.`, {
    reason,
  });

export const promotionAlreadyClaimed = () =>
  new DomainError(
    'promotion_already_claimed',
    'conflict',
    'You have already received this promotion as often as it allows.',
  );

export const promotionBudgetExhausted = () =>
  new DomainError(
    'promotion_budget_exhausted',
    'conflict',
    "This promotion's budget or number of awards is used up.",
  );

export const promotionsBlocked = () =>
  new DomainError(
    'promotions_blocked',
    'forbidden',
    'Promotions are not offered while you are self-excluded or taking a time-out.',
  );

export const bonusAlreadyActive = () =>
  new DomainError(
    'bonus_already_active',
    'conflict',
    'You already have an active bonus; finish or forfeit it before taking another.',
  );

export const freeBetNotFound = () =>
  new DomainError('free_bet_not_found', 'not_found', 'No such free bet.');

export const freeBetNotUsable = (reason: string) =>
  new DomainError('free_bet_not_usable', 'conflict', `This free bet cannot be used: ${reason}.`, {
    reason,
  });

export const freeBetStakeMismatch = (amount: bigint) =>
  new DomainError(
    'free_bet_stake_mismatch',
    'invalid',
    `A free bet is staked whole: the stake must be ${amount} minor units.`,
    { amount: amount.toString() },
  );

export const promotionMarketExcluded = (selectionId: string, reason: string) =>
  new DomainError(
    'promotion_market_excluded',
    'invalid',
    `This selection does not qualify for the promotion: ${reason}.`,
    { selectionId, reason },
  );

export const promotionFundsConflict = () =>
  new DomainError(
    'promotion_funds_conflict',
    'invalid',
    'A bet uses either a free bet or bonus funds, not both.',
  );

export const noBonusFunds = () =>
  new DomainError('no_bonus_funds', 'conflict', 'You have no bonus funds to bet with.');

export const boostNotAvailable = (reason: string) =>
  new DomainError(
    'boost_not_available',
    'conflict',
    `This odds boost is not available: ${reason}.`,
    {
      reason,
    },
  );

export const boostStakeTooHigh = (maxStake: bigint) =>
  new DomainError(
    'boost_stake_too_high',
    'invalid',
    `The largest stake on this odds boost is ${maxStake} minor units.`,
    { maxStake: maxStake.toString() },
  );

export const promotionalCashOut = () =>
  new DomainError(
    'promotional_bet_not_cashable',
    'conflict',
    'A bet staked with a free bet or bonus funds cannot be cashed out.',
  );

/** `field` names the body's member at fault as a slash path ("terms/amount"), when there is one. */
export const invalidPromotionTerms = (detail: string, field?: string) =>
  new DomainError('invalid_promotion_terms', 'invalid', detail, field ? { field } : {});

export const notEnoughPoints = (balance: bigint, minimum: bigint) =>
  new DomainError(
    'not_enough_points',
    'conflict',
    `Redemption needs at least ${minimum} points and no more than you hold (${balance}).`,
    { balance: balance.toString(), minimum: minimum.toString() },
  );
