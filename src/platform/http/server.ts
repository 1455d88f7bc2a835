// The HTTP server factory: request ids, problem+json errors, access control declared per
// route, OpenAPI from the route schemas, health, readiness and Prometheus metrics.
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import ajvFormats, { type FormatsPlugin } from 'ajv-formats';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerFactory,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
  type RouteOptions,
} from 'fastify';
import type { Logger } from 'pino';
import { Type } from 'typebox';
import { runAsRequest } from '../db/admission.ts';
import { DomainError } from '../errors.ts';
import { codeLabel, type Metrics } from '../observability/metrics.ts';
import { inSpan, tracingEnabled } from '../observability/tracing.ts';
import { type Access, type ApiClient, describeAccess, type Principal } from './access.ts';
import { problem, problemCodes, sendProblem, toProblem } from './problem.ts';
import { serverSpanOf, tracedRequestHandler } from './tracing.ts';

export type HttpServer = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ServerOptions {
  log: Logger;
  metrics: Metrics;
  version: string;
  /** Verifies a bearer token; throws a DomainError (401) if it is not valid. */
  verifyToken(token: string): Promise<Principal>;
  /** Verifies a partner API key; throws a DomainError (401) if it is not valid. */
  verifyApiKey?(key: string): Promise<ApiClient>;
  /** How recent a second-factor proof must be for `stepUp` routes, in seconds. */
  stepUpSeconds: number;
  /** Proxies whose X-Forwarded-For/-Proto are believed (IBET_TRUSTED_PROXIES); none by default. */
  trustedProxies?: readonly string[] | undefined;
  /** Whether the database may refuse a request's first operation (db/admission.ts). */
  shedding?: boolean;
  /** Called when presented credentials are refused (401/403), e.g. to audit it. */
  onDenied?(request: FastifyRequest, error: DomainError): Promise<void>;
  /** Throws (with a reason) when the process should not receive traffic. */
  checkReady(): Promise<void>;
  /** How long /readyz waits for `checkReady` before answering 503. Default 2000 ms. */
  readyTimeoutMs?: number;
}

/** Refusals counted as business rejections by reason (the problem code), per route. */
const REJECTIONS: Record<string, 'betsRejected'> = {
  'POST /api/v1/bets': 'betsRejected',
};

const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.String(),
  },
  { additionalProperties: true, $id: 'Problem', description: 'RFC 9457 problem details' },
);

function validator(coerceTypes: 'array' | false): Ajv {
  const ajv = new Ajv({
    coerceTypes,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
  });
  // ajv-formats is CommonJS with a `default` export; under NodeNext the import is the module.
  (ajvFormats as unknown as { default: FormatsPlugin }).default(ajv);
  return ajv;
}

const unauthenticated = () =>
  new DomainError(
    'unauthenticated',
    'unauthenticated',
    'Sign in: send "Authorization: Bearer <access token>".',
  );

const forbidden = (message: string, details: Record<string, unknown> = {}) =>
  new DomainError('forbidden', 'forbidden', message, details);

function authorize(access: Access, principal: Principal | undefined): void {
  if (access === 'public' || (typeof access === 'object' && 'apiKey' in access)) return;
  if (!principal) throw unauthenticated();
  if (access === 'authenticated') return;
  if (access === 'player' || access === 'partner') {
    if (principal.kind !== access) throw forbidden(`This route is for ${access} accounts.`);
    return;
  }
  if (principal.kind !== 'staff') throw forbidden('This route is for staff accounts.');
  // Staff act only with a second factor: until they enrol one, they may only enrol.
  if (!principal.mfa.enrolled) {
    throw new DomainError(
      'mfa_enrolment_required',
      'forbidden',
      'Staff must enrol a second factor (POST /api/v1/mfa/totp) before anything else.',
    );
  }
  if (!principal.permissions.has(access.permission)) {
    throw forbidden(`This needs the "${access.permission}" permission.`, {
      permission: access.permission,
    });
  }
}

/** A recent second-factor proof, for sensitive actions of accounts that have one. */
function checkStepUp(principal: Principal | undefined, maxAgeSeconds: number): void {
  if (!principal?.mfa.enrolled) return;
  const age =
    principal.mfa.verifiedAt === null ? Infinity : Date.now() / 1000 - principal.mfa.verifiedAt;
  if (age > maxAgeSeconds) {
    throw new DomainError(
      'step_up_required',
      'forbidden',
      'Confirm it is you: prove your second factor again (POST /api/v1/mfa/step-up), then retry.',
      { maxAgeSeconds },
    );
  }
}

function apiKeyOf(request: FastifyRequest): string {
  const key = request.headers['x-api-key'];
  if (typeof key !== 'string' || key === '') {
    throw new DomainError(
      'api_key_required',
      'unauthenticated',
      'Send your API key in the X-Api-Key header.',
    );
  }
  return key;
}

const FRAMEWORK_CODES: Record<string, [number, string]> = {
  FST_ERR_BAD_URL: [400, 'invalid_url'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'uri_too_long'],
};

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  // The scheme name is case-insensitive (RFC 9110 §11.1).
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
  if (!match) {
    throw new DomainError(
      'token_invalid',
      'unauthenticated',
      'The Authorization header must be "Bearer <token>".',
    );
  }
  return match[1];
}

/** The Content-Security-Policy of API answers: they load nothing and are never framed. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

export async function createServer(options: ServerOptions): Promise<HttpServer> {
  const { metrics } = options;
  // With tracing on, every request runs inside its server span from the first byte, so the
  // access-control hook, the handler and their SQL all become its children.
  const tracing = tracingEnabled();
  const app = Fastify({
    loggerInstance: options.log,
    ...(tracing
      ? {
          serverFactory: ((handler: RequestListener) =>
            createHttpServer(tracedRequestHandler(handler))) as FastifyServerFactory,
        }
      : {}),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: 256 * 1024,
    // Only the configured load balancers may say who the client is (and whether it used TLS).
    trustProxy: options.trustedProxies?.length ? [...options.trustedProxies] : false,
    routerOptions: { ignoreTrailingSlash: true },
    // The router refuses some URLs (bad percent-encoding, over-long path parameters) before
    // any hook runs; answer those with problem+json too, not Fastify's own JSON.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id);
      const known = FRAMEWORK_CODES[error.code];
      void sendProblem(
        reply,
        known ? problem(known[0], known[1], error.message) : toProblem(error, request),
      );
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as HttpServer;

  // Query strings, path parameters and headers arrive as text and are coerced to the schema's
  // types; JSON bodies are not: a number where the contract says a string of digits is refused.
  const coercing = validator('array');
  const exact = validator(false);
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? exact : coercing).compile(schema as object),
  );
  app.addSchema(ProblemSchema);

  app.addHook('onRoute', (route: RouteOptions) => {
    const declared = (route.config as { access?: Access } | undefined)?.access;
    // Every API route must say who may call it; pages, assets and the docs UI are public.
    const isApi = route.url.startsWith('/api/') && !route.url.startsWith('/api/docs');
    if (!declared && isApi)
      throw new Error(`Route ${route.method} ${route.url} declares no access`);
    const access: Access = declared ?? 'public';
    route.config = { ...route.config, access };
    if (tracing) {
      // The use-case span: the handler's work, named after the operation.
      const handler = route.handler;
      const summary = (route.schema as { summary?: string } | undefined)?.summary;
      const tag = (route.schema as { tags?: string[] } | undefined)?.tags?.[0];
      const name = summary ? `${tag ? `${tag}: ` : ''}${summary}` : `${route.method} ${route.url}`;
      route.handler = function (this: unknown, request, reply) {
        return inSpan(name, async () => handler.call(this as never, request, reply));
      };
    }
    if (route.schema) {
      const schema = route.schema as Record<string, unknown>;
      schema['x-ibet-access'] = describeAccess(access);
      if ((route.config as { stepUp?: boolean }).stepUp) schema['x-ibet-step-up'] = true;
      if (typeof access === 'object' && 'apiKey' in access) schema.security = [{ apiKeyAuth: [] }];
      else if (access !== 'public') schema.security = [{ bearerAuth: [] }];
      const response = (schema.response ?? {}) as Record<string, unknown>;
      response['4xx'] ??= { $ref: 'Problem#' };
      schema.response = response;
    }
  });

  app.setErrorHandler((error, request, reply) => sendProblem(reply, toProblem(error, request)));
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problem(404, 'route_not_found', `No route ${request.method} ${request.url}.`),
    ),
  );

  const admit = async (request: FastifyRequest, access: Access) => {
    if (typeof access === 'object' && 'apiKey' in access) {
      if (!options.verifyApiKey) throw new Error('API-key routes need verifyApiKey');
      const client = await options.verifyApiKey(apiKeyOf(request));
      if (access.apiKey !== '*' && !client.scopes.has(access.apiKey)) {
        throw forbidden(`This API key lacks the "${access.apiKey}" scope.`, {
          scope: access.apiKey,
        });
      }
      request.apiClient = client;
      return;
    }
    const token = bearer(request);
    if (token) request.principal = await options.verifyToken(token);
    authorize(access, request.principal);
    if (request.routeOptions.config.stepUp) checkStepUp(request.principal, options.stepUpSeconds);
  };

  // Everything a request does runs as that request, so that the database may refuse its first
  // operation when its queue is full (db/admission.ts).
  if (options.shedding) app.addHook('onRequest', (_request, _reply, done) => runAsRequest(done));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    metrics.httpInFlight.inc();
    reply.raw.once('close', () => metrics.httpInFlight.dec());
    const access = request.routeOptions.config.access;
    // The not-found handler has no access; public routes ignore credentials altogether, so a
    // stale token in a client never breaks reading the catalogue.
    if (!access || access === 'public') return;
    try {
      await admit(request, access);
    } catch (error) {
      const refused =
        error instanceof DomainError &&
        (error.kind === 'unauthenticated' || error.kind === 'forbidden');
      // A request that presented credentials and was refused leaves a trace (bad, expired or
      // forged tokens and keys, the wrong kind of account, a missing permission).
      const presented =
        request.headers.authorization !== undefined || request.headers['x-api-key'] !== undefined;
      if (refused && presented && options.onDenied) {
        await options
          .onDenied(request, error)
          .catch((failure: unknown) =>
            request.log.error({ err: failure }, 'could not record a refused request'),
          );
      }
      throw error;
    }
  });

  // Security headers on every response (ASVS V14.4), where the route or the web pages did not
  // set their own: no MIME sniffing, no framing, no referrer, a CSP that allows nothing for
  // API answers (JSON is never a document), HSTS when the request came over TLS (directly or
  // through a TLS-terminating proxy), and nothing an authenticated request saw is cached.
  app.addHook('onSend', async (request, reply, payload) => {
    const set = (name: string, value: string) => {
      if (!reply.hasHeader(name)) reply.header(name, value);
    };
    set('x-content-type-options', 'nosniff');
    set('x-frame-options', 'DENY');
    set('referrer-policy', 'no-referrer');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.includes('json')) set('content-security-policy', API_CSP);
    else if (type.startsWith('text/html')) set('content-security-policy', "frame-ancestors 'none'");
    const tls =
      request.protocol === 'https' ||
      String(request.headers['x-forwarded-proto'] ?? '')
        .split(',')[0]
        ?.trim() === 'https';
    if (tls) set('strict-transport-security', 'max-age=63072000; includeSubDomains');
    const authenticated =
      request.headers.authorization !== undefined || request.headers['x-api-key'] !== undefined;
    if (authenticated || request.url.startsWith('/api/')) set('cache-control', 'no-store');
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const { method } = request;
    const status = reply.statusCode;
    metrics.httpRequests.inc({ method, route, status });
    metrics.httpDuration.observe({ method, route }, reply.elapsedTime / 1000);
    const code = problemCodes.get(reply);
    if (code !== undefined) {
      metrics.httpProblems.inc({ method, route, code: codeLabel(code) });
      const rejection = REJECTIONS[`${method} ${route}`];
      if (rejection && status >= 400 && status < 500 && status !== 401 && status !== 403)
        metrics[rejection].inc({ reason: codeLabel(code) });
    }
  });

  if (tracing) {
    // Name the server span after the route template as soon as it is known, and note the
    // problem code before the response leaves (the span ends when it is sent).
    app.addHook('onRequest', async (request) => {
      const span = serverSpanOf(request.raw);
      const route = request.routeOptions.url ?? 'unmatched';
      span?.updateName(`${request.method} ${route}`);
      span?.setAttribute('http.route', route);
    });
    app.addHook('onSend', async (request, reply) => {
      const code = problemCodes.get(reply);
      if (code !== undefined) serverSpanOf(request.raw)?.setAttribute('ibet.problem.code', code);
    });
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'iBet API',
        version: options.version,
        description:
          'Amounts are strings of integer minor units ("1050" = 10.50 EUR). Prices are decimal odds ' +
          'as strings with at most three decimals. Errors are RFC 9457 problem+json with a stable `code`. ' +
          'Requests that move money need an Idempotency-Key header.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          apiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        },
      },
    },
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );

  app.get('/healthz', { config: { access: 'public' }, schema: { hide: true } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { config: { access: 'public' }, schema: { hide: true } },
    async (_request, reply) => {
      let timer: NodeJS.Timeout | undefined;
      const timeoutMs = options.readyTimeoutMs ?? 2000;
      try {
        await Promise.race([
          options.checkReady(),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`the database did not answer within ${timeoutMs} ms`)),
              timeoutMs,
            );
          }),
        ]);
        return { status: 'ready' };
      } catch (error) {
        return sendProblem(
          reply,
          problem(503, 'not_ready', error instanceof Error ? error.message : 'Not ready.'),
        );
      } finally {
        clearTimeout(timer);
      }
    },
  );

  app.get(
    '/metrics',
    { config: { access: 'public' }, schema: { hide: true } },
    async (_request, reply) => {
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );

  return app;
}
