// HTTP: partner accounts (created by staff with partners:manage), the partner's profile and
// the partner's API keys. Issuing a key needs a recent second-factor proof when the partner
// has a second factor.
import type { FastifyRequest } from 'fastify';
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/db.ts';
import { contextOf, IdParams, PageQuery } from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import {
  ApiKey,
  ApiKeyPage,
  IssuedKey,
  NewApiKeyBody,
  NewPartnerBody,
  Partner,
  PartnerPage,
  PartnersQuery,
  RotateBody,
} from './admin-schemas.ts';
import { createApiKey, listApiKeys, revokeApiKey, rotateApiKey } from './api-keys.ts';
import type { Actor } from './escalation.ts';
import { createPartner, getPartner, listPartners } from './partners.ts';
import { requires } from './permissions.ts';

/** The signed-in account making the request, for checks and the audit log. */
export const requestActor = (request: FastifyRequest): Actor => ({
  id: request.principal!.accountId,
  kind: request.principal!.kind,
  context: contextOf(request),
});

export function partnerRoutes(app: HttpServer, deps: { db: Db; config: Config }): void {
  const { db, config } = deps;
  const keys = { tags: ['partner'] };

  app.post(
    '/api/v1/admin/partners',
    {
      config: { access: requires('partners:manage') },
      schema: {
        tags: ['admin'],
        summary: 'Create a partner account (affiliate or B2B) with an initial password',
        body: NewPartnerBody,
        response: { 201: Partner },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createPartner(db, config, requestActor(request), request.body)),
  );

  app.get(
    '/api/v1/admin/partners',
    {
      config: { access: requires('partners:manage') },
      schema: {
        tags: ['admin'],
        summary: 'Partners, oldest first',
        querystring: PartnersQuery,
        response: { 200: PartnerPage },
      },
    },
    async (request) => listPartners(db, request.query),
  );

  app.get(
    '/api/v1/partner/profile',
    {
      config: { access: 'partner' },
      schema: { ...keys, summary: 'My partner profile', response: { 200: Partner } },
    },
    async (request) => getPartner(db, request.principal!.accountId),
  );

  app.get(
    '/api/v1/partner/api-keys',
    {
      config: { access: 'partner' },
      schema: {
        ...keys,
        summary: 'My API keys, newest first (never the keys themselves)',
        querystring: PageQuery,
        response: { 200: ApiKeyPage },
      },
    },
    async (request) => listApiKeys(db, request.principal!.accountId, request.query),
  );

  app.post(
    '/api/v1/partner/api-keys',
    {
      config: { access: 'partner', stepUp: true },
      schema: {
        ...keys,
        summary: 'Create an API key; the key is in this answer only',
        body: NewApiKeyBody,
        response: { 201: IssuedKey },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createApiKey(db, requestActor(request), request.body)),
  );

  app.post(
    '/api/v1/partner/api-keys/:id/rotate',
    {
      config: { access: 'partner', stepUp: true },
      schema: {
        ...keys,
        summary:
          'Replace a key with a new one (same name and scopes); the old one works for graceSeconds more',
        params: IdParams,
        body: RotateBody,
        response: { 201: IssuedKey },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await rotateApiKey(db, requestActor(request), request.params.id, request.body)),
  );

  app.post(
    '/api/v1/partner/api-keys/:id/revoke',
    {
      config: { access: 'partner' },
      schema: {
        ...keys,
        summary: 'Revoke a key now',
        params: IdParams,
        response: { 200: ApiKey },
      },
    },
    async (request) => revokeApiKey(db, requestActor(request), request.params.id),
  );
}
