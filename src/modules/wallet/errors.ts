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

/** The PSP did not answer: the payment stays pending until its outcome is reconciled. */
export const paymentProviderUnavailable = (paymentId: string, cause: unknown) => {
  const error = new DomainError(
    'payment_provider_unavailable',
    'unavailable',
    'The payment provider did not answer. The payment is pending until its outcome is known; retry with the same Idempotency-Key later.',
    { paymentId },
  );
  error.cause = cause;
  return error;
};
