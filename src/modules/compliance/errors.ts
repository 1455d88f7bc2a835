// Refusals of the responsible-gambling and KYC rules. Each has a stable code (docs/api.md);
// every one is audited when it reaches the edge (see refusals.ts).
import { DomainError } from '../../platform/errors.ts';

export const selfExcluded = (kind: string, until: Date | null) =>
  new DomainError(
    kind === 'time_out' ? 'time_out_active' : 'self_excluded',
    'forbidden',
    kind === 'time_out'
      ? 'You are taking a break: no bets or deposits until it ends. Withdrawals stay open.'
      : 'You are excluded from gambling: no bets or deposits. Withdrawals stay open.',
    { until: until?.toISOString() ?? null },
  );

export const kycRequired = (jurisdiction: string) =>
  new DomainError(
    'kyc_required',
    'forbidden',
    'Verify your identity first: upload a document and wait for it to be checked.',
    { jurisdiction },
  );

export const limitExceeded = (
  kind: 'deposit' | 'loss',
  limit: { period: string; amount: bigint },
  remaining: bigint,
) =>
  new DomainError(
    kind === 'deposit' ? 'deposit_limit_exceeded' : 'loss_limit_exceeded',
    'invalid',
    kind === 'deposit'
      ? `This deposit would take you over your deposit limit per ${limit.period}.`
      : `This stake would take you over your loss limit per ${limit.period}.`,
    {
      period: limit.period,
      limit: limit.amount.toString(),
      remaining: (remaining > 0n ? remaining : 0n).toString(),
    },
  );

export const limitCoolingOff = (pendingFrom: Date) =>
  new DomainError(
    'limit_cooling_off',
    'conflict',
    'A change that loosens this limit is already waiting out its cooling-off; lower it if you wish, or wait until it takes effect.',
    { pendingFrom: pendingFrom.toISOString() },
  );

export const invalidLimit = (message: string, extra: Record<string, unknown> = {}) =>
  new DomainError('invalid_limit', 'invalid', message, extra);

export const timeOutOutOfRange = (minHours: number, maxHours: number) =>
  new DomainError(
    'time_out_out_of_range',
    'invalid',
    `A break lasts from ${minHours} to ${maxHours} hours here.`,
    { minHours, maxHours },
  );

export const exclusionPeriodNotOffered = (offered: readonly string[]) =>
  new DomainError(
    'exclusion_period_not_offered',
    'invalid',
    `Self-exclusion periods offered here: ${offered.join(', ')}.`,
    { offered },
  );

export const alreadyExcluded = (until: Date | null) =>
  new DomainError(
    'already_excluded',
    'conflict',
    'An exclusion at least as long is already in force; it cannot be shortened.',
    { until: until?.toISOString() ?? null },
  );

export const nationallyExcluded = () =>
  new DomainError(
    'nationally_excluded',
    'forbidden',
    'We cannot open an account: the national self-exclusion register lists this person.',
  );

export const underage = (minimumAge: number) =>
  new DomainError('underage', 'invalid', `Players must be at least ${minimumAge} years old.`, {
    field: 'dateOfBirth',
    minimumAge,
  });

export const documentTooLarge = (maxBytes: number) =>
  new DomainError('document_too_large', 'invalid', `A document may be at most ${maxBytes} bytes.`, {
    maxBytes,
  });

export const documentTypeNotAllowed = () =>
  new DomainError(
    'document_type_not_allowed',
    'invalid',
    'Upload a JPEG, PNG or PDF file (its content decides, not its name).',
    { allowed: ['image/jpeg', 'image/png', 'application/pdf'] },
  );

export const documentInvalid = (message: string) =>
  new DomainError('document_invalid', 'bad_request', message);

export const kycNotReviewable = (status: string) =>
  new DomainError(
    'kyc_not_reviewable',
    'conflict',
    `Only a pending verification can be decided (this one is ${status}).`,
    { kycStatus: status },
  );

export const realityCheckNotFound = () =>
  new DomainError('reality_check_not_found', 'not_found', 'No such reality check.');

export const realityCheckRequired = (minutes: number) =>
  new DomainError(
    'reality_checks_required',
    'invalid',
    'Reality checks cannot be turned off here; choose an interval.',
    { maxMinutes: minutes },
  );

/** The codes audited when they refuse a request (see refusals.ts). */
export const AUDITED_REFUSALS = new Set([
  'self_excluded',
  'time_out_active',
  'kyc_required',
  'deposit_limit_exceeded',
  'loss_limit_exceeded',
  'limit_cooling_off',
  'invalid_limit',
  'time_out_out_of_range',
  'exclusion_period_not_offered',
  'already_excluded',
  'nationally_excluded',
  'document_too_large',
  'document_type_not_allowed',
  'document_invalid',
  'kyc_not_reviewable',
]);
