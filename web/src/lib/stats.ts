// Turning two readings of the operations figures (counters and cumulative histogram buckets
// since the process started) into what happened between them: rates, shares and latency
// percentiles. A counter that went down means the process restarted: the interval has no
// figure rather than a negative one.

export interface Buckets {
  le: (number | null)[];
  counts: number[];
}

/** The observations of a histogram between two readings, per bucket (cumulative). */
export function bucketDelta(before: Buckets | null, after: Buckets): Buckets | null {
  if (!before) return after;
  if (before.le.length !== after.le.length) return null;
  const counts = after.counts.map((c, i) => c - (before.counts[i] ?? 0));
  if (counts.some((c) => c < 0)) return null;
  return { le: after.le, counts };
}

/**
 * The q-quantile (0 < q < 1) of a cumulative histogram, interpolated linearly inside its
 * bucket as Prometheus' histogram_quantile does; null without observations. An answer in the
 * +Inf bucket is the highest finite bound.
 */
export function quantile(buckets: Buckets | null, q: number): number | null {
  if (!buckets || buckets.counts.length === 0) return null;
  const total = buckets.counts.at(-1) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (let i = 0; i < buckets.counts.length; i++) {
    const count = buckets.counts[i] ?? 0;
    const bound = buckets.le[i];
    if (count >= rank) {
      if (bound === null || bound === undefined) return lowerBound;
      if (count === lowerCount) return bound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = bound ?? lowerBound;
    lowerCount = count;
  }
  return lowerBound;
}

/** Per minute between two counter readings `ms` apart; null after a restart or no time. */
export function perMinute(before: number, after: number, ms: number): number | null {
  if (ms <= 0 || after < before) return null;
  return ((after - before) * 60_000) / ms;
}

/** A share (0–1) of two counter deltas; null when nothing happened or after a restart. */
export function share(
  partBefore: number,
  partAfter: number,
  totalBefore: number,
  totalAfter: number,
): number | null {
  const total = totalAfter - totalBefore;
  const part = partAfter - partBefore;
  if (total <= 0 || part < 0) return total === 0 ? 0 : null;
  return part / total;
}

/** The difference of two minor-unit counters as a bigint; null after a restart. */
export function minorDelta(before: string | undefined, after: string | undefined): bigint | null {
  const a = BigInt(after ?? '0');
  const b = BigInt(before ?? '0');
  return a < b ? null : a - b;
}
