// The back office's loyalty scheme form: what staff type becomes the PUT body exactly, and
// what the server would refuse is caught beside the field before anything is sent.
import { describe, expect, it } from 'vitest';
import {
  bpsToMultiplier,
  draftFromConfig,
  type LoyaltyConfig,
  loyaltyBody,
  multiplierToBps,
  parseWhole,
} from '../../web/src/backoffice/loyalty/loyalty-form.ts';
import { problemFields } from '../../web/src/backoffice/problem-fields.ts';

const FOOTBALL = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';

const scheme: LoyaltyConfig = {
  rates: [
    { sportId: null, betKind: null, pointsPerHundred: 1 },
    { sportId: FOOTBALL, betKind: 'multiple', pointsPerHundred: 3 },
  ],
  tiers: [
    { name: 'bronze', minPoints: '0', multiplierBps: 10_000 },
    { name: 'silver', minPoints: '1000', multiplierBps: 11_000 },
    { name: 'gold', minPoints: '5000', multiplierBps: 12_500 },
  ],
  redemption: {
    pointsPerHundred: 100,
    minRedeemPoints: '500',
    freeBetExpiryDays: 7,
    freeBetMinOdds: 1500,
    bonusWageringMultiplier: 5,
    bonusExpiryDays: 30,
  },
};

const refused = (result: ReturnType<typeof loyaltyBody>) => (result.ok ? {} : result.errors);

describe('the loyalty scheme form', () => {
  it('sends back unchanged exactly the scheme it was given', () => {
    const result = loyaltyBody(draftFromConfig(scheme));
    expect(result).toEqual({ ok: true, body: scheme });
  });

  it('shows tier multipliers and free-bet odds as decimals and reads them back exactly', () => {
    const draft = draftFromConfig(scheme);
    expect(draft.tiers.map((t) => t.multiplier)).toEqual(['1', '1.1', '1.25']);
    expect(draft.redemption.freeBetMinOdds).toBe('1.500');
    expect(multiplierToBps('1.1')).toBe(11_000);
    expect(multiplierToBps('0,75')).toBe(7_500);
    expect(multiplierToBps('1.00001')).toBeNull();
    expect(multiplierToBps('abc')).toBeNull();
    expect(bpsToMultiplier(15_000)).toBe('1.5');
    expect(bpsToMultiplier(0)).toBe('0');
  });

  it('sends no minimum odds when the field is empty', () => {
    const draft = draftFromConfig(scheme);
    draft.redemption.freeBetMinOdds = '';
    const result = loyaltyBody(draft);
    expect(result.ok && result.body.redemption.freeBetMinOdds).toBeNull();
  });

  it('reads an empty sport and kind as the default rate', () => {
    const draft = draftFromConfig(scheme);
    expect(draft.rates[0]).toEqual({ sportId: '', betKind: '', pointsPerHundred: '1' });
  });

  it('refuses a scheme without a default rate', () => {
    const draft = draftFromConfig(scheme);
    draft.rates = draft.rates.slice(1);
    expect(refused(loyaltyBody(draft))).toEqual({ rates: 'loyalty.error.defaultRate' });
  });

  it('refuses two rates for the same sport and bet kind', () => {
    const draft = draftFromConfig(scheme);
    draft.rates.push({
      sportId: FOOTBALL.toUpperCase(),
      betKind: 'multiple',
      pointsPerHundred: '2',
    });
    expect(refused(loyaltyBody(draft))).toEqual({
      'rates/2/betKind': 'loyalty.error.duplicateRate',
    });
  });

  it('refuses a sport that is not an ID and a rate that is not a whole number in range', () => {
    const draft = draftFromConfig(scheme);
    draft.rates[1] = { sportId: 'football', betKind: 'single', pointsPerHundred: '1.5' };
    draft.rates.push({ sportId: '', betKind: 'system', pointsPerHundred: '100001' });
    expect(refused(loyaltyBody(draft))).toEqual({
      'rates/1/sportId': 'loyalty.error.sport',
      'rates/1/pointsPerHundred': 'loyalty.error.rate',
      'rates/2/pointsPerHundred': 'loyalty.error.rate',
    });
  });

  it('refuses tiers without one from 0 points, or two from the same points', () => {
    const draft = draftFromConfig(scheme);
    draft.tiers[0] = { name: 'bronze', minPoints: '1000', multiplier: '1' };
    expect(refused(loyaltyBody(draft))).toEqual({
      'tiers/1/minPoints': 'loyalty.error.duplicateTier',
      tiers: 'loyalty.error.zeroTier',
    });
  });

  it('refuses a tier with no name, negative points or a multiplier above 10', () => {
    const draft = draftFromConfig(scheme);
    draft.tiers[1] = { name: '  ', minPoints: '-5', multiplier: '10.5' };
    expect(refused(loyaltyBody(draft))).toEqual({
      'tiers/1/name': 'loyalty.error.tierName',
      'tiers/1/minPoints': 'loyalty.error.points',
      'tiers/1/multiplierBps': 'loyalty.error.multiplier',
    });
  });

  it('refuses redemption terms outside what the server accepts', () => {
    const draft = draftFromConfig(scheme);
    draft.redemption = {
      pointsPerHundred: '0',
      minRedeemPoints: '0',
      freeBetExpiryDays: '366',
      freeBetMinOdds: '1.0001',
      bonusWageringMultiplier: '101',
      bonusExpiryDays: '',
    };
    expect(refused(loyaltyBody(draft))).toEqual({
      'redemption/pointsPerHundred': 'loyalty.error.redeemRate',
      'redemption/minRedeemPoints': 'loyalty.error.minRedeem',
      'redemption/freeBetExpiryDays': 'loyalty.error.days',
      'redemption/freeBetMinOdds': 'loyalty.error.odds',
      'redemption/bonusWageringMultiplier': 'loyalty.error.wagering',
      'redemption/bonusExpiryDays': 'loyalty.error.days',
    });
  });

  it('reads whole numbers only, within their range', () => {
    expect(parseWhole(' 12 ', 0, 100)).toBe(12);
    expect(parseWhole('0', 1, 100)).toBeNull();
    expect(parseWhole('1e2', 0, 1000)).toBeNull();
    expect(parseWhole('-1', -5, 5)).toBeNull();
    expect(parseWhole('', 0, 5)).toBeNull();
  });
});

describe('the fields a refused request points at', () => {
  it('puts schema validation errors beside the field their JSON pointer names', () => {
    expect(
      problemFields({
        status: 400,
        code: 'validation_failed',
        errors: [
          { in: 'body', path: '/rates/0/pointsPerHundred', message: 'must be <= 100000' },
          { in: 'body', path: '/rates/0/pointsPerHundred', message: 'second message' },
          { in: 'body', path: '/redemption/bonusExpiryDays', message: 'must be >= 1' },
        ],
      }),
    ).toEqual({
      'rates/0/pointsPerHundred': 'must be <= 100000',
      'redemption/bonusExpiryDays': 'must be >= 1',
    });
  });

  it("puts a domain refusal beside its named field, with the server's detail", () => {
    expect(
      problemFields({
        status: 400,
        code: 'invalid_plan',
        field: 'tiers',
        detail: 'Tiers go up: each fromNgr above the one before.',
      }),
    ).toEqual({ tiers: 'Tiers go up: each fromNgr above the one before.' });
  });

  it('names no field for a refusal about the whole request', () => {
    expect(problemFields({ status: 400, code: 'invalid_promotion_terms', detail: 'x' })).toEqual(
      {},
    );
    expect(problemFields(undefined)).toEqual({});
  });
});
