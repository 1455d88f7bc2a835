// Schema pieces shared by every module's routes. Each is both the validator at the edge and
// the OpenAPI description.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Outcome } from '../idempotency.ts';
import { AMOUNT_PATTERN, PRICE_PATTERN } from '../money.ts';

export const Amount = Type.String({
  pattern: AMOUNT_PATTERN,
  description: 'Integer minor units as a string of digits ("1050" = 10.50 in EUR).',
  examples: ['1050'],
});

/** A balance: zero or more minor units. */
export const Balance = Type.String({
  pattern: '^(0|[1-9][0-9]*)$',
  description: 'Integer minor units.',
});

/** A signed amount in responses. */
export const SignedAmount = Type.String({
  pattern: '^-?[0-9]+$',
  description: 'Signed integer minor units.',
});

export const Price = Type.String({
  pattern: PRICE_PATTERN,
  description: 'Decimal odds with at most three decimals.',
  examples: ['2.375'],
});

export const Uuid = Type.String({ format: 'uuid' });
export const Timestamp = Type.String({ format: 'date-time' });

export const IdParams = Type.Object({ id: Uuid });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      description:
        'Required. A unique key per operation (e.g. a UUID), reused on every retry of that operation.',
    }),
  ),
});

export const PageQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(
    Type.String({ maxLength: 200, description: 'nextCursor of the previous page.' }),
  ),
});

export const pageOf = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

/** The client's Idempotency-Key ('' when absent: the command refuses it with a clear code). */
export const idempotencyKeyOf = (request: FastifyRequest) => {
  const key = request.headers['idempotency-key'];
  return typeof key === 'string' ? key : '';
};

/** Sends a command's result, marking a replay of a stored response. */
export function sendOutcome<R>(
  reply: FastifyReply,
  outcome: Outcome<R>,
  status: number,
): FastifyReply {
  if (outcome.idempotencyHit) reply.header('idempotency-hit', 'true');
  return reply.code(status).send(outcome.result);
}

/** Who is asking, for the audit log. */
export const contextOf = (request: FastifyRequest) => ({ ip: request.ip, requestId: request.id });
