// HTTP: the B2B routes, called by partners' programs with an API key (X-Api-Key) that must
// carry the route's scope. Each key may make IBET_API_KEY_RATE_LIMIT requests a minute;
// beyond that: 429 rate_limited with Retry-After. The counters live in this process's
// memory for now (several API processes each allow the limit), until they move to Redis.
// The feed answers carry ETags and honour If-None-Match (see etag.ts).
import rateLimit from '@fastify/rate-limit';
import { Type } from 'typebox';
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import { IdParams, Uuid } from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { EventPage, EventsQuery, getEvent, listEvents, listSports } from '../catalog/index.ts';
import { Event, Sport } from '../catalog/schemas.ts';
import { sendWithEtag } from './etag.ts';

const WINDOW_MS = 60_000;

const KeyInfo = Type.Object({
  partnerId: Uuid,
  keyId: Uuid,
  scopes: Type.Array(Type.String()),
  rateLimit: Type.Object({
    requests: Type.Integer({ description: 'Requests allowed per window.' }),
    windowSeconds: Type.Integer(),
  }),
});

const NotModified = Type.Null({
  description: 'Not Modified: the ETag sent in If-None-Match is current.',
});
const ConditionalHeaders = Type.Object({
  'if-none-match': Type.Optional(
    Type.String({ description: 'The ETag of the answer you have; 304 while it is current.' }),
  ),
});

export async function b2bRoutes(
  app: HttpServer,
  deps: { db: Db; config: Pick<Config, 'apiKeyRateLimit'> },
): Promise<void> {
  const { db, config } = deps;
  await app.register(async (b2b: HttpServer) => {
    await b2b.register(rateLimit, {
      global: false,
      // The access check (an onRequest hook of the server, so it runs first) has identified
      // the key; the limit counts per key, not per address.
      keyGenerator: (request) => `api-key:${request.apiClient?.keyId ?? request.ip}`,
      errorResponseBuilder: (_request, context) =>
        new DomainError(
          'rate_limited',
          'too_many',
          `This API key may make ${context.max} requests a minute; retry in ${context.after}.`,
          { limit: context.max, retryAfter: Math.max(1, Math.ceil(context.ttl / 1000)) },
        ),
    });
    const limited = { max: config.apiKeyRateLimit, timeWindow: WINDOW_MS };

    b2b.get(
      '/api/v1/b2b/me',
      {
        config: { access: { apiKey: '*' }, rateLimit: limited },
        schema: {
          tags: ['b2b'],
          summary:
            'The API key making the request: its partner, id, scopes and rate limit (any valid key; 401 otherwise)',
          response: { 200: KeyInfo },
        },
      },
      async (request) => {
        const client = request.apiClient!;
        return {
          partnerId: client.partnerId,
          keyId: client.keyId,
          scopes: [...client.scopes].sort(),
          rateLimit: { requests: config.apiKeyRateLimit, windowSeconds: WINDOW_MS / 1000 },
        };
      },
    );

    b2b.get(
      '/api/v1/b2b/odds',
      {
        config: { access: { apiKey: 'odds:read' }, rateLimit: limited },
        schema: {
          tags: ['b2b'],
          summary:
            'Upcoming and live events with markets and prices, soonest first (odds feed; ETag / If-None-Match)',
          querystring: EventsQuery,
          headers: ConditionalHeaders,
          response: { 200: EventPage, 304: NotModified },
        },
      },
      async (request, reply) => sendWithEtag(request, reply, await listEvents(db, request.query)),
    );

    b2b.get(
      '/api/v1/b2b/events/:id',
      {
        config: { access: { apiKey: 'odds:read' }, rateLimit: limited },
        schema: {
          tags: ['b2b'],
          summary: 'One event with its markets and prices (ETag / If-None-Match)',
          params: IdParams,
          headers: ConditionalHeaders,
          response: { 200: Event, 304: NotModified },
        },
      },
      async (request, reply) => sendWithEtag(request, reply, await getEvent(db, request.params.id)),
    );

    b2b.get(
      '/api/v1/b2b/catalogue',
      {
        config: { access: { apiKey: 'odds:read' }, rateLimit: limited },
        schema: {
          tags: ['b2b'],
          summary: 'Sports and their competitions (ETag / If-None-Match)',
          headers: ConditionalHeaders,
          response: { 200: Type.Array(Sport), 304: NotModified },
        },
      },
      async (request, reply) => sendWithEtag(request, reply, await listSports(db)),
    );
  });
}
