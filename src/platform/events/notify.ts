// Wakes the outbox relay when a catalogue change commits, instead of waiting for its next
// poll. A trigger on platform.outbox (migration 0011) NOTIFYs `ibet_outbox`; PostgreSQL
// delivers a notification only when its transaction commits, so a wake-up never runs ahead
// of the data. It is only a hint: the relay still reads the outbox, and still polls.
import type { Logger } from 'pino';
import type postgres from 'postgres';
import type { Db } from '../db/db.ts';

export const OUTBOX_CHANNEL = 'ibet_outbox';

interface PgliteLike {
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
}

/** Calls `onCommit` after each committed transaction that notified; returns a stop function. */
export async function listenForOutbox(
  db: Db,
  onCommit: () => void,
  log: Logger,
): Promise<() => Promise<void>> {
  try {
    if ('sql' in db) {
      // postgres.js keeps one dedicated connection for LISTEN and re-listens after reconnects.
      const sql = (db as Db & { sql: postgres.Sql }).sql;
      const { unlisten } = await sql.listen(OUTBOX_CHANNEL, () => onCommit());
      return async () => {
        await unlisten().catch(() => {});
      };
    }
    if ('pglite' in db) {
      const pglite = (db as Db & { pglite: PgliteLike }).pglite;
      const unlisten = await pglite.listen(OUTBOX_CHANNEL, () => onCommit());
      return async () => {
        await unlisten().catch(() => {});
      };
    }
  } catch (error) {
    log.warn({ err: error }, 'no commit notifications; the outbox relay only polls');
  }
  return async () => {};
}
