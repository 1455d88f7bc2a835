// Money and odds, exactly: amounts are strings of integer minor units (as the API sends them)
// or bigint, prices are integer thousandths. No float touches either; the arithmetic is the
// server's (src/platform/money.ts), so the slip shows what the bet pays.

const PRICE = /^([0-9]{1,4})(?:\.([0-9]{1,3}))?$/;
const MAJOR = /^([0-9]*)(?:[.,]([0-9]*))?$/;
const MINOR = /^(-?)([0-9]+)$/;

/** The API's pattern of a positive amount: 1 to 15 digits, no leading zero. */
export const AMOUNT = /^[1-9][0-9]{0,14}$/;

/** Minor-unit exponent of an ISO 4217 currency: EUR 2, JPY 0. */
export function currencyExponent(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits ?? 2
  );
}

/**
 * "5.50" with exponent 2 → "550". Accepts a point or a comma as the decimal mark and no
 * grouping. Returns null for anything that is not a non-negative amount in whole minor
 * units, including more decimals than the currency has, and a comma before exactly three
 * digits ("1,000"), which may be a thousands separator: guessing could stake 1 for 1000.
 */
export function parseMajorToMinor(text: string, exponent: number): string | null {
  if (typeof text !== 'string') return null;
  const trimmed = text.trim();
  const match = MAJOR.exec(trimmed);
  if (!match || /,[0-9]{3}$/.test(trimmed)) return null;
  const whole = match[1] ?? '';
  const fraction = match[2] ?? '';
  if ((whole === '' && fraction === '') || fraction.length > exponent) return null;
  const digits = `${whole}${fraction.padEnd(exponent, '0')}`.replace(/^0+/, '');
  return digits === '' ? '0' : digits;
}

/** "-1050", exponent 2 → "-10.50": the decimal text of a minor-unit amount. */
export function minorToDecimal(minor: string | bigint, exponent: number): string {
  const match = MINOR.exec(String(minor));
  if (!match) throw new TypeError(`not an amount in minor units: ${minor}`);
  const sign = match[1] ?? '';
  const digits = (match[2] ?? '0').replace(/^0+(?=[0-9])/, '').padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const negative = sign && /[1-9]/.test(digits) ? '-' : '';
  return exponent === 0 ? `${negative}${whole}` : `${negative}${whole}.${digits.slice(-exponent)}`;
}

/**
 * "1050", "EUR" → "€10.50" in the reader's locale. The number goes to Intl as a decimal
 * string, which Intl.NumberFormat formats exactly, however many digits it has.
 */
export function formatMinor(minor: string | bigint, currency: string, locale?: string): string {
  const exponent = currencyExponent(currency);
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(minorToDecimal(minor, exponent) as Intl.StringNumericLiteral);
}

/** "2.375" → 2375n; null if the text is not decimal odds with at most three decimals. */
export function priceToThousandths(text: string): bigint | null {
  const match = PRICE.exec(String(text));
  if (!match) return null;
  return BigInt(match[1] ?? '0') * 1000n + BigInt((match[2] ?? '').padEnd(3, '0'));
}

/** Stake × the product of the leg prices in thousandths, rounded down to the minor unit. */
export function payout(stakeMinor: bigint, pricesThousandths: readonly bigint[]): bigint {
  let numerator = stakeMinor;
  let denominator = 1n;
  for (const price of pricesThousandths) {
    numerator *= price;
    denominator *= 1000n;
  }
  return numerator / denominator;
}
