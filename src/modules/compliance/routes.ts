// HTTP: the player's responsible-gambling tools and identity verification, the staff views
// for limits and KYC review, and the public list of jurisdiction packs.
import multipart from '@fastify/multipart';
import { Type } from 'typebox';
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/db.ts';
import { notFound } from '../../platform/errors.ts';
import { contextOf, IdParams } from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { findAccount, requires } from '../identity/index.ts';
import { documentInvalid, documentTooLarge } from './errors.ts';
import { selfExclude, takeTimeOut } from './exclusions.ts';
import { allPacks } from './jurisdictions.ts';
import { kycQueue, playerKyc, readDocument, reviewKyc, staffKyc, uploadDocument } from './kyc.ts';
import { declineLimitsPrompt, setLimit } from './limits.ts';
import { overview } from './overview.ts';
import {
  acknowledgeRealityCheck,
  pendingRealityCheck,
  setRealityCheckInterval,
} from './reality-checks.ts';
import {
  AcknowledgeBody,
  Document,
  Exclusion,
  Jurisdictions,
  KycQueue,
  KycQueueQuery,
  LimitChange,
  Overview,
  PendingRealityCheck,
  PlayerKyc,
  RealityCheck,
  RealityCheckBody,
  ReviewBody,
  SelfExclusionBody,
  SetLimitBody,
  StaffKyc,
  TimeOutBody,
  UploadQuery,
} from './schemas.ts';
import type { DocumentStore } from './storage.ts';

export interface ComplianceRouteDeps {
  db: Db;
  config: Config;
  store: DocumentStore;
}

const tags = ['responsible gambling'];
const kycTags = ['kyc'];

export async function complianceRoutes(app: HttpServer, deps: ComplianceRouteDeps): Promise<void> {
  const { db } = deps;
  const countries = deps.config.compliance.countries;
  const base = { db, countries };
  const player = (request: { principal?: { accountId: string } }) => request.principal!.accountId;

  app.get(
    '/api/v1/jurisdictions',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Jurisdiction packs: age, limits, cooling-off, breaks, exclusions, KYC, notices',
        response: { 200: Jurisdictions },
      },
    },
    async () => ({ items: allPacks() }),
  );

  app.get(
    '/api/v1/me/responsible-gambling',
    {
      config: { access: 'player' },
      schema: {
        tags,
        summary: 'My limits, reality checks, breaks and verification, with my jurisdiction',
        response: { 200: Overview },
      },
    },
    async (request) => overview(db, player(request), request.principal!.sessionId),
  );

  app.put(
    '/api/v1/me/limits',
    {
      config: { access: 'player' },
      schema: {
        tags,
        summary: 'Set, lower, raise or remove one of my limits',
        body: SetLimitBody,
        response: { 200: LimitChange },
      },
    },
    async (request) => {
      const id = player(request);
      const { kind, period, amount } = request.body;
      return setLimit(
        base,
        id,
        { kind, period, amount: amount === null ? null : BigInt(amount) },
        { actor: { id, kind: 'player' }, context: contextOf(request) },
      );
    },
  );

  app.post(
    '/api/v1/me/limits/prompt/decline',
    {
      config: { access: 'player' },
      schema: {
        tags,
        summary: 'Answer the limits prompt without setting a limit',
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await declineLimitsPrompt(base, player(request), contextOf(request));
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/api/v1/me/reality-check',
    {
      config: { access: 'player' },
      schema: {
        tags,
        summary: 'Choose how often reality checks come (minutes), or turn them off',
        body: RealityCheckBody,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await setRealityCheckInterval(
        base,
        player(request),
        request.body.intervalMinutes,
        contextOf(request),
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/me/reality-check',
    {
      config: { access: 'player' },
      schema: {
        tags,
        summary: 'The reality check waiting for my acknowledgement in this session',
        response: { 200: PendingRealityCheck },
      },
    },
    async (request) => ({
      pending: await pendingRealityCheck(db, player(request), request.principal!.sessionId),
    }),
  );

  app.post(
    '/api/v1/me/reality-check/:id/acknowledge',
    {
      config: { access: 'player' },
      schema: {
        tags,
        summary: 'Acknowledge a reality check (and optionally end the session)',
        params: IdParams,
        body: AcknowledgeBody,
        response: { 200: RealityCheck },
      },
    },
    async (request) =>
      acknowledgeRealityCheck(base, player(request), request.params.id, {
        endSession: request.body.endSession === true,
        context: contextOf(request),
      }),
  );

  app.post(
    '/api/v1/me/time-out',
    {
      config: { access: 'player' },
      schema: {
        tags,
        summary: 'Take a break now (hours within my jurisdiction’s range); my sessions end',
        body: TimeOutBody,
        response: { 201: Exclusion },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await takeTimeOut(base, player(request), request.body.hours, contextOf(request))),
  );

  app.post(
    '/api/v1/me/self-exclusion',
    {
      config: { access: 'player' },
      schema: {
        tags,
        summary: 'Exclude myself now (6m, 1y, 5y or permanent as offered); my sessions end',
        body: SelfExclusionBody,
        response: { 201: Exclusion },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await selfExclude(base, player(request), request.body.period, contextOf(request))),
  );

  app.get(
    '/api/v1/me/kyc',
    {
      config: { access: 'player' },
      schema: {
        tags: kycTags,
        summary: 'My identity verification and the documents I uploaded',
        response: { 200: PlayerKyc },
      },
    },
    async (request) => playerKyc(db, player(request)),
  );

  const kyc = {
    db,
    countries,
    store: deps.store,
    maxBytes: deps.config.compliance.documentMaxBytes,
  };
  // Uploads are the one multipart route: the parser is registered for it alone.
  await app.register(async (child) => {
    const scope = child as unknown as HttpServer;
    await scope.register(multipart, {
      limits: { fileSize: kyc.maxBytes, files: 1, fields: 0, parts: 1, headerPairs: 100 },
      throwFileSizeLimit: true,
    });
    scope.post(
      '/api/v1/me/kyc/documents',
      {
        config: { access: 'player' },
        schema: {
          tags: kycTags,
          summary: 'Upload an identity document (multipart/form-data, one file: JPEG, PNG or PDF)',
          consumes: ['multipart/form-data'],
          querystring: UploadQuery,
          response: { 201: Document },
        },
      },
      async (request, reply) => {
        let body: Buffer;
        try {
          const file = await request.file();
          if (!file) throw documentInvalid('Send the document as one file part.');
          body = await file.toBuffer();
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (code === 'FST_REQ_FILE_TOO_LARGE') throw documentTooLarge(kyc.maxBytes);
          if (typeof code === 'string' && code.startsWith('FST_'))
            throw documentInvalid('Send the document as multipart/form-data with one file part.');
          throw error;
        }
        const view = await uploadDocument(
          kyc,
          player(request),
          request.query.kind,
          body,
          contextOf(request),
        );
        return reply.code(201).send(view);
      },
    );
  });

  // --- Staff -----------------------------------------------------------------------------

  app.get(
    '/api/v1/admin/kyc',
    {
      config: { access: requires('kyc:review') },
      schema: {
        tags: kycTags,
        summary: 'Players by verification status (pending first: the review queue)',
        querystring: KycQueueQuery,
        response: { 200: KycQueue },
      },
    },
    async (request) => ({
      items: await kycQueue(db, request.query.status ?? 'pending', request.query.limit),
    }),
  );

  app.get(
    '/api/v1/admin/players/:id/kyc',
    {
      config: { access: requires('kyc:review') },
      schema: {
        tags: kycTags,
        summary: "A player's verification: age, documents, reviews and notes",
        params: IdParams,
        response: { 200: StaffKyc },
      },
    },
    async (request) => staffKyc(db, request.params.id),
  );

  app.post(
    '/api/v1/admin/players/:id/kyc/reviews',
    {
      config: { access: requires('kyc:review') },
      schema: {
        tags: kycTags,
        summary: 'Verify or reject a pending verification, or add a note',
        params: IdParams,
        body: ReviewBody,
        response: { 201: StaffKyc },
      },
    },
    async (request, reply) => {
      const view = await reviewKyc(
        base,
        request.principal!.accountId,
        request.params.id,
        request.body,
        contextOf(request),
      );
      return reply.code(201).send(view);
    },
  );

  app.get(
    '/api/v1/admin/kyc/documents/:id',
    {
      config: { access: requires('kyc:review') },
      schema: {
        tags: kycTags,
        summary: 'A document’s file (each viewing is audited)',
        params: IdParams,
        produces: ['image/jpeg', 'image/png', 'application/pdf'],
      },
    },
    async (request, reply) => {
      const document = await readDocument(
        kyc,
        request.principal!.accountId,
        request.params.id,
        contextOf(request),
      );
      return reply
        .type(document.contentType)
        .header('content-disposition', 'inline')
        .header('cache-control', 'no-store')
        .send(document.body);
    },
  );

  const staffPlayer = async (id: string) => {
    const account = await findAccount(db, id);
    if (account?.kind !== 'player') throw notFound('account');
  };

  app.get(
    '/api/v1/admin/players/:id/responsible-gambling',
    {
      config: { access: requires('players:limits') },
      schema: {
        tags,
        summary: "A player's limits, reality checks, exclusion and verification",
        params: IdParams,
        response: { 200: Overview },
      },
    },
    async (request) => {
      await staffPlayer(request.params.id);
      return overview(db, request.params.id, null);
    },
  );

  app.put(
    '/api/v1/admin/players/:id/limits',
    {
      config: { access: requires('players:limits') },
      schema: {
        tags,
        summary: "Set one of a player's limits (loosening waits out the cooling-off)",
        params: IdParams,
        body: SetLimitBody,
        response: { 200: LimitChange },
      },
    },
    async (request) => {
      await staffPlayer(request.params.id);
      const { kind, period, amount } = request.body;
      return setLimit(
        base,
        request.params.id,
        { kind, period, amount: amount === null ? null : BigInt(amount) },
        {
          actor: { id: request.principal!.accountId, kind: 'staff' },
          context: contextOf(request),
        },
      );
    },
  );
}
