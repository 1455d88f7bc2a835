// Odds formats. iBet keeps every price as decimal odds in integer thousandths (2.375 → 2375);
// fractional and American odds are renderings of that one number, exact both ways:
//
// - fractional: (decimal − 1) as a reduced fraction: 2375 → "11/8", 1500 → "1/2", 2000 → "1/1".
// - American: decimal ≥ 2 → "+" and 100 × (decimal − 1), at most one decimal place, exact
//   (2375 → "+137.5"); decimal < 2 → "−" and 100 / (decimal − 1), rounded half up to two
//   decimals (1909 → "-110.01", 1500 → "-200"). The rounding keeps every price distinct, so
//   parsing a rendered American price gives back the exact price.
//
// No float touches a price: the arithmetic is on integers.
import { formatPrice, PRICE_PATTERN, parsePrice } from './money.ts';

export type OddsFormat = 'decimal' | 'fractional' | 'american';
export const ODDS_FORMATS: readonly OddsFormat[] = ['decimal', 'fractional', 'american'];

/** Decimal, fractional ("11/8") or American ("+137.5", "-110.01") odds, as a request may send them. */
export const ANY_PRICE_PATTERN =
  '^([0-9]{1,4}(\\.[0-9]{1,3})?|[1-9][0-9]{0,6}/[1-9][0-9]{0,6}|[+-][1-9][0-9]{0,7}(\\.[0-9]{1,2})?)$';

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** 2375 → "11/8". The price must be above 1.000. */
export function toFractional(thousandths: number): string {
  const numerator = thousandths - 1000;
  if (!Number.isInteger(thousandths) || numerator <= 0) throw new RangeError('price ≤ 1.000');
  const divisor = gcd(numerator, 1000);
  return `${numerator / divisor}/${1000 / divisor}`;
}

/** Hundredths of the American odds, rounded half up in magnitude: 1909 → -11001. */
function americanHundredths(thousandths: number): number {
  const profit = thousandths - 1000; // (decimal − 1) × 1000
  if (!Number.isInteger(thousandths) || profit <= 0) throw new RangeError('price ≤ 1.000');
  if (profit >= 1000) return profit * 10; // +100 × profit / 1000, in hundredths
  // −100 / (profit / 1000) = −100000 / profit, in hundredths −10,000,000 / profit.
  const whole = Math.floor(10_000_000 / profit);
  const remainder = 10_000_000 - whole * profit;
  return -(remainder * 2 >= profit ? whole + 1 : whole);
}

/** 2375 → "+137.5", 1500 → "-200", 1909 → "-110.01", 2000 → "+100". */
export function toAmerican(thousandths: number): string {
  const hundredths = americanHundredths(thousandths);
  const sign = hundredths < 0 ? '-' : '+';
  const abs = Math.abs(hundredths);
  const fraction = String(abs % 100)
    .padStart(2, '0')
    .replace(/0+$/, '');
  return `${sign}${Math.trunc(abs / 100)}${fraction ? `.${fraction}` : ''}`;
}

/** Renders a price (thousandths) in the asked format. */
export function renderPrice(thousandths: number, format: OddsFormat): string {
  if (format === 'fractional') return toFractional(thousandths);
  if (format === 'american') return toAmerican(thousandths);
  return formatPrice(thousandths);
}

/** Re-renders a decimal price string ("2.375") in the asked format. */
export function renderDecimal(decimal: string, format: OddsFormat): string {
  return format === 'decimal' ? decimal : renderPrice(parsePrice(decimal), format);
}

/**
 * A price in any of the three formats → thousandths, or undefined when it names no price
 * in thousandths exactly (e.g. "1/3" is 1.333…; "+133.33" is not what any price renders as).
 */
export function parseAnyPrice(text: string): number | undefined {
  if (new RegExp(`^${PRICE_PATTERN.slice(1, -1)}$`).test(text)) return parsePrice(text);
  const fraction = /^([1-9][0-9]{0,6})\/([1-9][0-9]{0,6})$/.exec(text);
  if (fraction) {
    const numerator = Number(fraction[1]);
    const denominator = Number(fraction[2]);
    // decimal = 1 + n/d; exact in thousandths when 1000·n is a multiple of d.
    if ((numerator * 1000) % denominator !== 0) return undefined;
    return 1000 + (numerator * 1000) / denominator;
  }
  const american = /^([+-])([1-9][0-9]{0,7})(?:\.([0-9]{1,2}))?$/.exec(text);
  if (american) {
    const hundredths = Number(american[2]) * 100 + Number((american[3] ?? '').padEnd(2, '0'));
    if (american[1] === '+') {
      // +a → 1 + a/100: thousandths = 1000 + hundredths / 10, exact only on a tenth.
      if (hundredths < 10_000 || hundredths % 10 !== 0) return undefined;
      return 1000 + hundredths / 10;
    }
    if (hundredths < 10_000) return undefined;
    if (hundredths === 10_000) return 2000; // −100 and +100 are both evens
    // −a → 1 + 100/a; find the price that renders as this text, if any.
    const profit = Math.round(10_000_000 / hundredths);
    for (const candidate of [profit - 1, profit, profit + 1]) {
      if (candidate > 0 && candidate < 1000 && americanHundredths(1000 + candidate) === -hundredths)
        return 1000 + candidate;
    }
    return undefined;
  }
  return undefined;
}
