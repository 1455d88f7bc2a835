// The period a history view or export covers. Players see at least 12 months (the default
// window is the last 12 months); one request spans at most 25 months so a query stays bounded.
import { DomainError } from '../../platform/errors.ts';

export interface Range {
  from: Date;
  to: Date;
}

const DAY = 86_400_000;
export const MAX_RANGE_DAYS = 762;

export const invalidRange = (message: string) =>
  new DomainError('invalid_date_range', 'invalid', message, { maxDays: MAX_RANGE_DAYS });

export function rangeOf(query: { from?: string | undefined; to?: string | undefined }): Range {
  const to = query.to ? new Date(query.to) : new Date();
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 365 * DAY);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
    throw invalidRange('from and to must be ISO 8601 times.');
  if (from.getTime() >= to.getTime()) throw invalidRange('from must be before to.');
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY)
    throw invalidRange(`A range spans at most ${MAX_RANGE_DAYS} days.`);
  return { from, to };
}
