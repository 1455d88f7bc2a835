import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/db.ts';
import {
  IdempotencyHeaders,
  IdParams,
  idempotencyKeyOf,
  sendOutcome,
} from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import type { Metrics } from '../../platform/observability/metrics.ts';
import { placeBet } from './place-bet.ts';
import { getBet, listBets } from './repo.ts';
import { Bet, BetPage, BetsQuery, PlaceBetBody } from './schemas.ts';

export function bettingRoutes(
  app: HttpServer,
  deps: { db: Db; config: Config; metrics: Metrics },
): void {
  const { db } = deps;

  app.post(
    '/api/v1/bets',
    {
      config: { access: 'player' },
      schema: {
        tags: ['betting'],
        summary: 'Place a bet',
        headers: IdempotencyHeaders,
        body: PlaceBetBody,
        response: { 201: Bet },
      },
    },
    async (request, reply) => {
      const playerId = request.principal!.accountId;
      const body = request.body;
      const outcome = await placeBet(
        { db, limits: deps.config.limits },
        {
          scope: playerId,
          idempotencyKey: idempotencyKeyOf(request),
          input: {
            playerId,
            stake: BigInt(body.stake),
            legs: body.legs,
            acceptPriceChanges: body.acceptPriceChanges ?? 'none',
          },
        },
      );
      if (!outcome.idempotencyHit)
        deps.metrics.betsPlaced.inc({ currency: outcome.result.currency });
      return sendOutcome(reply, outcome, 201);
    },
  );

  app.get(
    '/api/v1/bets',
    {
      config: { access: 'player' },
      schema: {
        tags: ['betting'],
        summary: 'My bets, newest first',
        querystring: BetsQuery,
        response: { 200: BetPage },
      },
    },
    async (request) => listBets(db, request.principal!.accountId, request.query),
  );

  app.get(
    '/api/v1/bets/:id',
    {
      config: { access: 'player' },
      schema: {
        tags: ['betting'],
        summary: 'One of my bets',
        params: IdParams,
        response: { 200: Bet },
      },
    },
    async (request) => getBet(db, request.principal!.accountId, request.params.id),
  );
}
