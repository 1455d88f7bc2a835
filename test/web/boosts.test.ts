// Odds boosts on the slip, without a browser: which promotions are boosts the player can take,
// which one a single is offered, and how a boosted single is sent (docs/promotions.md).
import { describe, expect, it } from 'vitest';
import type { Event } from '../../web/src/api/types.ts';
import {
  boostApplied,
  boostOf,
  boostOffered,
  boostPrice,
  overBoostMax,
  type PlayerPromotion,
  usableBoosts,
} from '../../web/src/player/slip/boosts.ts';
import { emptySlip, type SlipState, slipReducer } from '../../web/src/player/slip/slip-state.ts';
import { betRequests, potentialPayout, singleBody } from '../../web/src/player/slip/stakes.ts';

function event(id: string, prices: string[]): Event {
  return {
    id,
    sport: { id: 'sp', slug: 'football', name: 'Football' },
    competition: { id: 'c', name: 'League' },
    name: `Event ${id}`,
    home: 'Home',
    away: 'Away',
    startsAt: new Date(Date.now() + 86_400_000).toISOString(),
    status: 'scheduled',
    markets: [
      {
        id: `${id}-m`,
        eventId: id,
        type: 'match_result',
        name: 'Match result',
        line: null,
        status: 'open',
        inPlay: false,
        eachWay: null,
        selections: prices.map((price, i) => ({
          id: `${id}-s${i}`,
          name: ['Home', 'Draw', 'Away'][i] ?? `S${i}`,
          outcome: null,
          price,
          result: null,
        })),
      },
    ],
  };
}

function pick(state: SlipState, e: Event, index = 0): SlipState {
  const market = e.markets[0]!;
  return slipReducer(state, {
    type: 'toggle',
    event: e,
    market,
    selection: market.selections[index]!,
  });
}

function promotion(overrides: Partial<PlayerPromotion> = {}): PlayerPromotion {
  return {
    id: 'boost-1',
    kind: 'odds_boost',
    name: 'Home boosted',
    description: '',
    currency: 'EUR',
    endsAt: new Date(Date.now() + 86_400_000).toISOString(),
    optIn: false,
    optedIn: false,
    claimed: 0,
    perPlayer: 1,
    terms: { selectionId: 'a-s0', boostedPrice: '3.00', maxStake: '1000' },
    ...overrides,
  };
}

describe('odds boosts on the slip', () => {
  const a = event('a', ['2.10', '3.40', '3.25']);
  const b = event('b', ['1.50', '4.00', '6.00']);

  it('reads a boost from an odds_boost promotion’s terms, and nothing from other kinds', () => {
    expect(boostOf(promotion())).toEqual({
      id: 'boost-1',
      name: 'Home boosted',
      selectionId: 'a-s0',
      price: 3000n,
      maxStake: '1000',
    });
    expect(boostOf(promotion({ kind: 'free_bet' }))).toBeUndefined();
    expect(
      boostOf(promotion({ terms: { selectionId: 'a-s0', maxStake: '1000' } })),
    ).toBeUndefined();
    expect(
      boostOf(promotion({ terms: { selectionId: 'a-s0', boostedPrice: 'x', maxStake: '1000' } })),
    ).toBeUndefined();
  });

  it('offers only boosts the player may take: opted in where asked, not used up', () => {
    expect(usableBoosts([promotion()])).toHaveLength(1);
    expect(usableBoosts([promotion({ optIn: true })])).toEqual([]);
    expect(usableBoosts([promotion({ optIn: true, optedIn: true })])).toHaveLength(1);
    expect(usableBoosts([promotion({ claimed: 1, perPlayer: 1 })])).toEqual([]);
  });

  it('offers a boost to a single on its selection, not to other selections or combined bets', () => {
    const boosts = usableBoosts([promotion()]);
    const single = pick(emptySlip(), a);
    expect(boostOffered(single, single.legs[0]!, boosts)?.id).toBe('boost-1');
    const other = pick(emptySlip(), a, 1);
    expect(boostOffered(other, other.legs[0]!, boosts)).toBeUndefined();
    const multiple = pick(single, b);
    expect(boostOffered(multiple, multiple.legs[0]!, boosts)).toBeUndefined();
    const singles = slipReducer(multiple, { type: 'mode', mode: 'singles' });
    expect(boostOffered(singles, singles.legs[0]!, boosts)?.id).toBe('boost-1');
  });

  it('should not offer a boost that does not better the price, and picks the best of several', () => {
    const worse = usableBoosts([
      promotion({ terms: { selectionId: 'a-s0', boostedPrice: '2.10', maxStake: '1000' } }),
    ]);
    const slip = pick(emptySlip(), a);
    expect(boostOffered(slip, slip.legs[0]!, worse)).toBeUndefined();
    const several = usableBoosts([
      promotion(),
      promotion({
        id: 'boost-2',
        terms: { selectionId: 'a-s0', boostedPrice: '3.50', maxStake: '500' },
      }),
    ]);
    expect(boostOffered(slip, slip.legs[0]!, several)?.id).toBe('boost-2');
  });

  it('sends a boosted single with its boostId at the boosted price, and a plain one without', () => {
    const boosts = usableBoosts([promotion()]);
    let slip = pick(emptySlip(), a);
    slip = slipReducer(slip, { type: 'stake', selectionId: 'a-s0', text: '5' });
    expect(betRequests(slip, 'EUR', 'decimal', boosts).requests[0]?.body).not.toHaveProperty(
      'boostId',
    );
    slip = slipReducer(slip, { type: 'boost', selectionId: 'a-s0', boostId: 'boost-1' });
    const leg = slip.legs[0]!;
    const applied = boostApplied(slip, leg, boosts);
    expect(applied?.id).toBe('boost-1');
    expect(singleBody(slip, leg, applied)).toEqual({
      legs: [{ selectionId: 'a-s0', price: '3.00' }],
      boostId: 'boost-1',
    });
    const [request] = betRequests(slip, 'EUR', 'fractional', boosts).requests;
    expect(request?.body).toMatchObject({
      stake: '500',
      legs: [{ selectionId: 'a-s0', price: '3.00' }],
      boostId: 'boost-1',
    });
    expect(potentialPayout('500', [{ ...leg, price: '3.00' }])).toBe(1500n);
  });

  it('drops a boost when it is removed, its leg leaves the slip, or the bet is no longer a single', () => {
    const boosts = usableBoosts([promotion()]);
    const boosted = slipReducer(pick(emptySlip(), a), {
      type: 'boost',
      selectionId: 'a-s0',
      boostId: 'boost-1',
    });
    const removed = slipReducer(boosted, { type: 'boost', selectionId: 'a-s0', boostId: null });
    expect(boostApplied(removed, removed.legs[0]!, boosts)).toBeUndefined();
    expect(slipReducer(boosted, { type: 'remove', selectionId: 'a-s0' }).boosts).toEqual({});
    const multiple = pick(boosted, b);
    expect(boostApplied(multiple, multiple.legs[0]!, boosts)).toBeUndefined();
    expect(
      betRequests(
        slipReducer(multiple, { type: 'stake', selectionId: null, text: '5' }),
        'EUR',
        'decimal',
        boosts,
      ).requests[0]?.body,
    ).not.toHaveProperty('boostId');
  });

  it('should not take a boost for a selection that is not on the slip', () => {
    const slip = pick(emptySlip(), a);
    expect(slipReducer(slip, { type: 'boost', selectionId: 'zz', boostId: 'boost-1' })).toBe(slip);
  });

  it('shows the boosted price in the player’s odds format and checks its maximum stake', () => {
    const [boost] = usableBoosts([promotion()]);
    expect(boostPrice(boost!, 'decimal')).toBe('3.00');
    expect(boostPrice(boost!, 'fractional')).toBe('2/1');
    expect(boostPrice(boost!, 'american')).toBe('+200');
    expect(overBoostMax(boost!, '1000')).toBe(false);
    expect(overBoostMax(boost!, '1001')).toBe(true);
  });
});
