// Wakes the outbox relay when a catalogue change commits, instead of waiting for its next
// poll. A trigger on platform.outbox (migration 0011) NOTIFYs `ibet_outbox`; PostgreSQL
// delivers a notification only when its transaction commits, so a wake-up never runs ahead
// of the data. It is only a hint: the relay still reads the outbox, and still polls.
import type { Logger } from 'pino';
import type { Db } from '../db/db.ts';

export const OUTBOX_CHANNEL = 'ibet_outbox';

/** Calls `onCommit` after each committed transaction that notified; returns a stop function. */
export async function listenForOutbox(
  db: Db,
  onCommit: () => void,
  log: Logger,
): Promise<() => Promise<void>> {
  try {
    // Re-established by the database handle after lost connections and renewed pools.
    return await db.listen(OUTBOX_CHANNEL, () => onCommit());
  } catch (error) {
    log.warn({ err: error }, 'no commit notifications; the outbox relay only polls');
    return async () => {};
  }
}
