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
