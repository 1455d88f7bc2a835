// The back office's new-promotion form: each of the five kinds sends the exact body the API
// takes (money in minor units of the promotion's currency, percentages in basis points, the
// acca table by leg count), the campaign's eligibility rides along, and what the server would
// refuse is caught first with the field named as the server names it.
import { describe, expect, it } from 'vitest';
import {
  commaList,
  emptyPromotion,
  type PromotionDraft,
  parseOdds,
  percentToBps,
  promotionBody,
} from '../../web/src/backoffice/promotions/promotion-form.ts';

const STARTS = '2026-12-01T18:00';
const ENDS = '2026-12-08T18:00';
const SELECTION = '0190a8c4-5b7e-7f00-8000-000000000001';
const SPORT = '0190a8c4-5b7e-7f00-8000-0000000000aa';

const draft = (change: Partial<PromotionDraft>): PromotionDraft => ({
  ...emptyPromotion(new Date('2026-12-01T18:00:00Z')),
  name: 'Weekend offer',
  startsAt: STARTS,
  endsAt: ENDS,
  ...change,
});
const window = {
  startsAt: new Date(STARTS).toISOString(),
  endsAt: new Date(ENDS).toISOString(),
};
const refused = (result: ReturnType<typeof promotionBody>) =>
  result.ok ? {} : Object.keys(result.errors);

describe('the new-promotion form', () => {
  it('sends a free bet in minor units with its eligible sports and market types', () => {
    expect(
      promotionBody(
        draft({
          amount: '3',
          minOdds: '1,5',
          expiryDays: '14',
          sports: [SPORT],
          marketTypes: ['match_result', 'over_under'],
        }),
      ),
    ).toEqual({
      ok: true,
      body: {
        kind: 'free_bet',
        name: 'Weekend offer',
        currency: 'EUR',
        ...window,
        optIn: true,
        perPlayer: 1,
        terms: {
          amount: '300',
          expiryDays: 14,
          minOdds: '1.5',
          sports: [SPORT],
          marketTypes: ['match_result', 'over_under'],
        },
      },
    });
  });

  it('sends bonus money with its wagering, no minimum odds when it is empty', () => {
    const result = promotionBody(
      draft({
        kind: 'bonus',
        amount: '10.50',
        minOdds: '',
        wageringMultiplier: '8',
        forfeitOnWithdrawal: false,
        sports: [SPORT],
      }),
    );
    expect(result.ok && result.body.terms).toEqual({
      amount: '1050',
      wageringMultiplier: 8,
      expiryDays: 7,
      forfeitOnWithdrawal: false,
    });
  });

  it('sends a deposit bonus with its percentage in basis points', () => {
    const result = promotionBody(
      draft({
        kind: 'deposit_bonus',
        percent: '50',
        maxBonus: '100',
        minDeposit: '20.00',
        wageringMultiplier: '0',
        expiryDays: '30',
      }),
    );
    expect(result.ok && result.body.terms).toEqual({
      percentBps: 5000,
      maxBonus: '10000',
      minDeposit: '2000',
      wageringMultiplier: 0,
      expiryDays: 30,
      minOdds: '1.50',
      forfeitOnWithdrawal: true,
    });
  });

  it('sends an odds boost on one selection with its boosted price and largest stake', () => {
    const result = promotionBody(
      draft({
        kind: 'odds_boost',
        selectionId: SELECTION,
        currentPrice: '2.20',
        boostedPrice: '3.00',
        maxStake: '25',
        budget: '100',
        maxAwards: '10',
        perPlayer: '2',
      }),
    );
    expect(result).toEqual({
      ok: true,
      body: {
        kind: 'odds_boost',
        name: 'Weekend offer',
        currency: 'EUR',
        ...window,
        optIn: true,
        perPlayer: 2,
        terms: { selectionId: SELECTION, boostedPrice: '3.00', maxStake: '2500' },
      },
    });
  });

  it('sends an acca bonus with its rows of legs as percentages by leg count, and no count per player', () => {
    const result = promotionBody(
      draft({
        kind: 'acca_bonus',
        optIn: false,
        minLegOdds: '1.25',
        acca: [
          { legs: '3', percent: '5' },
          { legs: '5', percent: '12.5' },
          { legs: '8', percent: '25' },
        ],
      }),
    );
    expect(result).toEqual({
      ok: true,
      body: {
        kind: 'acca_bonus',
        name: 'Weekend offer',
        currency: 'EUR',
        ...window,
        optIn: false,
        terms: { minLegOdds: '1.25', percentBpsByLegs: { '3': 500, '5': 1250, '8': 2500 } },
      },
    });
  });

  it('sends the eligibility: segments, countries, new players, per player, awards and budget', () => {
    const result = promotionBody(
      draft({
        segments: 'VIP, high-rollers vip',
        countries: 'gb, ie; de',
        newPlayersDays: '30',
        perPlayer: '3',
        maxAwards: '500',
        budget: '1000',
        description: '  A free bet for the weekend.  ',
      }),
    );
    expect(result.ok && result.body).toMatchObject({
      description: 'A free bet for the weekend.',
      segments: ['vip', 'high-rollers'],
      countries: ['GB', 'IE', 'DE'],
      newPlayersDays: 30,
      perPlayer: 3,
      maxAwards: 500,
      budget: '100000',
    });
  });

  it('types money in the minor units of the currency', () => {
    const result = promotionBody(draft({ currency: 'jpy', amount: '500', budget: '10000' }));
    expect(result.ok && result.body).toMatchObject({
      currency: 'JPY',
      budget: '10000',
      terms: { amount: '500' },
    });
    expect(refused(promotionBody(draft({ currency: 'JPY', amount: '5.5' })))).toEqual([
      'terms/amount',
    ]);
  });

  it('refuses an odds boost without a selection, or not above the current price', () => {
    expect(
      refused(promotionBody(draft({ kind: 'odds_boost', boostedPrice: '1', maxStake: '0' }))),
    ).toEqual(['terms/selectionId', 'terms/boostedPrice', 'terms/maxStake']);
    const notBetter = promotionBody(
      draft({
        kind: 'odds_boost',
        selectionId: SELECTION,
        currentPrice: '2.20',
        boostedPrice: '2.2',
      }),
    );
    expect(notBetter.ok ? {} : notBetter.errors).toEqual({
      'terms/boostedPrice':
        'Above the current price (2.20): players are offered only a better one.',
    });
  });

  it('refuses acca rows out of range or repeated, and a table without rows', () => {
    expect(
      refused(
        promotionBody(
          draft({
            kind: 'acca_bonus',
            minLegOdds: '',
            acca: [
              { legs: '1', percent: '5' },
              { legs: '4', percent: '0' },
              { legs: '4', percent: '10' },
            ],
          }),
        ),
      ),
    ).toEqual(['acca/0/legs', 'acca/1/percent', 'acca/2/legs', 'terms/minLegOdds']);
    expect(refused(promotionBody(draft({ kind: 'acca_bonus', acca: [] })))).toEqual([
      'terms/percentBpsByLegs',
    ]);
  });

  it('refuses a promotion without a name, that ends before it starts, or with a bad currency', () => {
    expect(
      refused(promotionBody(draft({ name: ' ', currency: 'EU', endsAt: '2026-11-30T18:00' }))),
    ).toEqual(['name', 'currency', 'endsAt']);
  });

  it('refuses terms out of range, each on its field', () => {
    expect(
      refused(
        promotionBody(
          draft({
            kind: 'deposit_bonus',
            percent: '1000.01',
            maxBonus: '',
            minDeposit: '-1',
            wageringMultiplier: '101',
            expiryDays: '0',
            minOdds: '1.000',
          }),
        ),
      ),
    ).toEqual([
      'terms/minOdds',
      'terms/percentBps',
      'terms/maxBonus',
      'terms/minDeposit',
      'terms/wageringMultiplier',
      'terms/expiryDays',
    ]);
  });

  it('refuses eligibility the server would not take', () => {
    expect(
      refused(
        promotionBody(
          draft({
            segments: 'vip',
            countries: 'GBR',
            newPlayersDays: '0',
            perPlayer: '1001',
            maxAwards: '0',
            budget: '1.234',
          }),
        ),
      ),
    ).toEqual(['countries', 'newPlayersDays', 'perPlayer', 'maxAwards', 'budget']);
    expect(refused(promotionBody(draft({ segments: 'VIP Club!' })))).toEqual(['segments']);
  });

  it('reads percentages, odds and comma lists exactly', () => {
    expect(percentToBps('12.5')).toBe(1250);
    expect(percentToBps('1000')).toBe(100_000);
    expect(percentToBps('0')).toBeNull();
    expect(percentToBps('0.005')).toBeNull();
    expect(parseOdds('1.001')).toBe('1.001');
    expect(parseOdds('1')).toBeNull();
    expect(parseOdds('1000.001')).toBeNull();
    expect(commaList(' a, b ,,a c ')).toEqual(['a', 'b', 'c']);
    expect(commaList('')).toEqual([]);
  });
});
