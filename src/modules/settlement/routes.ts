import { Type } from 'typebox';
import type { Db } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import {
  IdempotencyHeaders,
  IdParams,
  idempotencyKeyOf,
  sendOutcome,
  Uuid,
} from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import type { Metrics } from '../../platform/observability/metrics.ts';
import { requires } from '../identity/index.ts';
import { settleMarket } from './settle-market.ts';

const ResultBody = Type.Object(
  {
    winners: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 100 })),
    void: Type.Optional(Type.Boolean()),
  },
  {
    additionalProperties: false,
    description: 'Either {"winners": [selectionId, …]} or {"void": true}.',
  },
);

const Summary = Type.Object({
  marketId: Uuid,
  result: Type.Object({ void: Type.Boolean(), winners: Type.Array(Uuid) }),
  bets: Type.Object({
    open: Type.Integer(),
    won: Type.Integer(),
    lost: Type.Integer(),
    void: Type.Integer(),
  }),
});

export function settlementRoutes(app: HttpServer, deps: { db: Db; metrics: Metrics }): void {
  app.post(
    '/api/v1/admin/markets/:id/result',
    {
      config: { access: requires('markets:settle') },
      schema: {
        tags: ['trading'],
        summary: 'Record a market result and settle its bets',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: ResultBody,
        response: { 200: Summary },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const isVoid = body.void === true;
      if (isVoid === (body.winners !== undefined) || body.void === false) {
        throw new DomainError(
          'invalid_result',
          'invalid',
          'Send either {"winners": [selectionId, …]} or {"void": true}.',
        );
      }
      const staffId = request.principal!.accountId;
      const outcome = await settleMarket(
        { db: deps.db },
        {
          scope: staffId,
          idempotencyKey: idempotencyKeyOf(request),
          input: {
            marketId: request.params.id,
            result: isVoid ? { void: true } : { void: false, winners: body.winners ?? [] },
            recordedBy: staffId,
          },
        },
      );
      for (const bet of outcome.settled) deps.metrics.betsSettled.inc({ status: bet.status });
      return sendOutcome(reply, outcome, 200);
    },
  );
}
