// A known fault of postgres.js 3.4.x (porsager/postgres#1154, #1208; fixes in PRs #1168,
// #1209, not released): when the server drops a connection while a small write is queued,
// the queued write runs after the socket is gone and throws from a setImmediate callback —
// an uncaught TypeError that kills the process. By then the driver has already failed the
// affected query with CONNECTION_CLOSED (the request got its 503, the transaction rolled
// back), so the throw itself changes nothing: it is logged and counted, and the process goes
// on serving once the database is back — except the query being written (often the ROLLBACK
// after that failure), which the driver never settles, and the connection, which never writes
// again: see driverFaultListeners below. The disaster-recovery drill found it: every API
// process died when the primary was lost under load. Anything else uncaught still exits.
import type { Logger } from 'pino';

/** Whether `error` is the driver's write-after-close fault (and nothing else). */
export function isDriverWriteAfterClose(error: unknown): boolean {
  if (!(error instanceof TypeError)) return false;
  const stack = error.stack ?? '';
  return (
    /Cannot read properties of null \(reading 'write'\)/.test(error.message) &&
    /\bnextWrite\b/.test(stack) &&
    /[\\/]postgres[\\/]src[\\/]connection\.js/.test(stack)
  );
}

/**
 * Whether `error` is a connection reset that reached no listener: an `error` event of a socket
 * whose listeners were already gone. The only sockets the processes open without owning them
 * for their whole life are the driver's — postgres.js strips a connection's listeners when it
 * closes it and may still have a socket of that connection in flight (the fault suite,
 * scenario 8, saw it under repeated resets between the API and PostgreSQL). The error carries
 * no application frame at all; the connection it belonged to is gone and its queries failed.
 */
export function isOrphanSocketReset(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (code !== 'ECONNRESET' && code !== 'EPIPE') return false;
  if (syscall !== 'read' && syscall !== 'write') return false;
  const frames = (error.stack ?? '').split('\n').slice(1);
  return frames.every((f) => /\((node:)?internal[\\/]|\bnode:|^\s*at (TCP|Socket|Pipe)\./.test(f));
}

/**
 * Pools to recycle when the fault happens. The fault does not only throw: the query that was
 * being written (often the ROLLBACK or COMMIT of a transaction whose connection the server
 * had just dropped) is never settled, and the connection never writes again (the throw leaves
 * its write buffer marked as scheduled), so every later query handed to it waits for the
 * connect timeout. Ending the pool destroys its connections, which rejects every query left on
 * them (the request gets its error, the caller may retry); new queries go to a fresh pool. The
 * fault suite (test/fault, scenarios 7 and 8) found requests hanging without this.
 */
export const driverFaultListeners = new Set<() => void>();

/** A statement, BEGIN or COMMIT that got no answer within the database deadline. */
export interface Unanswered {
  /** The statement's first words (no values). */
  statement: string;
  waitedMs: number;
  /**
   * What became of its pool: `destroyed` (nothing on it had answered meanwhile: every
   * connection was lost), `drained` (replaced; the old one's other statements get the timeout
   * to finish), `renewed already` (an earlier fault had replaced it).
   */
  pool: 'destroyed' | 'drained' | 'renewed already';
}

/** Told of every deadline that expired (`src/platform/db/postgres.ts`), to log it. */
export const unansweredListeners = new Set<(event: Unanswered) => void>();

/**
 * Installs the process-wide handler: the known driver fault is logged and counted
 * (`onFault`), the pools are recycled, anything else is logged as fatal and the process
 * exits 1, as it would have.
 */
export function guardDriverFaults(log: Logger, onFault: () => void = () => {}): () => void {
  const handler = (error: Error) => {
    if (isDriverWriteAfterClose(error) || isOrphanSocketReset(error)) {
      onFault();
      for (const recycle of driverFaultListeners) recycle();
      log.error(
        { err: error },
        isOrphanSocketReset(error)
          ? 'a closed database connection was reset; its queries had failed already'
          : 'database driver wrote to a closed connection; the query had failed already',
      );
      return;
    }
    log.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  };
  const unanswered = (event: Unanswered) =>
    log.warn(
      event,
      'the database did not answer in time; the request failed and the pool is renewed',
    );
  unansweredListeners.add(unanswered);
  process.on('uncaughtException', handler);
  return () => {
    unansweredListeners.delete(unanswered);
    process.off('uncaughtException', handler);
  };
}
