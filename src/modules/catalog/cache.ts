// The catalogue's public reads (sports, the event list, an event page) are most of what a
// player's page load asks for, and the same for every player. An API process keeps each
// answer, serialized once by its response schema, for a short time and drops them all when
// the catalogue changes: catalogue commits NOTIFY (migration 0011), which reaches every
// process listening, and this process's own staff writes drop them before answering. The time
// limit bounds what a lost notification (a reconnect) or the clock (an event going live) can
// leave stale. Concurrent misses of one answer share one load, so a spike of page loads after
// a change costs one query, not one per request.
import type { Logger } from 'pino';
import type { Db } from '../../platform/db/db.ts';
import { listenForOutbox } from '../../platform/events/notify.ts';
import type { HttpServer } from '../../platform/http/server.ts';

/** What the cache needs of Fastify's request and reply. */
interface Request {
  url: string;
}
interface Reply {
  type(contentType: string): unknown;
  serialize(payload: unknown): unknown;
}

export interface CatalogueCache {
  /**
   * This request's answer: loaded (with the cache off), or its JSON text — serialized by the
   * route's response schema once, kept, and sent as it is (typed as the answer, which is what
   * the client receives: Fastify sends a string with a JSON content type untouched).
   */
  reply<T>(request: Request, reply: Reply, load: () => Promise<T>): Promise<T>;
  /** Forgets every answer (the catalogue changed). */
  invalidate(): void;
  readonly size: number;
}

const MAX_ENTRIES = 10_000;

interface Entry {
  body: string;
  expires: number;
}

/** A cache keeping answers for `ttlMs` (0: off — every read goes to the database). */
export function createCatalogueCache(ttlMs: number, now: () => number = Date.now): CatalogueCache {
  const entries = new Map<string, Entry>();
  const loading = new Map<string, Promise<string>>();
  let generation = 0;

  return {
    get size() {
      return entries.size;
    },
    invalidate() {
      generation++;
      entries.clear();
      loading.clear();
    },
    async reply(request, reply, load) {
      if (ttlMs <= 0) return load();
      const key = request.url;
      const hit = entries.get(key);
      if (hit && hit.expires > now()) {
        reply.type('application/json; charset=utf-8');
        return hit.body as never;
      }
      let pending = loading.get(key);
      if (!pending) {
        const started = generation;
        const promise = load().then((value) => {
          const body = String(reply.serialize(value));
          // An answer read before a change is not kept past it.
          if (started === generation) {
            if (entries.size >= MAX_ENTRIES) entries.clear();
            entries.set(key, { body, expires: now() + ttlMs });
          }
          return body;
        });
        const settle = () => {
          if (loading.get(key) === promise) loading.delete(key);
        };
        promise.then(settle, settle);
        loading.set(key, promise);
        pending = promise;
      }
      const body = await pending;
      reply.type('application/json; charset=utf-8');
      return body as never;
    },
  };
}

/** The cache off: every read loads. */
export const noCatalogueCache: CatalogueCache = createCatalogueCache(0);

/**
 * The cache of an API process: answers kept `ttlMs`, dropped on every catalogue commit
 * (NOTIFY, from any process) and before this process answers a staff write. Returns the cache
 * and a function that stops listening.
 */
export async function startCatalogueCache(options: {
  http: HttpServer;
  db: Db;
  ttlMs: number;
  log: Logger;
}): Promise<{ cache: CatalogueCache; stop: () => Promise<void> }> {
  const cache = createCatalogueCache(options.ttlMs);
  if (options.ttlMs <= 0) return { cache, stop: async () => {} };
  options.http.addHook('onSend', (request, _reply, payload, done) => {
    if (
      request.method !== 'GET' &&
      request.method !== 'HEAD' &&
      request.url.startsWith('/api/v1/admin/')
    )
      cache.invalidate();
    done(null, payload);
  });
  const stop = await listenForOutbox(options.db, () => cache.invalidate(), options.log);
  return { cache, stop };
}
