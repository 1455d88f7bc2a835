import { Type } from 'typebox';
import type { Db } from '../../platform/db/db.ts';
import { Timestamp, Uuid } from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { requires } from '../identity/index.ts';
import { listAudit } from './log.ts';

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

export function auditRoutes(app: HttpServer, deps: { db: Db }): void {
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
