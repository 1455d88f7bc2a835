import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANY_PRICE_PATTERN, parseAnyPrice, renderPrice, toAmerican, toFractional } from './odds.ts';

describe('odds formats', () => {
  it.each([
    [2375, '11/8'],
    [2000, '1/1'],
    [1500, '1/2'],
    [1909, '909/1000'],
    [1001, '1/1000'],
    [3250, '9/4'],
    [11000, '10/1'],
    [1_000_000, '999/1'],
    [1833, '833/1000'],
    [2100, '11/10'],
  ])('renders %i thousandths as fractional %s', (price, fractional) => {
    expect(toFractional(price)).toBe(fractional);
    expect(parseAnyPrice(fractional)).toBe(price);
  });

  it.each([
    [2375, '+137.5'],
    [2000, '+100'],
    [3000, '+200'],
    [2001, '+100.1'],
    [1_000_000, '+99900'],
    [1500, '-200'],
    [1909, '-110.01'],
    [1910, '-109.89'],
    [1250, '-400'],
    [1001, '-100000'],
    [1999, '-100.1'],
    [1998, '-100.2'],
    [1333, '-300.3'],
    [1667, '-149.93'],
  ])('renders %i thousandths as American %s', (price, american) => {
    expect(toAmerican(price)).toBe(american);
    expect(parseAnyPrice(american)).toBe(price);
  });

  it('parses decimal prices as they are written and refuses prices between thousandths', () => {
    expect(parseAnyPrice('2.375')).toBe(2375);
    expect(parseAnyPrice('2')).toBe(2000);
    expect(parseAnyPrice('-100')).toBe(2000);
    expect(parseAnyPrice('1/3')).toBeUndefined(); // 1.333…
    expect(parseAnyPrice('+133.33')).toBeUndefined(); // 2.3333
    expect(parseAnyPrice('+50')).toBeUndefined(); // American odds are never between -100 and +100
    expect(parseAnyPrice('-110')).toBeUndefined(); // 1.90909…; 1.909 renders as -110.01
    expect(parseAnyPrice('-99.5')).toBeUndefined();
    expect(parseAnyPrice('abc')).toBeUndefined();
  });

  it('round-trips every price from 1.001 to 1000 through every format', () => {
    const pattern = new RegExp(ANY_PRICE_PATTERN);
    fc.assert(
      fc.property(fc.integer({ min: 1001, max: 1_000_000 }), (price) => {
        for (const format of ['decimal', 'fractional', 'american'] as const) {
          const text = renderPrice(price, format);
          expect(pattern.test(text), text).toBe(true);
          expect(parseAnyPrice(text)).toBe(price);
        }
      }),
      { numRuns: 3000 },
    );
    // Every price below evens, where American odds round, exhaustively.
    for (let price = 1001; price < 2000; price++)
      expect(parseAnyPrice(toAmerican(price))).toBe(price);
  });
});
