// Prices come back from the API in the player's odds format; the slip reads them back to
// integer thousandths exactly as the server renders them (src/platform/odds.ts).
import { describe, expect, it } from 'vitest';
import { renderPrice } from '../../src/platform/odds.ts';
import {
  combinedPrice,
  parseAnyPrice,
  renderPrice as renderInWeb,
  samePrice,
} from '../../web/src/lib/odds.ts';

describe('odds formats in the web apps', () => {
  it('reads decimal, fractional and American odds back to thousandths', () => {
    expect(parseAnyPrice('2.375')).toBe(2375n);
    expect(parseAnyPrice('11/8')).toBe(2375n);
    expect(parseAnyPrice('+137.5')).toBe(2375n);
    expect(parseAnyPrice('1/2')).toBe(1500n);
    expect(parseAnyPrice('-200')).toBe(1500n);
    expect(parseAnyPrice('-110.01')).toBe(1909n);
    expect(parseAnyPrice('+100')).toBe(2000n);
    expect(parseAnyPrice('-100')).toBe(2000n);
    expect(parseAnyPrice('1/3')).toBeNull();
    expect(parseAnyPrice('+133.33')).toBeNull();
    expect(parseAnyPrice('1.000')).toBeNull();
    expect(parseAnyPrice('abc')).toBeNull();
  });

  it('gives back every price the server renders, in every format', () => {
    for (let thousandths = 1001; thousandths <= 30_000; thousandths += 7) {
      for (const format of ['decimal', 'fractional', 'american'] as const) {
        const text = renderPrice(thousandths, format);
        expect(parseAnyPrice(text), `${thousandths} ${format} ${text}`).toBe(BigInt(thousandths));
        expect(renderInWeb(BigInt(thousandths), format)).toBe(text);
      }
    }
  });

  it('tells a change of format from a change of price', () => {
    expect(samePrice('2.375', '11/8')).toBe(true);
    expect(samePrice('11/8', '+137.5')).toBe(true);
    expect(samePrice('2.375', '2.40')).toBe(false);
  });

  it('shows the combined odds of a multiple, rounded down to thousandths', () => {
    expect(combinedPrice(['2.10', '3.40'], 'decimal')).toBe('7.14');
    expect(combinedPrice(['1.333', '1.333'], 'decimal')).toBe('1.776');
    expect(combinedPrice(['11/8', '1/1'], 'fractional')).toBe('15/4');
    expect(combinedPrice(['+137.5', '+100'], 'american')).toBe('+375');
    expect(combinedPrice(['2.5', 'x'], 'decimal')).toBeNull();
  });
});
