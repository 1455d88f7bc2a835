import { describe, expect, it } from 'vitest';
import {
  AMOUNT_PATTERN,
  currencyExponent,
  formatLine,
  formatPrice,
  PRICE_PATTERN,
  parseLine,
  parsePrice,
  payoutFor,
} from './money.ts';

describe('prices', () => {
  it.each([
    ['2.375', 2375],
    ['2.5', 2500],
    ['2.50', 2500],
    ['2', 2000],
    ['1.01', 1010],
    ['1.001', 1001],
    ['0.001', 1],
    ['9999.999', 9_999_999],
  ])('parses %s as %i thousandths', (text, thousandths) => {
    expect(new RegExp(PRICE_PATTERN).test(text)).toBe(true);
    expect(parsePrice(text)).toBe(thousandths);
  });

  it.each([
    [2375, '2.375'],
    [2500, '2.50'],
    [3000, '3.00'],
    [2050, '2.05'],
    [1010, '1.01'],
    [1001, '1.001'],
    [100_000, '100.00'],
  ])('formats %i thousandths as %s (two to three decimals)', (thousandths, text) => {
    expect(formatPrice(thousandths)).toBe(text);
  });

  it('round-trips every price from 1.001 to 100.000 exactly', () => {
    for (let thousandths = 1001; thousandths <= 100_000; thousandths++) {
      const text = formatPrice(thousandths);
      if (parsePrice(text) !== thousandths) expect.fail(`${thousandths} → ${text}`);
      if (!/^\d+\.\d{2,3}$/.test(text)) expect.fail(`${thousandths} → ${text}`);
    }
  });

  it.each(['', '.5', '2.', '2.3755', '-2.0', '12345', '1,5', ' 2.5'])(
    'the price pattern refuses %j',
    (text) => {
      expect(new RegExp(PRICE_PATTERN).test(text)).toBe(false);
    },
  );
});

describe('lines', () => {
  it.each([
    [2500, '2.5'],
    [-250, '-0.25'],
    [0, '0'],
    [-1750, '-1.75'],
    [125, '0.125'],
    [3000, '3'],
    [-10_000, '-10'],
  ])('formats %i thousandths as %s and parses it back', (thousandths, text) => {
    expect(formatLine(thousandths)).toBe(text);
    expect(parseLine(text)).toBe(thousandths);
  });

  it('round-trips every line from -100 to 100 in steps of 0.005', () => {
    for (let thousandths = -100_000; thousandths <= 100_000; thousandths += 5) {
      const text = formatLine(thousandths);
      if (parseLine(text) !== thousandths) expect.fail(`${thousandths} → ${text}`);
    }
  });

  it('parses a line written with trailing zeros the same', () => {
    expect(parseLine('-0.250')).toBe(-250);
    expect(parseLine('2.50')).toBe(2500);
  });
});

describe('payouts', () => {
  it('rounds a single price down to the minor unit: 333 at 2.375 pays 790', () => {
    // 333 × 2.375 = 790.875
    expect(payoutFor(333n, [2375])).toBe(790n);
  });

  it.each([
    [1000n, [2375], 2375n],
    [1n, [1999], 1n],
    [999n, [1001], 999n],
    [1000n, [1500, 1500], 2250n],
    [7n, [1333, 1333, 1333], 16n], // 7 × 2.368593037 = 16.58…
    [500n, [], 500n],
  ])('pays %i at %j as %i', (stake, prices, payout) => {
    expect(payoutFor(stake, prices)).toBe(payout);
  });

  it('stays exact for the largest stake across 20 legs', () => {
    const stake = 999_999_999_999_999n;
    expect(payoutFor(stake, Array(20).fill(2000))).toBe(1_048_575_999_999_998_951_424n);
    expect(payoutFor(stake, Array(20).fill(1500))).toBe(3_325_256_730_079_647_553n);
    const odd = payoutFor(stake, Array(20).fill(1999));
    expect(odd).toBe(1_038_139_898_254_933_481_197n);
    // Floating point would be off by thousands of minor units here.
    expect(BigInt(Math.floor(Number(stake) * 1.999 ** 20))).not.toBe(odd);
  });

  it('never pays more than stake × prices and never a whole minor unit less', () => {
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      const stake = BigInt(1 + next(10_000_000));
      const prices = Array.from({ length: 1 + next(20) }, () => 1001 + next(50_000));
      const payout = payoutFor(stake, prices);
      const exact = prices.reduce((product, p) => product * BigInt(p), stake);
      const scale = 1000n ** BigInt(prices.length);
      // payout ≤ exact / scale < payout + 1
      if (!(payout * scale <= exact && exact < (payout + 1n) * scale))
        expect.fail(`${stake} at ${prices.join(',')} paid ${payout}`);
    }
  });
});

describe('amounts and currencies', () => {
  it.each(['1', '100', '999999999999999'])('the amount pattern accepts %s', (text) => {
    expect(new RegExp(AMOUNT_PATTERN).test(text)).toBe(true);
  });

  it.each(['0', '01', '-1', '1.5', '1e3', '1000000000000000', '', ' 1'])(
    'the amount pattern refuses %j',
    (text) => {
      expect(new RegExp(AMOUNT_PATTERN).test(text)).toBe(false);
    },
  );

  it.each([
    ['EUR', 2],
    ['GBP', 2],
    ['JPY', 0],
    ['BHD', 3],
  ])('knows that %s has %i decimals', (currency, exponent) => {
    expect(currencyExponent(currency)).toBe(exponent);
  });
});
