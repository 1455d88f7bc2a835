// The arithmetic of promotions, exact to the minor unit: the acca bonus table, loyalty rates,
// tiers and points, and the award of a deposit bonus.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { awardAmount } from '../../src/modules/promotions/award.ts';
import { accaPercent } from '../../src/modules/promotions/bet-promotions.ts';
import { pointsFor, rateFor, tierFor } from '../../src/modules/promotions/index.ts';
import type { Promotion } from '../../src/modules/promotions/promotion.ts';

describe('promotion rules', () => {
  it('takes the acca percentage of the largest leg count not above the legs won', () => {
    const table = { '3': 500, '5': 1000, '8': 2500 };
    expect(accaPercent(table, 2)).toBe(0);
    expect(accaPercent(table, 3)).toBe(500);
    expect(accaPercent(table, 4)).toBe(500);
    expect(accaPercent(table, 7)).toBe(1000);
    expect(accaPercent(table, 20)).toBe(2500);
  });

  it('uses the most specific loyalty rate: sport and kind, sport, kind, then the default', () => {
    const rates = [
      { sportId: null, betKind: null, pointsPerHundred: 1 },
      { sportId: null, betKind: 'multiple' as const, pointsPerHundred: 3 },
      { sportId: 's1', betKind: null, pointsPerHundred: 2 },
      { sportId: 's1', betKind: 'multiple' as const, pointsPerHundred: 5 },
    ];
    expect(rateFor(rates, 's1', 'multiple')).toBe(5);
    expect(rateFor(rates, 's1', 'single')).toBe(2);
    expect(rateFor(rates, 's2', 'multiple')).toBe(3);
    expect(rateFor(rates, null, 'system')).toBe(1);
  });

  it('puts a player in the highest tier their lifetime points reach', () => {
    const tiers = [
      { name: 'bronze', minPoints: '0', multiplierBps: 10_000 },
      { name: 'silver', minPoints: '1000', multiplierBps: 11_000 },
    ];
    expect(tierFor(tiers, 999n)?.name).toBe('bronze');
    expect(tierFor(tiers, 1000n)?.name).toBe('silver');
  });

  it('rounds loyalty points down, never above the exact figure', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 50_000 }),
        (stake, rate, multiplier) => {
          const points = pointsFor(stake, rate, multiplier);
          // points ≤ stake × rate / 100 × multiplier / 10000 < points + 1 (after each floor).
          expect(points * 100n * 10_000n <= stake * BigInt(rate) * BigInt(multiplier)).toBe(true);
          expect(points >= 0n).toBe(true);
        },
      ),
    );
  });

  it('awards a deposit bonus as the share of the deposit, capped, rounded down', () => {
    const promotion = {
      kind: 'deposit_bonus',
      terms: { percentBps: 3333, maxBonus: '5000', minDeposit: '100' },
    } as unknown as Promotion;
    expect(awardAmount(promotion, 1000n)).toBe(333n);
    expect(awardAmount(promotion, 100_000n)).toBe(5000n);
    fc.assert(
      fc.property(fc.bigInt({ min: 100n, max: 10n ** 12n }), (deposit) => {
        const bonus = awardAmount(promotion, deposit);
        expect(bonus <= 5000n).toBe(true);
        expect(bonus * 10_000n <= deposit * 3333n).toBe(true);
      }),
    );
  });
});
