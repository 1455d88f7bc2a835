// Load shedding at the database's door. Past the pool's connections, a process's statements
// and transactions queue in the driver; when that queue is already `queueLimit` long, the
// database is further behind than a player will wait, and one more request only lengthens
// everyone's wait. Such a request is refused at once — 429 `overloaded` with Retry-After —
// and the requests already queued finish in time.
//
// Only a request's first database operation may be refused, so a refused request has
// written nothing (a later one could follow a commit). Work outside requests — the worker's
// jobs and consumers, background loops, the readiness check — is never refused: only code
// running inside `runAsRequest`, which the HTTP server wraps every request in, may be.
import { AsyncLocalStorage } from 'node:async_hooks';
import { DomainError } from '../errors.ts';
import type { Db } from './db.ts';

/** Whether the current request has reached the database yet. */
interface RequestState {
  started: boolean;
}

const requests = new AsyncLocalStorage<RequestState>();

/** Runs `fn` (a request's handling) so that its first database operation may be refused. */
export const runAsRequest = <T>(fn: () => T): T => requests.run({ started: false }, fn);

export class Overloaded extends DomainError {
  constructor() {
    super(
      'overloaded',
      'too_many',
      'The service is busy: nothing was done. Retry in a second (with the same Idempotency-Key for a payment or bet).',
      { retryAfter: 1 },
    );
  }
}

export interface AdmissionOptions {
  /** Connections the pool may open (1 for PGlite). */
  poolSize: number;
  /** Operations that may wait for a connection before requests are refused; 0: no limit. */
  queueLimit: number;
  /** Called for each refused request (a metric). */
  onShed?: () => void;
}

export function admitDb<D extends Db>(db: D, options: AdmissionOptions): D {
  const { poolSize, queueLimit, onShed } = options;
  if (queueLimit <= 0) return db;
  // Running transactions and standalone statements: each holds or waits for a connection.
  let busy = 0;
  const admit = () => {
    const request = requests.getStore();
    if (request && !request.started) {
      if (busy - poolSize >= queueLimit) {
        onShed?.();
        throw new Overloaded();
      }
      request.started = true;
    }
    busy++;
  };
  return {
    ...db,
    async query(text: string, params?: readonly unknown[]) {
      admit();
      try {
        return await db.query(text, params);
      } finally {
        busy--;
      }
    },
    async transaction(fn, transactionOptions) {
      admit();
      try {
        return await db.transaction(fn, transactionOptions);
      } finally {
        busy--;
      }
    },
  } as D;
}
