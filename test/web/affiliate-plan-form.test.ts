// The back office's commission plan form: rates typed as percentages and money typed in the
// plan currency's major units become the exact body the API takes (basis points, minor units),
// each plan type sends only its own terms, and what the server would refuse is caught first.
import { describe, expect, it } from 'vitest';
import {
  bpsToPercent,
  emptyPlan,
  isMonth,
  monthOf,
  type PlanDraft,
  percentToBps,
  planBody,
  previousMonth,
} from '../../web/src/backoffice/affiliates/plan-form.ts';

const plan = (change: Partial<PlanDraft>): PlanDraft => ({
  ...emptyPlan(),
  name: 'Standard',
  ...change,
});
const refused = (result: ReturnType<typeof planBody>) => (result.ok ? {} : result.errors);

describe('the commission plan form', () => {
  it('sends a revenue share with negative carryover as basis points', () => {
    expect(planBody(plan({ revSharePercent: '27.5', adminFeePercent: '10' }))).toEqual({
      ok: true,
      body: {
        name: 'Standard',
        type: 'revshare',
        currency: 'EUR',
        revShareBps: 2750,
        adminFeeBps: 1000,
        negativeCarryover: true,
      },
    });
  });

  it('sends a revenue share without carryover when it is switched off', () => {
    const result = planBody(plan({ negativeCarryover: false }));
    expect(result.ok && result.body.negativeCarryover).toBe(false);
  });

  it('sends a CPA plan in minor units, with no revenue share and no carryover', () => {
    expect(
      planBody(
        plan({
          type: 'cpa',
          cpaAmount: '50',
          cpaMinDeposit: '20.00',
          cpaMinWagering: '100,50',
          cpaWindowDays: '60',
          revSharePercent: '25',
        }),
      ),
    ).toEqual({
      ok: true,
      body: {
        name: 'Standard',
        type: 'cpa',
        currency: 'EUR',
        cpaAmount: '5000',
        cpaMinDeposit: '2000',
        cpaMinWagering: '10050',
        cpaWindowDays: 60,
      },
    });
  });

  it('sends both terms for a hybrid plan, an empty minimum as 0', () => {
    const result = planBody(plan({ type: 'hybrid', revSharePercent: '20', cpaAmount: '30' }));
    expect(result).toEqual({
      ok: true,
      body: {
        name: 'Standard',
        type: 'hybrid',
        currency: 'EUR',
        revShareBps: 2000,
        cpaAmount: '3000',
        cpaMinDeposit: '0',
        cpaMinWagering: '0',
        cpaWindowDays: 90,
        negativeCarryover: true,
      },
    });
  });

  it('sends tiers in the minor units of the plan currency', () => {
    const result = planBody(
      plan({
        type: 'tiered',
        currency: 'jpy',
        tiers: [
          { fromNgr: '0', revSharePercent: '25' },
          { fromNgr: '100000', revSharePercent: '30' },
        ],
      }),
    );
    expect(result).toEqual({
      ok: true,
      body: {
        name: 'Standard',
        type: 'tiered',
        currency: 'JPY',
        tiers: [
          { fromNgr: '0', revShareBps: 2500 },
          { fromNgr: '100000', revShareBps: 3000 },
        ],
        negativeCarryover: true,
      },
    });
  });

  it('refuses tiers that do not start at 0 or do not rise', () => {
    const tiered = (tiers: PlanDraft['tiers']) =>
      refused(planBody(plan({ type: 'tiered', tiers })));
    expect(tiered([{ fromNgr: '10', revSharePercent: '25' }])).toEqual({
      tiers: 'affiliates.error.firstTier',
    });
    expect(
      tiered([
        { fromNgr: '0', revSharePercent: '25' },
        { fromNgr: '500', revSharePercent: '30' },
        { fromNgr: '500.00', revSharePercent: '35' },
      ]),
    ).toEqual({ tiers: 'affiliates.error.tierOrder' });
    expect(tiered([])).toEqual({ tiers: 'affiliates.error.tierCount' });
  });

  it('refuses more decimals than the currency has', () => {
    expect(refused(planBody(plan({ type: 'cpa', cpaAmount: '10.555' })))).toEqual({
      cpaAmount: 'affiliates.error.cpa',
    });
    expect(refused(planBody(plan({ type: 'cpa', currency: 'JPY', cpaAmount: '10.5' })))).toEqual({
      cpaAmount: 'affiliates.error.cpa',
    });
  });

  it('refuses a revenue share of 0 or above 100 %, and a CPA plan that pays nothing', () => {
    expect(refused(planBody(plan({ revSharePercent: '0' })))).toEqual({
      revShareBps: 'affiliates.error.revShare',
    });
    expect(refused(planBody(plan({ revSharePercent: '100.01' })))).toEqual({
      revShareBps: 'affiliates.error.revShare',
    });
    expect(refused(planBody(plan({ type: 'cpa', cpaAmount: '' })))).toEqual({
      cpaAmount: 'affiliates.error.cpa',
    });
  });

  it('refuses a plan with no name, a bad currency or a window out of range', () => {
    expect(
      refused(
        planBody(
          plan({ name: ' ', currency: 'EU', type: 'cpa', cpaAmount: '5', cpaWindowDays: '0' }),
        ),
      ),
    ).toEqual({
      name: 'affiliates.error.name',
      currency: 'affiliates.error.currency',
      cpaWindowDays: 'affiliates.error.window',
    });
  });

  it('converts percentages and basis points both ways exactly', () => {
    expect(percentToBps('12.5')).toBe(1250);
    expect(percentToBps('0.01')).toBe(1);
    expect(percentToBps('100')).toBe(10_000);
    expect(percentToBps('12.345')).toBeNull();
    expect(percentToBps('-1')).toBeNull();
    expect(bpsToPercent(1250)).toBe('12.5');
    expect(bpsToPercent(2500)).toBe('25');
    expect(bpsToPercent(1)).toBe('0.01');
    expect(bpsToPercent(0)).toBe('0');
  });
});

describe('the months statements are computed for', () => {
  it('names months in UTC as the API does', () => {
    expect(monthOf(new Date('2026-03-31T23:30:00Z'))).toBe('2026-03');
    expect(previousMonth(new Date('2026-01-15T00:00:00Z'))).toBe('2025-12');
    expect(previousMonth(new Date('2026-03-31T12:00:00Z'))).toBe('2026-02');
  });

  it('accepts only a year and a month', () => {
    expect(isMonth('2026-03')).toBe(true);
    expect(isMonth('2026-13')).toBe(false);
    expect(isMonth('2026-3')).toBe(false);
    expect(isMonth('')).toBe(false);
  });
});
