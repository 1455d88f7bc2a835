// Statements the database deadline gave up on (src/platform/db/postgres.ts), for the process's
// log and the fault suite's `deadlines_expired`.

/** A statement, BEGIN or COMMIT that got no answer within the database deadline. */
export interface Unanswered {
  /** The statement's first words (no values). */
  statement: string;
  waitedMs: number;
  /**
   * What was dropped: its `connection`, or the whole `pool` when nothing on the pool had
   * answered meanwhile (the path to the server is gone).
   */
  dropped: 'connection' | 'pool';
}

/** Told of every deadline that expired. */
export const unansweredListeners = new Set<(event: Unanswered) => void>();
