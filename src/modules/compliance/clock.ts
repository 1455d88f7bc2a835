// The compliance clock: the database's `now()`, so every process agrees on when a period
// rolls over or a cooling-off ends. Tests move it forward (a day, a week) instead of waiting;
// nothing else does — the offset lives in the process, never in the database.
let offsetSeconds = 0;

/** Seconds added to the database clock for compliance decisions (0 outside tests). */
export const clockOffset = (): number => offsetSeconds;

/** Tests: moves the compliance clock forward by `seconds` (cumulative). */
export function advanceComplianceClock(seconds: number): void {
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error('the clock only moves forward');
  offsetSeconds += seconds;
}

/** Tests: back to the database clock. */
export function resetComplianceClock(): void {
  offsetSeconds = 0;
}

/** SQL for "now" on the compliance clock, with the offset as parameter `$n`. */
export const clockSql = (n: number) => `(now() + make_interval(secs => $${n}::double precision))`;

/** SQL for "an exclusion (`starts_at`, `ends_at` of `row`) is in force at `at`". */
export const inForceSql = (row: string, at: string) =>
  `${row}.starts_at <= ${at} AND (${row}.ends_at IS NULL OR ${row}.ends_at > ${at})`;
