// The bet slip's rules, without a browser: what goes on it, singles or a multiple, stakes in
// exact minor units, and how changed prices show.
import { describe, expect, it } from 'vitest';
import type { Event } from '../../web/src/api/types.ts';
import {
  canCombine,
  effectiveMode,
  emptySlip,
  type SlipState,
  slipReducer,
} from '../../web/src/player/slip/slip-state.ts';
import { betRequests, checkStake, potentialPayout } from '../../web/src/player/slip/stakes.ts';

function event(id: string, prices: string[], status: 'open' | 'suspended' = 'open'): Event {
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
        status,
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

describe('the bet slip', () => {
  const a = event('a', ['2.10', '3.40', '3.25']);
  const b = event('b', ['1.50', '4.00', '6.00']);

  it('adds a selection, and removes it when chosen again', () => {
    let slip = pick(emptySlip(), a);
    expect(slip.legs.map((l) => l.selectionId)).toEqual(['a-s0']);
    expect(effectiveMode(slip)).toBe('singles');
    slip = pick(slip, a);
    expect(slip.legs).toEqual([]);
  });

  it('offers a multiple once selections of two events are on it', () => {
    const slip = pick(pick(emptySlip(), a), b);
    expect(effectiveMode(slip)).toBe('multiple');
    expect(canCombine(slip.legs)).toBe(true);
    expect(effectiveMode(slipReducer(slip, { type: 'mode', mode: 'singles' }))).toBe('singles');
  });

  it('should not combine two selections of one event into a multiple', () => {
    const slip = slipReducer(pick(pick(emptySlip(), a, 0), a, 1), {
      type: 'mode',
      mode: 'multiple',
    });
    expect(canCombine(slip.legs)).toBe(false);
    expect(effectiveMode(slip)).toBe('singles');
  });

  it('shows a changed price with the one it replaces, and closes a suspended market', () => {
    const slip = pick(emptySlip(), a);
    const moved = slipReducer(slip, {
      type: 'prices',
      events: [event('a', ['2.30', '3.40', '3.25'])],
    });
    expect(moved.legs[0]).toMatchObject({ price: '2.30', previousPrice: '2.10', open: true });
    const again = slipReducer(moved, {
      type: 'prices',
      events: [event('a', ['2.40', '3.40', '3.25'])],
    });
    expect(again.legs[0]).toMatchObject({ price: '2.40', previousPrice: '2.10' });
    const suspended = slipReducer(again, {
      type: 'prices',
      events: [event('a', ['2.40', '3.40', '3.25'], 'suspended')],
    });
    expect(suspended.legs[0]?.open).toBe(false);
    // Nothing new: the same state object, so nothing re-renders.
    expect(slipReducer(suspended, { type: 'prices', events: [] })).toBe(suspended);
  });

  it('should not call a switch of odds format a price change', () => {
    const slip = pick(emptySlip(), event('a', ['2.375', '3.40', '3.25']));
    const fractional = slipReducer(slip, {
      type: 'prices',
      events: [event('a', ['11/8', '12/5', '9/4'])],
    });
    expect(fractional.legs[0]).toMatchObject({ price: '11/8', previousPrice: null });
    const moved = slipReducer(fractional, {
      type: 'prices',
      events: [event('a', ['6/4', '12/5', '9/4'])],
    });
    expect(moved.legs[0]).toMatchObject({ price: '6/4', previousPrice: '11/8' });
    // Back to the price the player saw: nothing to confirm any more.
    const back = slipReducer(moved, {
      type: 'prices',
      events: [event('a', ['2.375', '3.40', '3.25'])],
    });
    expect(back.legs[0]).toMatchObject({ price: '2.375', previousPrice: null });
  });

  it('takes the current prices of an odds_changed answer', () => {
    const slip = pick(pick(emptySlip(), a), b);
    const changed = slipReducer(slip, {
      type: 'changed',
      current: [{ selectionId: 'b-s0', price: '1.45' }],
    });
    expect(changed.legs.map((l) => [l.price, l.previousPrice])).toEqual([
      ['2.10', null],
      ['1.45', '1.50'],
    ]);
  });

  it('reads stakes exactly in minor units of the wallet currency', () => {
    expect(checkStake('5.50', 'EUR')).toEqual({ ok: true, minor: '550' });
    expect(checkStake('0.29', 'EUR')).toEqual({ ok: true, minor: '29' });
    expect(checkStake('5,5', 'SEK')).toEqual({ ok: true, minor: '550' });
    expect(checkStake('1500', 'JPY')).toEqual({ ok: true, minor: '1500' });
    expect(checkStake('', 'EUR')).toEqual({ ok: false, reason: 'empty' });
    expect(checkStake('0', 'EUR')).toEqual({ ok: false, reason: 'invalid' });
    expect(checkStake('5.555', 'EUR')).toEqual({ ok: false, reason: 'invalid' });
    expect(checkStake('1e3', 'EUR')).toEqual({ ok: false, reason: 'invalid' });
    expect(checkStake('99999999999999999', 'EUR')).toEqual({ ok: false, reason: 'tooLarge' });
  });

  it('computes the payout of a multiple as the server does', () => {
    const slip = pick(pick(emptySlip(), a), b);
    // 3.33 × 2.10 × 1.50 = 10.4895 → 10.48
    expect(potentialPayout('333', slip.legs)).toBe(1048n);
    // The same in fractional odds (11/10 and 1/2).
    const fractional = slipReducer(slip, {
      type: 'prices',
      events: [event('a', ['11/10', '12/5', '9/4']), event('b', ['1/2', '3/1', '5/1'])],
    });
    expect(potentialPayout('333', fractional.legs)).toBe(1048n);
  });

  it('asks for one bet per staked single, and one bet for a multiple', () => {
    let slip = pick(pick(emptySlip(), a), b);
    slip = slipReducer(slip, { type: 'stake', selectionId: null, text: '2' });
    expect(betRequests(slip, 'EUR')).toEqual({
      requests: [
        {
          selectionIds: ['a-s0', 'b-s0'],
          oddsFormat: 'decimal',
          body: {
            stake: '200',
            legs: [
              { selectionId: 'a-s0', price: '2.10' },
              { selectionId: 'b-s0', price: '1.50' },
            ],
            acceptPriceChanges: 'none',
          },
        },
      ],
      invalid: [],
    });
    slip = slipReducer(slipReducer(slip, { type: 'mode', mode: 'singles' }), {
      type: 'stake',
      selectionId: 'b-s0',
      text: '1.25',
    });
    slip = slipReducer(slip, { type: 'policy', policy: 'higher' });
    const singles = betRequests(slip, 'EUR');
    // The unstaked single is left out; the staked one is a bet of its own.
    expect(singles.invalid).toEqual([]);
    expect(singles.requests).toEqual([
      {
        selectionIds: ['b-s0'],
        oddsFormat: 'decimal',
        body: {
          stake: '125',
          legs: [{ selectionId: 'b-s0', price: '1.50' }],
          acceptPriceChanges: 'higher',
        },
      },
    ]);
    const bad = slipReducer(slip, { type: 'stake', selectionId: 'a-s0', text: '1.234' });
    expect(betRequests(bad, 'EUR').invalid).toEqual(['a-s0']);
  });
});
