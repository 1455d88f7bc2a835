// Opaque keyset cursors for lists ordered by (time, uuid). The time travels as text to the
// microsecond, as stored: cut to a millisecond (a JS Date) it would skip or repeat rows that
// share a millisecond, and the PostgreSQL driver turns a timestamptz parameter into a Date,
// so SQL binds it as `$n::text::timestamptz`.
import { DomainError } from './errors.ts';

export const invalidCursor = () =>
  new DomainError('invalid_cursor', 'bad_request', 'The cursor is not one this API issued.');

/** SQL for a timestamptz column formatted the way cursors carry it. */
export const cursorTime = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const TIME = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(time: string, id: string): string {
  return Buffer.from(`${time}|${id}`).toString('base64url');
}

/** Reads a cursor as issued (`<UTC time>|<uuid>`); anything else would reach SQL as a 500. */
export function decodeCursor(cursor: string): { time: string; id: string } {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!time || !id || !TIME.test(time) || !ID.test(id)) throw invalidCursor();
  // A real calendar time: Date rolls 2030-02-31 over to March, PostgreSQL refuses it.
  const parsed = Date.parse(time);
  if (Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 19) !== time.slice(0, 19)) {
    throw invalidCursor();
  }
  return { time, id };
}
