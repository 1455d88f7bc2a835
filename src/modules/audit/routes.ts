import { Type } from 'typebox';
import type { Db } from '../../platform/db/db.ts';
import { Timestamp, Uuid } from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { requires } from '../identity/index.ts';
import { verifyWithArchives } from './archive.ts';
import type { ArchiveStore } from './archive-store.ts';
import { verifyChains } from './chain.ts';
import { runInAuditScope } from './context.ts';
import { audit, listAudit } from './log.ts';
import type { Signer } from './signing.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

const Record = Type.Object({
  id: Type.String(),
  at: Timestamp,
  actorId: Nullable(Uuid),
  actorKind: Nullable(Type.String()),
  action: Type.String(),
  targetType: Nullable(Type.String()),
  targetId: Nullable(Type.String()),
  outcome: Type.Union([Type.Literal('success'), Type.Literal('failure')]),
  ip: Nullable(Type.String()),
  requestId: Nullable(Type.String()),
  details: Type.Object({}, { additionalProperties: true }),
});

const BrokenLinkSchema = Type.Object({
  chain: Type.Integer({ description: '0–15; -1 for a record that belongs to no chain' }),
  seq: Type.String({ description: 'Position in the chain of the first broken link' }),
  eventId: Nullable(Type.String()),
  reason: Type.Union([
    Type.Literal('hash_mismatch'),
    Type.Literal('prev_hash_mismatch'),
    Type.Literal('sequence_gap'),
    Type.Literal('record_missing'),
    Type.Literal('head_mismatch'),
    Type.Literal('unsealed_record'),
    Type.Literal('archive_mismatch'),
  ]),
  detail: Type.String(),
});

const ChainReportSchema = Type.Object({
  ok: Type.Boolean(),
  records: Type.Integer(),
  archivedRecords: Type.Integer(),
  chains: Type.Array(
    Type.Object({
      chain: Type.Integer(),
      from: Nullable(Type.String()),
      to: Type.String(),
      records: Type.Integer(),
    }),
  ),
  broken: Type.Array(BrokenLinkSchema),
});

/**
 * Opens the audit scope of each request once it is authenticated, so that records written
 * deep inside a use case (a ledger transfer) name the actor, IP and request id.
 */
export function openAuditScopes(app: HttpServer): void {
  app.addHook('preHandler', (request, _reply, done) => {
    const principal = request.principal;
    runInAuditScope(
      {
        actor: principal ? { id: principal.accountId, kind: principal.kind } : null,
        ip: request.ip,
        requestId: request.id,
      },
      done,
    );
  });
}

export function auditRoutes(
  app: HttpServer,
  deps: { db: Db; archive?: { store: ArchiveStore; signer: Signer } | undefined },
): void {
  app.post(
    '/api/v1/admin/audit/verify',
    {
      config: { access: requires('audit:read') },
      schema: {
        tags: ['admin'],
        summary: 'Verify the audit hash chains and name the first broken link of each',
        description:
          'Recomputes every link of the 16 audit chains in the database (and, with archives=true, of the signed archive files). The check itself is audited.',
        querystring: Type.Object({
          archives: Type.Boolean({ default: false }),
        }),
        response: { 200: ChainReportSchema },
      },
    },
    async (request) => {
      const report =
        request.query.archives && deps.archive
          ? await verifyWithArchives(deps.db, deps.archive.store, deps.archive.signer)
          : await verifyChains(deps.db);
      await deps.db.transaction((tx) =>
        audit(tx, {
          actor: request.principal ? { id: request.principal.accountId, kind: 'staff' } : null,
          action: 'audit.verified',
          outcome: report.ok ? 'success' : 'failure',
          details: {
            archives: request.query.archives,
            records: report.records,
            archivedRecords: report.archivedRecords,
            broken: report.broken.slice(0, 16),
          },
          context: { ip: request.ip, requestId: request.id },
        }),
      );
      return report;
    },
  );

  app.get(
    '/api/v1/admin/audit',
    {
      config: { access: requires('audit:read') },
      schema: {
        tags: ['admin'],
        summary: 'The audit log, newest first',
        querystring: Type.Object({
          actorId: Type.Optional(Uuid),
          action: Type.Optional(
            Type.String({
              pattern: '^[a-z_.]{1,80}$',
              description: 'An action or its prefix, e.g. auth',
            }),
          ),
          targetId: Type.Optional(Type.String({ maxLength: 200 })),
          before: Type.Optional(
            Type.String({
              pattern: '^[1-9][0-9]{0,17}$',
              description: 'id of the last record of the previous page',
            }),
          ),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        }),
        response: { 200: Type.Object({ items: Type.Array(Record) }) },
      },
    },
    async (request) => ({ items: await listAudit(deps.db, request.query) }),
  );
}
