// Brute-force protection for sign-in and second-factor codes. Failures are counted per key
// in the database (so every pod sees them): an hourly cap per key, and after a few
// consecutive failures an exponential back-off (1 s, 2 s, 4 s … up to 15 minutes) before the
// next attempt. A success clears the key's run of failures.
import type { Queryable, Tx } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';

export interface ThrottleRule {
  key: string;
  perHour: number;
  /** Consecutive failures before back-off starts; undefined: hourly cap only. */
  backoffAfter?: number;
}

const MAX_BACKOFF_SECONDS = 900;

/** The wait after the latest of `n` failures within the hour (0: none). */
function backoffSeconds(rule: ThrottleRule, n: number): number {
  if (rule.backoffAfter === undefined || n < rule.backoffAfter) return 0;
  return Math.min(2 ** (n - rule.backoffAfter), MAX_BACKOFF_SECONDS);
}

export const tooManyAttempts = (retryAfter: number) =>
  new DomainError(
    'too_many_attempts',
    'too_many',
    `Too many failed attempts. Try again in ${retryAfter} seconds.`,
    { retryAfter },
  );

/** Seconds until `rule.key` may try again, 0 when it may try now. */
async function wait(q: Queryable, rule: ThrottleRule): Promise<number> {
  const [row] = await q.query<{ n: bigint; to_hour: number | null; since_last: number | null }>(
    `SELECT count(*) AS n,
            EXTRACT(EPOCH FROM (min(at) + interval '1 hour' - now()))::float8 AS to_hour,
            EXTRACT(EPOCH FROM (now() - max(at)))::float8 AS since_last
     FROM identity.auth_failures WHERE key = $1 AND at > now() - interval '1 hour'`,
    [rule.key],
  );
  const n = Number(row?.n ?? 0n);
  if (n >= rule.perHour) return Math.max(1, Math.ceil(row?.to_hour ?? 1));
  const backoff = backoffSeconds(rule, n);
  if (backoff > 0 && row?.since_last !== null) {
    const left = backoff - (row?.since_last ?? 0);
    if (left > 0) return Math.ceil(left);
  }
  return 0;
}

/** Throws 429 too_many_attempts when any rule's key must wait. */
export async function checkThrottle(q: Queryable, rules: ThrottleRule[]): Promise<void> {
  let longest = 0;
  for (const rule of rules) longest = Math.max(longest, await wait(q, rule));
  if (longest > 0) throw tooManyAttempts(longest);
}

/**
 * Records a failure under each rule's key; returns the keys that have just been locked out:
 * they reached their hourly cap, or the longest back-off (with a back-off from the fifth
 * failure, the fifteenth comes long before a cap of 20 or 100 can be reached in an hour).
 */
export async function recordFailure(tx: Tx, rules: ThrottleRule[]): Promise<string[]> {
  const reached: string[] = [];
  for (const rule of rules) {
    const [row] = await tx.query<{ n: bigint }>(
      `WITH added AS (INSERT INTO identity.auth_failures (key) VALUES ($1) RETURNING 1)
       SELECT count(*) + 1 AS n FROM identity.auth_failures
       WHERE key = $1 AND at > now() - interval '1 hour'`,
      [rule.key],
    );
    const n = Number(row?.n ?? 0n);
    const longestBackoff =
      backoffSeconds(rule, n) === MAX_BACKOFF_SECONDS &&
      backoffSeconds(rule, n - 1) < MAX_BACKOFF_SECONDS;
    if (n === rule.perHour || longestBackoff) reached.push(rule.key);
  }
  return reached;
}

export async function clearFailures(tx: Tx, key: string): Promise<void> {
  await tx.query('DELETE FROM identity.auth_failures WHERE key = $1', [key]);
}

/** Forgets failures older than a day (the worker's housekeeping). */
export async function pruneFailures(q: Queryable): Promise<void> {
  await q.query(`DELETE FROM identity.auth_failures WHERE at < now() - interval '1 day'`);
}
