import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import {
  countRows,
  expectProblem,
  expectProblemShape,
  staffSession,
} from '../../../test/support/identity-helpers.ts';
import { DomainError, type ErrorKind } from '../errors.ts';
import { createLogger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { createServer, type HttpServer } from './server.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('the HTTP platform in the running app', () => {
  const t = useTestApp();

  it.each([
    ['GET', '/api/v1/no-such-thing'],
    ['POST', '/api/v1/no-such-thing'],
    ['DELETE', '/api/v1/me'],
    ['GET', '/no-such-page'],
    ['GET', '/api/v2/events'],
  ])('answers %s %s with 404 route_not_found as problem+json', async (method, url) => {
    const response = await t.api.request(method, url, method === 'GET' ? undefined : {});
    const problem = expectProblem(response, 404, 'route_not_found');
    expect(problem.detail).toContain(method);
  });

  it('answers a URL with broken percent-encoding with 400 invalid_url as problem+json', async () => {
    const response = await t.api.get('/api/v1/events/%zz', {
      headers: { 'x-request-id': 'bad-url-1' },
    });
    expectProblem(response, 400, 'invalid_url');
    expect(response.headers['x-request-id']).toBe('bad-url-1');
  });

  it('answers an over-long path parameter with a problem document, not bare JSON', async () => {
    const response = await t.api.get(`/api/v1/events/${'a'.repeat(500)}`);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expectProblemShape(response);
  });

  it('answers a malformed path parameter with 400 validation_failed naming the parameter', async () => {
    const response = await t.api.get('/api/v1/events/not-a-uuid');
    const problem = expectProblem(response, 400, 'validation_failed');
    expect(problem.errors).toEqual([expect.objectContaining({ in: 'params', path: '/id' })]);
  });

  it('answers a malformed query with 400 validation_failed', async () => {
    const problem = expectProblem(
      await t.api.get('/api/v1/events?limit=many'),
      400,
      'validation_failed',
    );
    expect(problem.errors).toEqual([expect.objectContaining({ in: 'querystring' })]);
    expectProblem(await t.api.get('/api/v1/events?limit=1000'), 400, 'validation_failed');
  });

  it('refuses text the database cannot store (NUL) with 400 invalid_text, writing nothing', async () => {
    const admin = await staffSession(t.db, t.api, ['admin']);
    const before = await countRows(t.db, 'catalog.sports');
    const response = await t.api.post(
      '/api/v1/admin/sports',
      { slug: 'nul-sport', name: 'Foot\u0000ball' },
      { token: admin.token },
    );
    expectProblem(response, 400, 'invalid_text');
    expect(await countRows(t.db, 'catalog.sports')).toBe(before);
  });

  it('is alive at /healthz', async () => {
    const response = await t.api.get('/healthz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('is ready at /readyz when every migration is applied', async () => {
    const response = await t.api.get('/readyz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ready' });
  });

  it('is not ready while a migration is pending', async () => {
    const [last] = await t.db.query<{ version: string; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM platform.schema_migrations ORDER BY version DESC LIMIT 1',
    );
    await t.db.query('DELETE FROM platform.schema_migrations WHERE version = $1', [last!.version]);
    try {
      const response = await t.api.get('/readyz');
      const problem = expectProblem(response, 503, 'not_ready');
      expect(problem.detail).toContain(last!.version);
      // Liveness does not depend on the database schema: the pod must not be restarted.
      expect((await t.api.get('/healthz')).status).toBe(200);
    } finally {
      await t.db.query(
        'INSERT INTO platform.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
        [last!.version, last!.name, last!.checksum],
      );
    }
    expect((await t.api.get('/readyz')).status).toBe(200);
  });

  it('is not ready when an applied migration file has changed since', async () => {
    const [last] = await t.db.query<{ version: string; checksum: string }>(
      'SELECT version, checksum FROM platform.schema_migrations ORDER BY version DESC LIMIT 1',
    );
    await t.db.query('UPDATE platform.schema_migrations SET checksum = $2 WHERE version = $1', [
      last!.version,
      'edited',
    ]);
    try {
      const problem = expectProblem(await t.api.get('/readyz'), 503, 'not_ready');
      expect(problem.detail).toContain(`changed after they were applied: ${last!.version}`);
    } finally {
      await t.db.query('UPDATE platform.schema_migrations SET checksum = $2 WHERE version = $1', [
        last!.version,
        last!.checksum,
      ]);
    }
    expect((await t.api.get('/readyz')).status).toBe(200);
  });

  it('counts requests and their latency by route template in /metrics', async () => {
    const eventId = randomUUID();
    await t.api.get('/healthz');
    await t.api.get(`/api/v1/events/${eventId}`);
    await t.api.get(`/api/v1/nothing-here-${eventId}`);
    const response = await t.api.get('/metrics');
    expect(response.status).toBe(200);
    expect(String(response.headers['content-type'])).toMatch(/^text\/plain/);
    const text = response.body as string;
    expect(text).toMatch(/^# TYPE ibet_http_requests_total counter$/m);
    expect(text).toMatch(/^# TYPE ibet_http_request_duration_seconds histogram$/m);
    expect(text).toMatch(
      /^ibet_http_requests_total\{method="GET",route="\/healthz",status="200"\} [1-9]\d*$/m,
    );
    expect(text).toMatch(
      /^ibet_http_requests_total\{method="GET",route="\/api\/v1\/events\/:id",status="404"\} [1-9]/m,
    );
    expect(text).toMatch(
      /^ibet_http_request_duration_seconds_count\{method="GET",route="\/healthz"\} [1-9]/m,
    );
    // Labels come from route templates, never from raw URLs: no unbounded label values.
    expect(text).not.toContain(eventId);
  });

  it('echoes a well-formed x-request-id', async () => {
    for (const id of ['abc-123', 'trace.id:42_x', 'x'.repeat(128)]) {
      const response = await t.api.get('/healthz', { headers: { 'x-request-id': id } });
      expect(response.headers['x-request-id']).toBe(id);
    }
  });

  it('generates a fresh request id when none or a malformed one is sent', async () => {
    const ids = new Set<string>();
    const sent: Record<string, string>[] = [
      {},
      {},
      { 'x-request-id': 'has spaces in it' },
      { 'x-request-id': '<script>' },
      { 'x-request-id': 'x'.repeat(129) },
      { 'x-request-id': '' },
    ];
    for (const headers of sent) {
      const response = await t.api.get('/healthz', { headers });
      const id = String(response.headers['x-request-id']);
      expect(id).toMatch(UUID);
      ids.add(id);
    }
    expect(ids.size).toBe(6);
  });

  it('sends the request id with error responses too', async () => {
    for (const url of ['/api/v1/no-such-thing', '/api/v1/me', '/api/v1/events/not-a-uuid']) {
      const response = await t.api.get(url, { headers: { 'x-request-id': 'err-req-1' } });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.headers['x-request-id']).toBe('err-req-1');
      expectProblemShape(response);
    }
  });

  it('serves its OpenAPI document and the docs UI without a token', async () => {
    const doc = await t.api.get('/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(doc.body.components.securitySchemes.bearerAuth).toMatchObject({ scheme: 'bearer' });
    const ui = await t.api.get('/api/docs');
    expect(ui.status).toBe(200);
  });
});

describe('the HTTP server factory', () => {
  let app: HttpServer;
  let ready = true;

  beforeAll(async () => {
    app = await createServer({
      log: createLogger('silent'),
      metrics: createMetrics(),
      version: '0.0.0-test',
      stepUpSeconds: 300,
      verifyToken: async () => {
        throw new DomainError('token_invalid', 'unauthenticated', 'No tokens in this test.');
      },
      async checkReady() {
        if (!ready) throw new Error('draining');
      },
    });
    const kinds: [ErrorKind, number][] = [
      ['bad_request', 400],
      ['unauthenticated', 401],
      ['forbidden', 403],
      ['not_found', 404],
      ['conflict', 409],
      ['invalid', 422],
      ['unavailable', 503],
    ];
    for (const [kind] of kinds) {
      app.get(`/api/test/${kind}`, { config: { access: 'public' } }, async () => {
        throw new DomainError(`test_${kind}`, kind, `A ${kind} error.`, { extra: 42 });
      });
    }
    app.get('/api/test/crash', { config: { access: 'public' } }, async () => {
      throw new Error('secret connection string postgres://admin:hunter2@db');
    });
    app.get('/api/test/type-error', { config: { access: 'public' } }, async () => {
      return (undefined as unknown as { x: number }).x;
    });
    app.get('/api/test/items/:id', { config: { access: 'public' } }, async () => ({}));
    app.get('/api/test/player', { config: { access: 'player' } }, async () => ({ ok: true }));
    app.get('/api/test/staff', { config: { access: { permission: 'ledger:read' } } }, async () => ({
      ok: true,
    }));
    await app.ready();
  });

  const get = async (url: string, headers: Record<string, string> = {}) => {
    const response = await app.inject({ method: 'GET', url, headers });
    return {
      status: response.statusCode,
      headers: response.headers,
      body: response.json(),
    };
  };

  it.each([
    ['bad_request', 400],
    ['unauthenticated', 401],
    ['forbidden', 403],
    ['not_found', 404],
    ['conflict', 409],
    ['invalid', 422],
    ['unavailable', 503],
  ] as const)('maps a %s domain error to %i with its code and details', async (kind, status) => {
    const problem = expectProblem(await get(`/api/test/${kind}`), status, `test_${kind}`);
    expect(problem).toMatchObject({ detail: `A ${kind} error.`, extra: 42 });
  });

  it('turns an unexpected error into a 500 that reveals nothing', async () => {
    for (const url of ['/api/test/crash', '/api/test/type-error']) {
      const response = await get(url);
      const problem = expectProblem(response, 500, 'internal_error');
      expect(JSON.stringify(problem)).not.toMatch(/hunter2|postgres|undefined|stack/);
    }
  });

  it('answers an over-long path parameter with 414 uri_too_long as problem+json', async () => {
    expectProblem(await get(`/api/test/items/${'a'.repeat(500)}`), 414, 'uri_too_long');
    expect((await get(`/api/test/items/${'a'.repeat(100)}`)).status).toBe(200);
  });

  it('refuses to register an API route that does not declare who may call it', async () => {
    const server = await createServer({
      log: createLogger('silent'),
      metrics: createMetrics(),
      version: '0.0.0-test',
      stepUpSeconds: 300,
      verifyToken: async () => {
        throw new Error('unused');
      },
      checkReady: async () => {},
    });
    expect(() => server.get('/api/v1/open-by-accident', async () => ({}))).toThrow(
      /declares no access/,
    );
    await server.close();
  });

  it('asks for a token before anything else on a protected route', async () => {
    expectProblem(await get('/api/test/player'), 401, 'unauthenticated');
    expectProblem(await get('/api/test/staff'), 401, 'unauthenticated');
    expectProblem(
      await get('/api/test/staff', { authorization: 'Bearer x.y.z' }),
      401,
      'token_invalid',
    );
  });

  it('reports not ready with the reason checkReady gives', async () => {
    ready = false;
    try {
      const problem = expectProblem(await get('/readyz'), 503, 'not_ready');
      expect(problem.detail).toBe('draining');
    } finally {
      ready = true;
    }
    expect((await get('/readyz')).status).toBe(200);
  });
});
