// HTTP: the partner portal's webhook endpoints, the delivery log and redelivery. Signed-in
// partners manage their own; another partner's endpoint or delivery does not exist for them.
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/db.ts';
import {
  contextOf,
  IdParams,
  PageQuery,
  pageOf,
  Timestamp,
  Uuid,
} from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { getDelivery, listDeliveries, redeliver } from './deliveries.ts';
import {
  type Actor,
  createEndpoint,
  getEndpoint,
  listEndpoints,
  MAX_SECRET_GRACE_SECONDS,
  rotateSecret,
  updateEndpoint,
  WEBHOOK_EVENT_TYPES,
} from './endpoints.ts';

const EventType = Type.String({
  minLength: 1,
  maxLength: 40,
  description: `One of: ${WEBHOOK_EVENT_TYPES.join(', ')}.`,
});

const Endpoint = Type.Object({
  id: Uuid,
  url: Type.String(),
  eventTypes: Type.Array(Type.String()),
  description: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  previousSecretExpiresAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
});

const EndpointWithSecret = Type.Object({
  endpoint: Endpoint,
  secret: Type.String({ description: 'The signing secret: shown in this answer only.' }),
});

const NewEndpointBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2000 }),
    eventTypes: Type.Array(EventType, { minItems: 1, maxItems: 3 }),
    description: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

const EndpointChangesBody = Type.Object(
  {
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    eventTypes: Type.Optional(Type.Array(EventType, { minItems: 1, maxItems: 3 })),
    description: Type.Optional(Type.String({ maxLength: 200 })),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const RotateSecretBody = Type.Object(
  {
    graceSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_SECRET_GRACE_SECONDS,
        description: 'How long the old secret also signs (a second signature). Default 0.',
      }),
    ),
  },
  { additionalProperties: false },
);

const DeliveryStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('delivered'),
  Type.Literal('dead'),
]);

const Delivery = Type.Object({
  id: Uuid,
  endpointId: Uuid,
  eventType: Type.String(),
  status: DeliveryStatus,
  attempts: Type.Integer(),
  lastStatus: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
  deliveredAt: Type.Union([Timestamp, Type.Null()]),
  deadAt: Type.Union([Timestamp, Type.Null()]),
  payload: Type.Record(Type.String(), Type.Unknown()),
});

const Attempt = Type.Object({
  attempt: Type.Integer(),
  startedAt: Timestamp,
  durationMs: Type.Integer(),
  statusCode: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.Union([Type.Literal('delivered'), Type.Literal('retry'), Type.Literal('dead')]),
});

const DeliveriesQuery = Type.Intersect([
  PageQuery,
  Type.Object({
    status: Type.Optional(DeliveryStatus),
    endpointId: Type.Optional(Uuid),
  }),
]);

const actorOf = (request: FastifyRequest): Actor => ({
  id: request.principal!.accountId,
  kind: request.principal!.kind,
  context: contextOf(request),
});

export function webhookRoutes(
  app: HttpServer,
  deps: { db: Db; config: Pick<Config, 'webhooks'> },
): void {
  const { db, config } = deps;
  const tags = ['partner'];
  const insecure = { allowInsecure: config.webhooks.allowInsecure };

  app.get(
    '/api/v1/partner/webhooks',
    {
      config: { access: 'partner' },
      schema: {
        tags,
        summary: 'My webhook endpoints (never their secrets)',
        response: { 200: Type.Object({ items: Type.Array(Endpoint) }) },
      },
    },
    async (request) => ({ items: await listEndpoints(db, request.principal!.accountId) }),
  );

  app.post(
    '/api/v1/partner/webhooks',
    {
      config: { access: 'partner', stepUp: true },
      schema: {
        tags,
        summary: 'Add a webhook endpoint; its signing secret is in this answer only',
        body: NewEndpointBody,
        response: { 201: EndpointWithSecret },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createEndpoint(db, actorOf(request), request.body, insecure)),
  );

  app.get(
    '/api/v1/partner/webhooks/:id',
    {
      config: { access: 'partner' },
      schema: {
        tags,
        summary: 'One of my webhook endpoints',
        params: IdParams,
        response: { 200: Endpoint },
      },
    },
    async (request) => getEndpoint(db, request.principal!.accountId, request.params.id),
  );

  app.patch(
    '/api/v1/partner/webhooks/:id',
    {
      config: { access: 'partner' },
      schema: {
        tags,
        summary: 'Change an endpoint: URL, event types, description, or disable/enable it',
        params: IdParams,
        body: EndpointChangesBody,
        response: { 200: Endpoint },
      },
    },
    async (request) =>
      updateEndpoint(db, actorOf(request), request.params.id, request.body, insecure),
  );

  app.post(
    '/api/v1/partner/webhooks/:id/rotate-secret',
    {
      config: { access: 'partner', stepUp: true },
      schema: {
        tags,
        summary:
          'New signing secret (in this answer only); the old one also signs for graceSeconds',
        params: IdParams,
        body: RotateSecretBody,
        response: { 201: EndpointWithSecret },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await rotateSecret(db, actorOf(request), request.params.id, request.body.graceSeconds),
        ),
  );

  app.get(
    '/api/v1/partner/webhook-deliveries',
    {
      config: { access: 'partner' },
      schema: {
        tags,
        summary: 'The delivery log, newest first (status=dead: the dead-letter list)',
        querystring: DeliveriesQuery,
        response: { 200: pageOf(Delivery) },
      },
    },
    async (request) => listDeliveries(db, request.principal!.accountId, request.query),
  );

  app.get(
    '/api/v1/partner/webhook-deliveries/:id',
    {
      config: { access: 'partner' },
      schema: {
        tags,
        summary: 'One delivery with every attempt',
        params: IdParams,
        response: { 200: Type.Intersect([Delivery, Type.Object({ log: Type.Array(Attempt) })]) },
      },
    },
    async (request) => getDelivery(db, request.principal!.accountId, request.params.id),
  );

  app.post(
    '/api/v1/partner/webhook-deliveries/:id/redeliver',
    {
      config: { access: 'partner' },
      schema: {
        tags,
        summary: 'Send a delivery again (same id and body) with a fresh set of attempts',
        params: IdParams,
        response: { 200: Delivery },
      },
    },
    async (request) => redeliver(db, actorOf(request), request.params.id),
  );
}
