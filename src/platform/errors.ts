// Typed domain errors with stable codes. The domain throws these; the HTTP layer maps each
// kind to a status once (see http/problem.ts). Nothing here knows about HTTP.

export type ErrorKind =
  | 'invalid' // the request is well-formed but breaks a rule (422)
  | 'bad_request' // the request is malformed (400)
  | 'unauthenticated' // no or bad credentials (401)
  | 'forbidden' // authenticated, not allowed (403)
  | 'not_found' // no such thing, or not yours (404)
  | 'conflict' // the current state does not allow it (409)
  | 'too_many' // slow down: too many attempts or requests (429)
  | 'unavailable'; // a dependency failed; try again (503)

export class DomainError extends Error {
  constructor(
    /** Stable, machine-readable code, e.g. `odds_changed`. Never renamed once published. */
    readonly code: string,
    readonly kind: ErrorKind,
    message: string,
    /** Extra members for the problem document (e.g. the current price). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string, code = `${what}_not_found`) =>
  new DomainError(code, 'not_found', `No such ${what.replaceAll('_', ' ')}.`);
