// Types of money.js for the TypeScript tests; the page itself loads the .js file directly.

/** Minor-unit exponent of an ISO 4217 currency: EUR 2, JPY 0. */
export function currencyExponent(currency: string): number;

/** "5.50" with exponent 2 → "550"; null for anything but a non-negative amount in minor units. */
export function parseMajorToMinor(text: string, exponent: number): string | null;

/** "-1050", exponent 2 → "-10.50". Throws a TypeError if `minor` is not an integer. */
export function minorToDecimal(minor: string | bigint, exponent: number): string;

/** "1050", "EUR" → "€10.50", exactly, in `locale` (default: the reader's). */
export function formatMinor(minor: string | bigint, currency: string, locale?: string): string;

/** "2.375" → 2375n; null if the text is not decimal odds with at most three decimals. */
export function priceToThousandths(text: string): bigint | null;

/** Stake × the product of the leg prices in thousandths, rounded down to the minor unit. */
export function payout(stakeMinor: bigint, pricesThousandths: readonly bigint[]): bigint;
