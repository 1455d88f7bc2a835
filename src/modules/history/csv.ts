// CSV as spreadsheet programs read it (RFC 4180, CRLF line ends). Text that a spreadsheet
// would run as a formula (=, +, -, @, tab, CR first) is prefixed with a quote; amounts are
// written by us and never need it.
export type Cell = string | number | null;

const FORMULA = /^[=+\-@\t\r]/;

function cell(value: Cell, text: boolean): string {
  if (value === null) return '';
  let s = String(value);
  if (text && FORMULA.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV line; `textColumns` are the indexes of free-text columns. */
export const csvLine = (values: readonly Cell[], textColumns: ReadonlySet<number>): string =>
  `${values.map((v, i) => cell(v, textColumns.has(i))).join(',')}\r\n`;

/** Minor units as a decimal amount in the currency's major unit: -500 EUR → "-5.00". */
export function decimal(minor: bigint, exponent: number): string {
  if (exponent === 0) return minor.toString();
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}
