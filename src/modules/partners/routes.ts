// HTTP: the B2B routes, called by partners' programs with an API key (X-Api-Key) that must
// carry the route's scope. Each key may make IBET_API_KEY_RATE_LIMIT requests a minute;
// beyond that: 429 rate_limited with Retry-After. The counters live in this process's
// memory for now (several API processes each allow the limit), until they move to Redis.
import rateLimit from '@fastify/rate-limit';
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { EventPage, EventsQuery, listEvents } from '../catalog/index.ts';

const WINDOW_MS = 60_000;

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
      '/api/v1/b2b/odds',
      {
        config: { access: { apiKey: 'odds:read' }, rateLimit: limited },
        schema: {
          tags: ['b2b'],
          summary: 'Upcoming and live events with markets and prices, soonest first (odds feed)',
          querystring: EventsQuery,
          response: { 200: EventPage },
        },
      },
      async (request) => listEvents(db, request.query),
    );
  });
}
