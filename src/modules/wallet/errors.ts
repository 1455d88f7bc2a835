import { DomainError } from '../../platform/errors.ts';

export const insufficientFunds = (balance?: bigint) =>
  new DomainError(
    'insufficient_funds',
    'invalid',
    'The balance is too low for this.',
    balance === undefined ? {} : { balance: balance.toString() },
  );

export const amountOutOfRange = (what: string, min: bigint, max?: bigint) =>
  new DomainError(
    'amount_out_of_range',
    'invalid',
    max === undefined
      ? `The ${what} must be at least ${min} minor units.`
      : `The ${what} must be between ${min} and ${max} minor units.`,
    { min: min.toString(), ...(max === undefined ? {} : { max: max.toString() }) },
  );

export const walletNotFound = () =>
  new DomainError('wallet_not_found', 'not_found', 'This account has no wallet.');
