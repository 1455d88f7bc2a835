// A known fault of postgres.js 3.4.x (porsager/postgres#1154, #1208; fixes in PRs #1168,
// #1209, not released): when the server drops a connection while a small write is queued,
// the queued write runs after the socket is gone and throws from a setImmediate callback —
// an uncaught TypeError that kills the process. By then the driver has already failed the
// affected query with CONNECTION_CLOSED (the request got its 500, the transaction rolled
// back), so the throw itself changes nothing: it is logged and counted, and the process goes
// on serving once the database is back. The disaster-recovery drill found it: every API
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
 * Installs the process-wide handler: the known driver fault is logged and counted
 * (`onFault`), anything else is logged as fatal and the process exits 1, as it would have.
 */
export function guardDriverFaults(log: Logger, onFault: () => void = () => {}): () => void {
  const handler = (error: Error) => {
    if (isDriverWriteAfterClose(error)) {
      onFault();
      log.error(
        { err: error },
        'database driver wrote to a closed connection; the query had failed already',
      );
      return;
    }
    log.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  };
  process.on('uncaughtException', handler);
  return () => process.off('uncaughtException', handler);
}
