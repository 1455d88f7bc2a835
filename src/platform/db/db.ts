// One small interface over the two engines iBet runs on: the embedded PGlite and a pooled
// PostgreSQL client. Both speak the same SQL; only connecting differs.

import { AsyncLocalStorage } from 'node:async_hooks';
import { DomainError } from '../errors.ts';
import type { ConnectionGate } from './gate.ts';

export type Row = Record<string, unknown>;
export type Engine = 'pglite' | 'postgres';

export interface Queryable {
  /** Runs one parameterised statement and returns its rows. */
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

declare const inTransaction: unique symbol;

/** A connection inside an open transaction. Functions that must join the caller's
 * transaction take a `Tx` as their first parameter. */
export interface Tx extends Queryable {
  readonly [inTransaction]: true;
  /** Runs a script of several statements without parameters (migrations). */
  script(text: string): Promise<void>;
}

export interface TransactionOptions {
  /** Attempts on serialization failure or deadlock (SQLSTATE 40001, 40P01). Default 5. */
  attempts?: number;
  /**
   * false: no statement timeout and no deadline (PostgreSQL). For migrations only, whose DDL
   * may run long and which wait for another process's migration lock.
   */
  deadline?: false;
}

export interface Db extends Queryable {
  readonly engine: Engine;
  /** The connections: each statement and transaction holds one, the rest wait (gate.ts). */
  readonly gate: ConnectionGate;
  /**
   * Runs `fn` in a transaction; retries it on 40001/40P01 a bounded number of times.
   * Throws `DatabaseUnavailable` when the database cannot be reached or does not answer in
   * time (PostgreSQL): the transaction may or may not have committed.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Subscribes to NOTIFY on `channel` for as long as the handle lives, across lost
   * connections and renewed pools. `onNotify` also runs (with an empty payload) each time
   * the subscription had to be re-established, since notifications sent meanwhile are lost:
   * a subscriber that treats them as hints catches up. Returns the unsubscribe function.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * The database could not be reached, dropped the connection, or did not answer in time. The
 * statement or transaction may or may not have taken effect: the caller answers 503 and the
 * client asks again with the same idempotency key.
 */
export class DatabaseUnavailable extends DomainError {
  constructor(detail: string, cause?: unknown) {
    super(
      'database_unavailable',
      'unavailable',
      `${detail} The outcome is unknown: retry, with the same Idempotency-Key for a payment or bet.`,
    );
    if (cause !== undefined) this.cause = cause;
  }
}

/** SQLSTATEs that mean the connection or the server went away, or a statement ran too long. */
const UNAVAILABLE_STATES = /^(08...|57P0[1-3]|57014)$/;
/** What the socket reports when a connection is lost or cannot be opened. */
const UNAVAILABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** `error` as a `DatabaseUnavailable` when it means a lost or stalled database, else itself. */
export function asUnavailable(error: unknown): unknown {
  if (error instanceof DatabaseUnavailable || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return error;
  if (isPgError(error) ? UNAVAILABLE_STATES.test(code) : UNAVAILABLE_CODES.has(code)) {
    return new DatabaseUnavailable(
      code === '57014'
        ? 'The database did not finish the statement in time.'
        : 'The database connection was lost.',
      error,
    );
  }
  return error;
}

export interface PgError extends Error {
  code: string;
  constraint?: string;
  constraint_name?: string;
}

export function isPgError(error: unknown, code?: string): error is PgError {
  return (
    error instanceof Error &&
    typeof (error as PgError).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((error as PgError).code) &&
    (code === undefined || (error as PgError).code === code)
  );
}

export function constraintOf(error: PgError): string | undefined {
  return error.constraint ?? error.constraint_name;
}

export const RETRYABLE = new Set(['40001', '40P01']);

/** Both engines get bigint parameters as decimal strings, which Postgres casts exactly. */
export function toParams(params: readonly unknown[] | undefined): unknown[] {
  if (!params) return [];
  return params.map((p) =>
    typeof p === 'bigint'
      ? p.toString()
      : Array.isArray(p)
        ? p.map((x) => (typeof x === 'bigint' ? x.toString() : x))
        : p,
  );
}

export async function withRetry<T>(attempts: number, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts || !isPgError(error) || !RETRYABLE.has(error.code)) throw error;
      // Jittered back-off so that the transactions that collided do not collide again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 2 ** attempt));
    }
  }
}

const transactionScope = new AsyncLocalStorage<true>();

/** Runs a transaction callback marked as such (see `outsideTransaction`). */
export const withinTransaction = <T>(fn: () => Promise<T>): Promise<T> =>
  transactionScope.run(true, fn);

/**
 * Refuses the database handle inside a transaction callback, where the callback's `tx` is
 * meant: on the embedded database (one connection) the query would wait for the
 * transaction forever; on PostgreSQL it would run outside the transaction.
 */
export function outsideTransaction(): void {
  if (transactionScope.getStore()) {
    throw new Error('db.query/db.transaction inside a transaction callback: use its tx');
  }
}
