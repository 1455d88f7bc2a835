// RFC 9457 problem details. Every error response is `application/problem+json` with a stable
// `code`; domain errors are mapped to a status here and nowhere else.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isPgError } from '../db/db.ts';
import { DomainError, type ErrorKind } from '../errors.ts';

const STATUS: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_many: 429,
  invalid: 422,
  unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  [member: string]: unknown;
}

export function problem(
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Problem {
  return {
    type: `urn:ibet:problem:${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    ...extra,
  };
}

const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_content_length'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large'],
};

/** Turns any thrown error into a problem document; unknown errors become a logged 500. */
export function toProblem(error: unknown, request: FastifyRequest): Problem {
  if (error instanceof DomainError) {
    return problem(STATUS[error.kind], error.code, error.message, error.details);
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return problem(
      400,
      'validation_failed',
      `Invalid ${fastifyError.validationContext ?? 'request'}: ${fastifyError.validation
        .map((v) => `${v.instancePath || '/'} ${v.message}`)
        .join('; ')}.`,
      {
        errors: fastifyError.validation.map((v) => ({
          in: fastifyError.validationContext,
          path: v.instancePath || '/',
          message: v.message,
        })),
      },
    );
  }
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return problem(known[0], known[1], fastifyError.message);
  // PostgreSQL cannot store a NUL character (in text or in a JSON string). Only a client puts
  // one in a request, so it is that request's fault: 400, not a logged 500.
  if (isPgError(error) && (error.code === '22021' || error.code === '22P05')) {
    return problem(400, 'invalid_text', 'Text may not contain NUL (\\u0000) characters.');
  }
  if (error instanceof SyntaxError)
    return problem(400, 'invalid_json', 'The body is not valid JSON.');
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    return problem(status, 'bad_request', fastifyError.message);
  }
  request.log.error({ err: error }, 'unhandled error');
  return problem(500, 'internal_error', 'Something went wrong on our side. It has been logged.');
}

/** The problem code each error reply carried, for the metrics hook (bounded: stable codes). */
export const problemCodes = new WeakMap<FastifyReply, string>();

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  problemCodes.set(reply, body.code);
  if (typeof body.retryAfter === 'number') reply.header('retry-after', String(body.retryAfter));
  return reply.code(body.status).type('application/problem+json; charset=utf-8').send(body);
}
