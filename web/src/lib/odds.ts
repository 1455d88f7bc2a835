// Odds formats. The API renders prices as decimal ("2.375"), fractional ("11/8") or American
// ("+137.5", "-110.01") odds on request (?oddsFormat=), and takes them back in the same form;
// every rendering names one price in thousandths exactly (see src/platform/odds.ts). The slip
// reads them back to thousandths for its exact arithmetic. Integers only, never floats.
import { payout, priceToThousandths } from './money.ts';

export type OddsFormat = 'decimal' | 'fractional' | 'american';
export const ODDS_FORMATS: readonly OddsFormat[] = ['decimal', 'fractional', 'american'];

/** Hundredths of the American odds of a price, as the server rounds them: 1909 → -11001. */
function americanHundredths(thousandths: bigint): bigint {
  const profit = thousandths - 1000n;
  if (profit >= 1000n) return profit * 10n;
  const whole = 10_000_000n / profit;
  const remainder = 10_000_000n - whole * profit;
  return -(remainder * 2n >= profit ? whole + 1n : whole);
}

/**
 * A price as the API renders it, in any of the three formats → thousandths; null when the
 * text names no price (or no price in thousandths exactly).
 */
export function parseAnyPrice(text: string): bigint | null {
  const decimal = priceToThousandths(text);
  if (decimal !== null) return decimal > 1000n ? decimal : null;
  const fraction = /^([1-9][0-9]{0,6})\/([1-9][0-9]{0,6})$/.exec(text);
  if (fraction) {
    const numerator = BigInt(fraction[1] ?? '0') * 1000n;
    const denominator = BigInt(fraction[2] ?? '1');
    return numerator % denominator === 0n ? 1000n + numerator / denominator : null;
  }
  const american = /^([+-])([1-9][0-9]{0,7})(?:\.([0-9]{1,2}))?$/.exec(text);
  if (!american) return null;
  const hundredths = BigInt(american[2] ?? '0') * 100n + BigInt((american[3] ?? '').padEnd(2, '0'));
  if (hundredths < 10_000n) return null;
  if (american[1] === '+') return hundredths % 10n === 0n ? 1000n + hundredths / 10n : null;
  if (hundredths === 10_000n) return 2000n;
  const profit = (10_000_000n + hundredths / 2n) / hundredths;
  for (const candidate of [profit - 1n, profit, profit + 1n]) {
    if (
      candidate > 0n &&
      candidate < 1000n &&
      americanHundredths(1000n + candidate) === -hundredths
    ) {
      return 1000n + candidate;
    }
  }
  return null;
}

/** Two renderings of one price (a switch of format is not a price change). */
export function samePrice(a: string, b: string): boolean {
  if (a === b) return true;
  const x = parseAnyPrice(a);
  return x !== null && x === parseAnyPrice(b);
}

/** Thousandths → the text the API would render in `format` (2375 → "11/8", "+137.5"). */
export function renderPrice(thousandths: bigint, format: OddsFormat): string {
  if (format === 'fractional') {
    const numerator = thousandths - 1000n;
    let [a, b] = [numerator, 1000n];
    while (b !== 0n) [a, b] = [b, a % b];
    return `${numerator / a}/${1000n / a}`;
  }
  if (format === 'american') {
    const hundredths = americanHundredths(thousandths);
    const abs = hundredths < 0n ? -hundredths : hundredths;
    const fraction = String(abs % 100n)
      .padStart(2, '0')
      .replace(/0+$/, '');
    return `${hundredths < 0n ? '-' : '+'}${abs / 100n}${fraction ? `.${fraction}` : ''}`;
  }
  const whole = thousandths / 1000n;
  const decimals = String(thousandths % 1000n)
    .padStart(3, '0')
    .replace(/0$/, '');
  return `${whole}.${decimals}`;
}

/** The combined odds of a multiple (the product, rounded down to thousandths), rendered. */
export function combinedPrice(prices: readonly string[], format: OddsFormat): string | null {
  const thousandths = prices.map(parseAnyPrice);
  if (thousandths.some((p) => p === null)) return null;
  return renderPrice(payout(1000n, thousandths as bigint[]), format);
}
