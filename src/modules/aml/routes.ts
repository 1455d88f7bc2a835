import { Type } from 'typebox';
import type { Db } from '../../platform/db/db.ts';
import { Timestamp, Uuid } from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { requires } from '../identity/index.ts';
import { getFlag, listFlags, resolveFlag } from './flags.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

const Rule = Type.Union([
  Type.Literal('single_deposit'),
  Type.Literal('single_withdrawal'),
  Type.Literal('cumulative_deposits'),
  Type.Literal('cumulative_withdrawals'),
  Type.Literal('rapid_cycle'),
  Type.Literal('stake_pattern'),
]);
const Resolution = Type.Union([
  Type.Literal('no_action'),
  Type.Literal('monitor'),
  Type.Literal('reported'),
  Type.Literal('restricted'),
]);
const Status = Type.Union([Type.Literal('open'), Type.Literal('resolved')]);
const Amount = Type.String({ pattern: '^[0-9]+$' });

const Flag = Type.Object({
  id: Uuid,
  playerId: Uuid,
  rule: Type.String(),
  source: Type.String({ description: 'What raised it: payment:<id> or bet:<id>' }),
  currency: Type.String(),
  amount: Amount,
  threshold: Amount,
  details: Type.Object({}, { additionalProperties: true }),
  status: Status,
  raisedAt: Timestamp,
  resolvedAt: Nullable(Timestamp),
  resolvedBy: Nullable(Uuid),
  resolution: Nullable(Resolution),
  notes: Nullable(Type.String()),
});

export function amlRoutes(app: HttpServer, deps: { db: Db }): void {
  app.get(
    '/api/v1/admin/aml/flags',
    {
      config: { access: requires('aml:review') },
      schema: {
        tags: ['admin'],
        summary: 'AML flags, newest first',
        querystring: Type.Object({
          status: Type.Optional(Status),
          playerId: Type.Optional(Uuid),
          rule: Type.Optional(Rule),
          before: Type.Optional(Uuid),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        }),
        response: { 200: Type.Object({ items: Type.Array(Flag) }) },
      },
    },
    async (request) => ({ items: await listFlags(deps.db, request.query) }),
  );

  app.get(
    '/api/v1/admin/aml/flags/:id',
    {
      config: { access: requires('aml:review') },
      schema: {
        tags: ['admin'],
        summary: 'One AML flag',
        params: Type.Object({ id: Uuid }),
        response: { 200: Flag },
      },
    },
    async (request) => getFlag(deps.db, request.params.id),
  );

  app.post(
    '/api/v1/admin/aml/flags/:id/resolve',
    {
      config: { access: requires('aml:review') },
      schema: {
        tags: ['admin'],
        summary: 'Resolve an AML flag with a decision and notes (final; audited)',
        params: Type.Object({ id: Uuid }),
        body: Type.Object(
          {
            resolution: Resolution,
            notes: Type.String({ minLength: 3, maxLength: 4000 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Flag },
      },
    },
    async (request) =>
      resolveFlag(deps.db, {
        flagId: request.params.id,
        staffId: request.principal!.accountId,
        resolution: request.body.resolution,
        notes: request.body.notes,
        context: { ip: request.ip, requestId: request.id },
      }),
  );
}
