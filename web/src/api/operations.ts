// The request and answer types of every operation, derived from the generated schema. No DOM
// here, so that tests and scripts can use them too.
import type { IdempotentOperation, OperationKey, Operations } from './schema.gen.ts';

export type Op<K extends OperationKey> = Operations[K];

/** The successful answer of an operation (the union of its 2xx bodies; null for 204). */
export type Result<K extends OperationKey> = Op<K>['responses'][keyof Op<K>['responses']];

/** The request body an operation takes. */
export type Body<K extends OperationKey> = Op<K> extends { body: infer B } ? B : never;

/** The query parameters an operation takes. */
export type Query<K extends OperationKey> = Op<K> extends { query?: infer Q } ? Q : never;

type PathPart<K extends OperationKey> = Op<K> extends { path: infer P } ? { path: P } : unknown;
type QueryPart<K extends OperationKey> =
  Op<K> extends { query: infer Q }
    ? { query: Q }
    : Op<K> extends { query?: infer Q }
      ? { query?: Q }
      : unknown;
type BodyPart<K extends OperationKey> = Op<K> extends { body: infer B } ? { body: B } : unknown;
type KeyPart<K extends OperationKey> = K extends IdempotentOperation
  ? { idempotencyKey: string }
  : unknown;

export type Input<K extends OperationKey> = PathPart<K> &
  QueryPart<K> &
  BodyPart<K> &
  KeyPart<K> & { signal?: AbortSignal };
