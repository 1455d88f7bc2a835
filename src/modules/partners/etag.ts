// Conditional requests for the B2B feed: every answer carries a strong ETag (a hash of the
// exact JSON sent) and a client that sends it back in If-None-Match gets 304 Not Modified with
// no body while nothing changed — polling an unchanged feed costs one query and no transfer.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const etagOf = (json: string): string =>
  `"${createHash('sha256').update(json).digest('base64url').slice(0, 32)}"`;

/** Whether an If-None-Match header names this ETag (or is `*`). Weak forms compare equal. */
export function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .includes(etag);
}

/** Sends `body` with its ETag, or 304 when the client already has it. */
export function sendWithEtag(request: FastifyRequest, reply: FastifyReply, body: unknown) {
  // The route's own serializer (its 200 schema): the bytes hashed are the bytes sent.
  reply.code(200);
  const json = String(reply.serialize(body));
  const etag = etagOf(json);
  reply.header('etag', etag);
  // Shared caches must not keep a per-key answer; the client revalidates every time.
  reply.header('cache-control', 'private, no-cache');
  reply.header('vary', 'X-Api-Key');
  if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(json);
}
