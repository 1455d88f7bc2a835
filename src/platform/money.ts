// Money and odds as integers. Amounts are bigint minor units; JSON carries them as strings
// of digits. Decimal odds are integer thousandths (2.375 → 2375). No float touches either.
import { memoize } from './memoize.ts';

export const AMOUNT_PATTERN = '^[1-9][0-9]{0,14}$';
export const PRICE_PATTERN = '^[0-9]{1,4}(\\.[0-9]{1,3})?$';
export const PRICE_SCALE = 1000n;

/** "2.375" → 2375. The caller has validated the string against PRICE_PATTERN. */
export function parsePrice(text: string): number {
  const [whole = '0', fraction = ''] = text.split('.');
  return Number(whole) * 1000 + Number(fraction.padEnd(3, '0'));
}

/** 2375 → "2.375", 2500 → "2.50", 3000 → "3.00": at least two decimals, at most three. */
export function formatPrice(thousandths: number): string {
  const whole = Math.trunc(thousandths / 1000);
  const fraction = String(thousandths % 1000).padStart(3, '0');
  return `${whole}.${fraction.endsWith('0') ? fraction.slice(0, 2) : fraction}`;
}

/** Line (handicap/total) in thousandths → "2.5", "-0.25", "0". */
export function formatLine(thousandths: number): string {
  const sign = thousandths < 0 ? '-' : '';
  const abs = Math.abs(thousandths);
  const fraction = String(abs % 1000)
    .padStart(3, '0')
    .replace(/0+$/, '');
  return `${sign}${Math.trunc(abs / 1000)}${fraction ? `.${fraction}` : ''}`;
}

export function parseLine(text: string): number {
  const negative = text.startsWith('-');
  return (negative ? -1 : 1) * parsePrice(negative ? text.slice(1) : text);
}

/** Stake × the product of leg prices, rounded down to the minor unit. */
export function payoutFor(stake: bigint, prices: readonly number[]): bigint {
  let numerator = stake;
  let denominator = 1n;
  for (const price of prices) {
    numerator *= BigInt(price);
    denominator *= PRICE_SCALE;
  }
  return numerator / denominator;
}

/**
 * Minor-unit exponent of an ISO 4217 currency (EUR 2, JPY 0). Building an Intl.NumberFormat
 * costs tens of microseconds: once a currency.
 */
export const currencyExponent = memoize(
  (currency: string): number =>
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits as number,
);
