// The operations dashboard's arithmetic: rates, shares and latency quantiles from two readings
// of counters and cumulative histogram buckets.
import { describe, expect, it } from 'vitest';
import { bucketDelta, minorDelta, perMinute, quantile, share } from '../../web/src/lib/stats.ts';

const le = [0.01, 0.05, 0.1, 0.5, null];

describe('the operations dashboard figures', () => {
  it('interpolates quantiles inside their bucket as histogram_quantile does', () => {
    // 100 observations: 50 ≤ 10 ms, 40 in (10, 50] ms, 10 in (50, 100] ms.
    const buckets = { le, counts: [50, 90, 100, 100, 100] };
    expect(quantile(buckets, 0.5)).toBeCloseTo(0.01);
    expect(quantile(buckets, 0.7)).toBeCloseTo(0.01 + 0.04 * (20 / 40));
    expect(quantile(buckets, 0.95)).toBeCloseTo(0.05 + 0.05 * 0.5);
    expect(quantile(buckets, 0.99)).toBeCloseTo(0.05 + 0.05 * 0.9);
  });

  it('answers the highest finite bound for a quantile in the +Inf bucket, and null without data', () => {
    expect(quantile({ le, counts: [0, 0, 0, 1, 10] }, 0.99)).toBe(0.5);
    expect(quantile({ le, counts: [0, 0, 0, 0, 0] }, 0.5)).toBeNull();
    expect(quantile(null, 0.5)).toBeNull();
  });

  it('takes the observations between two readings, and none across a restart', () => {
    const before = { le, counts: [10, 20, 30, 40, 50] };
    const after = { le, counts: [15, 26, 40, 50, 60] };
    expect(bucketDelta(before, after)).toEqual({ le, counts: [5, 6, 10, 10, 10] });
    expect(bucketDelta(after, before)).toBeNull();
    expect(bucketDelta(null, after)).toBe(after);
  });

  it('computes rates per minute and shares, and no figure after a restart', () => {
    expect(perMinute(100, 130, 30_000)).toBe(60);
    expect(perMinute(100, 10, 30_000)).toBeNull();
    expect(perMinute(1, 2, 0)).toBeNull();
    expect(share(1, 3, 100, 200)).toBe(0.02);
    expect(share(1, 1, 100, 100)).toBe(0);
    expect(minorDelta('1000', '99999999999999999')).toBe(99999999999998999n);
    expect(minorDelta('5', '4')).toBeNull();
  });
});
