import { DomainError } from '../../platform/errors.ts';

export const stakeOutOfRange = (min: bigint, max: bigint) =>
  new DomainError(
    'stake_out_of_range',
    'invalid',
    `The stake must be between ${min} and ${max} minor units.`,
    {
      minStake: min.toString(),
      maxStake: max.toString(),
    },
  );

export const payoutTooHigh = (maxPayout: bigint, maxStake: bigint) =>
  new DomainError(
    'payout_too_high',
    'invalid',
    `The potential payout is over the limit of ${maxPayout} minor units; the largest stake accepted is ${maxStake}.`,
    { maxPayout: maxPayout.toString(), maxStake: maxStake.toString() },
  );

export const invalidPrice = (price: string) =>
  new DomainError('invalid_price', 'invalid', 'A price is decimal odds from 1.001 to 1000.', {
    price,
  });

export const oddsChanged = (legs: { selectionId: string; requested: string; current: string }[]) =>
  new DomainError(
    'odds_changed',
    'conflict',
    'The price has changed. Confirm the current price to bet.',
    {
      legs,
      currentPrice: legs[0]?.current,
    },
  );

export const selectionNotFound = (selectionId: string) =>
  new DomainError('selection_not_found', 'not_found', 'No such selection.', { selectionId });

export const sameEventTwice = () =>
  new DomainError('duplicate_event', 'invalid', 'A bet may include only one selection per event.');

export const betNotFound = () => new DomainError('bet_not_found', 'not_found', 'No such bet.');

export const invalidBetType = (message: string, details: Record<string, unknown> = {}) =>
  new DomainError('invalid_bet_type', 'invalid', message, details);

export const tooManyLines = (lines: number, max: number) =>
  new DomainError(
    'too_many_lines',
    'invalid',
    `This bet would have ${lines} lines; at most ${max} are allowed.`,
    { lines, maxLines: max },
  );

export const eachWayNotOffered = (selectionId: string) =>
  new DomainError(
    'each_way_not_offered',
    'invalid',
    'Each-way is offered only on markets with place terms.',
    { selectionId },
  );

export const builderCombinationForbidden = (reason: string, selectionIds: string[]): DomainError =>
  new DomainError(
    'builder_combination_forbidden',
    'invalid',
    `These selections cannot be combined in a bet builder: ${reason}`,
    { selectionIds },
  );

export const liabilityLimitReached = (maxStake: bigint) =>
  new DomainError(
    'liability_limit_reached',
    'invalid',
    `The bet is over what we can accept on this selection or market; the largest stake per line accepted is ${maxStake}.`,
    { maxStake: maxStake.toString() },
  );

export const betNotCashable = (reason: string, details: Record<string, unknown> = {}) =>
  new DomainError(
    'cash_out_unavailable',
    'conflict',
    `Cash out is not available: ${reason}`,
    details,
  );

export const cashOutValueChanged = (value: bigint, quoteId: string) =>
  new DomainError(
    'cash_out_value_changed',
    'conflict',
    'The cash-out value has changed. Confirm the new value to cash out.',
    { value: value.toString(), quoteId },
  );

export const cashOutQuoteExpired = () =>
  new DomainError(
    'cash_out_quote_expired',
    'conflict',
    'The cash-out quote has expired. Ask for a new one.',
  );

export const cashOutQuoteNotFound = () =>
  new DomainError('cash_out_quote_not_found', 'not_found', 'No such cash-out quote.');

export const betNotVoidable = (status: string) =>
  new DomainError('bet_not_voidable', 'conflict', `A ${status} bet cannot be voided.`, {
    betStatus: status,
  });
