// Load shedding at the database's door. Past the pool's connections, a process's statements
// and transactions queue in the driver; when that queue is already `queueLimit` long, the
// database is further behind than a player will wait, and one more request only lengthens
// everyone's wait. Such a request is refused at once — 429 `overloaded` with Retry-After —
// and the requests already queued finish in time.
//
// Only a request's first database operation may be refused, so a refused request has
// written nothing (a later one could follow a commit). Work outside requests — the worker's
// jobs and consumers, background loops, the readiness check — is never refused: only code
// running inside `runAsRequest`, which the HTTP server wraps every request in while a limit is
// set, may be. The queue is the pool's gate (gate.ts).
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
  /** Operations that may wait for a connection before requests are refused; 0: no limit. */
  queueLimit: number;
  /** Called for each refused request (a metric). */
  onShed?: () => void;
}

export function admitDb<D extends Db>(db: D, options: AdmissionOptions): D {
  const { queueLimit, onShed } = options;
  if (queueLimit <= 0) return db;
  const admit = () => {
    const request = requests.getStore();
    if (!request || request.started) return;
    if (db.gate.waiting >= queueLimit) {
      onShed?.();
      throw new Overloaded();
    }
    request.started = true;
  };
  return {
    ...db,
    async query(text: string, params?: readonly unknown[]) {
      admit();
      return db.query(text, params);
    },
    async transaction(fn, transactionOptions) {
      admit();
      return db.transaction(fn, transactionOptions);
    },
  } as D;
}
