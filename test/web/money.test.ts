import { describe, expect, it } from 'vitest';
import {
  currencyExponent,
  formatMinor,
  minorToDecimal,
  parseMajorToMinor,
  payout,
  priceToThousandths,
} from '../../web/src/lib/money.ts';

describe("the web apps' money helpers", () => {
  it('reads a stake typed in major units as exact minor units', () => {
    expect(parseMajorToMinor('5.50', 2)).toBe('550');
    expect(parseMajorToMinor('5.5', 2)).toBe('550');
    expect(parseMajorToMinor('5', 2)).toBe('500');
    expect(parseMajorToMinor(' 12,34 ', 2)).toBe('1234');
    expect(parseMajorToMinor('.5', 2)).toBe('50');
    expect(parseMajorToMinor('5.', 2)).toBe('500');
    expect(parseMajorToMinor('0.01', 2)).toBe('1');
    expect(parseMajorToMinor('007.10', 2)).toBe('710');
    expect(parseMajorToMinor('0', 2)).toBe('0');
    expect(parseMajorToMinor('1500', 0)).toBe('1500');
  });

  it('never loses digits to floating point', () => {
    expect(parseMajorToMinor('0.29', 2)).toBe('29'); // 0.29 * 100 = 28.999999999999996
    expect(parseMajorToMinor('1.005', 3)).toBe('1005');
    expect(parseMajorToMinor('123456789012345.67', 2)).toBe('12345678901234567');
  });

  it('refuses more decimals than the currency has', () => {
    expect(parseMajorToMinor('5.500', 2)).toBeNull();
    expect(parseMajorToMinor('5.555', 2)).toBeNull();
    expect(parseMajorToMinor('5.5', 0)).toBeNull();
    expect(parseMajorToMinor('5.', 0)).toBe('5');
  });

  it('refuses what is not an amount', () => {
    for (const text of [
      '',
      ' ',
      '.',
      '-5',
      '+5',
      '1e3',
      'abc',
      '5.5.5',
      '1,000.00',
      '5 EUR',
      '€5',
    ]) {
      expect(parseMajorToMinor(text, 2), text).toBeNull();
    }
    // A comma that may be a thousands separator is not guessed at, whatever the currency.
    expect(parseMajorToMinor('1,000', 2)).toBeNull();
    expect(parseMajorToMinor('1,000', 3)).toBeNull();
    expect(parseMajorToMinor('1.000', 3)).toBe('1000');
  });

  it('writes minor units as a decimal', () => {
    expect(minorToDecimal('1050', 2)).toBe('10.50');
    expect(minorToDecimal('5', 2)).toBe('0.05');
    expect(minorToDecimal('0', 2)).toBe('0.00');
    expect(minorToDecimal('-1050', 2)).toBe('-10.50');
    expect(minorToDecimal('-0', 2)).toBe('0.00');
    expect(minorToDecimal('1500', 0)).toBe('1500');
    expect(minorToDecimal(12345678901234567890n, 2)).toBe('123456789012345678.90');
    expect(() => minorToDecimal('1.5', 2)).toThrow(TypeError);
  });

  it('formats minor units in the currency, exactly', () => {
    expect(formatMinor('1050', 'EUR', 'en-IE')).toBe('€10.50');
    expect(formatMinor('0', 'EUR', 'en-IE')).toBe('€0.00');
    expect(formatMinor('1500', 'JPY', 'en-US')).toBe('¥1,500');
    expect(formatMinor('123456789012345678', 'GBP', 'en-GB')).toBe('£1,234,567,890,123,456.78');
    expect(formatMinor('-250', 'USD', 'en-US')).toBe('-$2.50');
    expect(formatMinor('199', 'EUR', 'de-DE')).toBe('1,99\u00a0€');
  });

  it('knows the minor-unit exponent of a currency', () => {
    expect(currencyExponent('EUR')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
  });

  it('reads prices as integer thousandths', () => {
    expect(priceToThousandths('2.375')).toBe(2375n);
    expect(priceToThousandths('2.5')).toBe(2500n);
    expect(priceToThousandths('2.90')).toBe(2900n);
    expect(priceToThousandths('3')).toBe(3000n);
    expect(priceToThousandths('1000')).toBe(1_000_000n);
    expect(priceToThousandths('2.3755')).toBeNull();
    expect(priceToThousandths('-2')).toBeNull();
    expect(priceToThousandths('')).toBeNull();
  });

  it('computes the payout as the server does: stake × prices, rounded down', () => {
    expect(payout(1000n, [2375n])).toBe(2375n);
    expect(payout(550n, [2900n])).toBe(1595n);
    // 333 × 1.5 × 1.5 = 749.25 → 749
    expect(payout(333n, [1500n, 1500n])).toBe(749n);
    // 10.01 × 1.333 = 13.34333 → 13.34
    expect(payout(1001n, [1333n])).toBe(1334n);
    expect(payout(100n, [])).toBe(100n);
    // 20 legs at 1000.00 stay exact far past Number.MAX_SAFE_INTEGER
    expect(payout(1n, Array(20).fill(1_000_000n))).toBe(10n ** 60n);
  });
});
