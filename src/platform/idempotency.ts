// Idempotency keys for money-moving commands (after Stripe and Formance): the first request
// claims the key with a hash of its input; its response is stored in the same transaction as
// its effect; a retry gets that response again; the same key with other input is refused.
// A command that fails with a domain error rolls back, key included, so it can be retried.
import { createHash } from 'node:crypto';
import type { Db, Queryable, Tx } from './db/db.ts';
import { DomainError } from './errors.ts';

export interface IdempotentCommand<I> {
  /** Who the key belongs to (keys of different principals never collide). */
  scope: string;
  idempotencyKey: string;
  input: I;
}

export interface Outcome<R> {
  result: R;
  /** True when this is the stored response of an earlier request with the same key. */
  idempotencyHit: boolean;
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export function checkIdempotencyKey(key: string | undefined): string {
  if (key === undefined || key === '') {
    throw new DomainError(
      'idempotency_key_required',
      'bad_request',
      'This request moves money: send an Idempotency-Key header (e.g. a UUID) and reuse it on retries.',
    );
  }
  if (!KEY_PATTERN.test(key)) {
    throw new DomainError(
      'idempotency_key_invalid',
      'bad_request',
      'An Idempotency-Key is 1 to 255 printable ASCII characters.',
    );
  }
  return key;
}

/** A stable hash of the command's name and input (object keys sorted). */
export function hashRequest(name: string, input: unknown): string {
  const canonical = (value: unknown): unknown => {
    if (typeof value === 'bigint') return value.toString();
    if (Array.isArray(value)) return value.map(canonical);
    // As JSON would: a Date has no own keys and would otherwise hash like every other Date.
    if (value instanceof Date) return value.toJSON();
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
      );
    }
    return value;
  };
  return createHash('sha256')
    .update(JSON.stringify([name, canonical(input)]))
    .digest('hex');
}

export type Claim<R> =
  | { state: 'claimed' }
  | { state: 'replay'; result: R }
  | { state: 'in_progress' };

const mismatch = () =>
  new DomainError(
    'idempotency_key_reused',
    'invalid',
    'This Idempotency-Key was already used with a different request.',
  );

/**
 * Claims `key` inside the caller's transaction. A concurrent request with the same key waits
 * on the unique index until the first commits (then replays) or rolls back (then claims).
 */
export async function claimKey<R>(
  tx: Tx,
  scope: string,
  key: string,
  hash: string,
): Promise<Claim<R>> {
  const inserted = await tx.query(
    `INSERT INTO platform.idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
     ON CONFLICT (scope, key) DO NOTHING RETURNING 1`,
    [scope, key, hash],
  );
  if (inserted.length > 0) return { state: 'claimed' };
  const [row] = await tx.query<{
    request_hash: string;
    response: R | null;
    completed_at: Date | null;
  }>(
    'SELECT request_hash, response, completed_at FROM platform.idempotency_keys WHERE scope = $1 AND key = $2',
    [scope, key],
  );
  if (!row) throw new Error('idempotency key vanished after a conflict');
  if (row.request_hash !== hash) throw mismatch();
  if (row.completed_at === null) return { state: 'in_progress' };
  return { state: 'replay', result: row.response as R };
}

/** The key of a command that claims it and stores its response in its own statements. */
export interface KeyInStatement {
  scope: string;
  key: string;
  hash: string;
}

/**
 * `claimKey` as common table expressions to put first in a command's own first statement,
 * saving a round trip: `idempotency_claim` (a row when this request claimed the key) and
 * `idempotency_prior` (the key's row as it stood when the statement began). `scope`, `key`
 * and `hash` are the statement's placeholders for them (e.g. `$1`). Select
 * `IDEMPOTENCY_CLAIM_COLUMNS` in the statement and hand its row to `claimOf`.
 */
export function claimCtes(scope: string, key: string, hash: string): string {
  return `idempotency_claim AS (
       INSERT INTO platform.idempotency_keys (scope, key, request_hash) VALUES (${scope}, ${key}, ${hash})
       ON CONFLICT (scope, key) DO NOTHING RETURNING 1
     ), idempotency_prior AS (
       SELECT request_hash, response, completed_at FROM platform.idempotency_keys
       WHERE scope = ${scope} AND key = ${key}
     )`;
}

export const IDEMPOTENCY_CLAIM_COLUMNS = `EXISTS (SELECT 1 FROM idempotency_claim) AS idempotency_claimed,
  (SELECT request_hash FROM idempotency_prior) AS idempotency_hash,
  (SELECT response FROM idempotency_prior) AS idempotency_response,
  (SELECT completed_at IS NOT NULL FROM idempotency_prior) AS idempotency_completed`;

export interface ClaimColumns {
  idempotency_claimed: boolean;
  idempotency_hash: string | null;
  idempotency_response: unknown;
  idempotency_completed: boolean | null;
}

/**
 * What the claim in a command's statement came to. A key that another transaction committed
 * while the statement waited on it is not in the statement's snapshot: it is read again then.
 */
export async function claimOf<R>(
  tx: Tx,
  key: KeyInStatement,
  row: ClaimColumns,
): Promise<Claim<R>> {
  if (row.idempotency_claimed) return { state: 'claimed' };
  if (row.idempotency_hash === null) return claimKey<R>(tx, key.scope, key.key, key.hash);
  if (row.idempotency_hash !== key.hash) throw mismatch();
  if (!row.idempotency_completed) return { state: 'in_progress' };
  return { state: 'replay', result: row.idempotency_response as R };
}

/**
 * `storeResult` as a common table expression (`idempotency_stored`) for a command's last
 * statement; `response` is the placeholder of the response as JSON text.
 */
export function storeCte(scope: string, key: string, response: string): string {
  return `idempotency_stored AS (
       UPDATE platform.idempotency_keys SET status_code = 200, response = ${response}::jsonb, completed_at = now()
       WHERE scope = ${scope} AND key = ${key} AND completed_at IS NULL
     )`;
}

/** Stores the response to replay; a completed key keeps its first response. */
export async function storeResult<R>(
  q: Queryable,
  scope: string,
  key: string,
  result: R,
): Promise<void> {
  await q.query(
    `UPDATE platform.idempotency_keys SET status_code = 200, response = $3::jsonb, completed_at = now()
     WHERE scope = $1 AND key = $2 AND completed_at IS NULL`,
    [scope, key, JSON.stringify(result)],
  );
}

export const inProgress = () =>
  new DomainError(
    'idempotency_key_in_progress',
    'conflict',
    'A request with this Idempotency-Key is still being processed; retry shortly.',
  );

/**
 * Runs a command that lives entirely in the database, in one transaction with its key.
 * `run` must return JSON-serialisable data: it is what a retry receives.
 */
export async function runIdempotent<I, R>(
  db: Db,
  name: string,
  command: IdempotentCommand<I>,
  run: (tx: Tx, input: I) => Promise<R>,
): Promise<Outcome<R>> {
  const key = checkIdempotencyKey(command.idempotencyKey);
  const hash = hashRequest(name, command.input);
  return db.transaction(async (tx) => {
    const claim = await claimKey<R>(tx, command.scope, key, hash);
    if (claim.state === 'replay') return { result: claim.result, idempotencyHit: true };
    if (claim.state === 'in_progress') throw inProgress();
    const result = await run(tx, command.input);
    await storeResult(tx, command.scope, key, result);
    return { result, idempotencyHit: false };
  });
}

/**
 * Like `runIdempotent`, for a command that claims its key in its first statement
 * (`claimCtes`, `claimOf`) and stores its response in its last (`storeCte`): two round trips
 * fewer on a hot path. `run` returns the outcome itself (a replay when `claimOf` says so).
 */
export async function runIdempotentInStatements<I, R>(
  db: Db,
  name: string,
  command: IdempotentCommand<I>,
  run: (tx: Tx, input: I, key: KeyInStatement) => Promise<Outcome<R>>,
): Promise<Outcome<R>> {
  const key = checkIdempotencyKey(command.idempotencyKey);
  const hash = hashRequest(name, command.input);
  return db.transaction((tx) => run(tx, command.input, { scope: command.scope, key, hash }));
}

/**
 * Forgets completed keys older than `olderThanHours` (clients retry within minutes; a day
 * or more is the usual promise). Keys still in progress are kept: their outcome is pending.
 */
export async function pruneIdempotencyKeys(q: Queryable, olderThanHours = 72): Promise<number> {
  const rows = await q.query(
    `DELETE FROM platform.idempotency_keys
     WHERE completed_at IS NOT NULL AND created_at < now() - make_interval(hours => $1)
     RETURNING 1`,
    [olderThanHours],
  );
  return rows.length;
}
