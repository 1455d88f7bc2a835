import { type Static, Type } from 'typebox';
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
import { parseLine } from '../../platform/money.ts';
import type { Metrics } from '../../platform/observability/metrics.ts';
import { BetSchema, getAnyBet, settlementHistory } from '../betting/index.ts';
import { type ResultInput, resultHistory } from '../catalog/index.ts';
import { requires } from '../identity/index.ts';
import { resettleMarket, settleMarket } from './settle-market.ts';
import { voidBet } from './void-bet.ts';

const OUTCOME = Type.Union([
  Type.Literal('win'),
  Type.Literal('lose'),
  Type.Literal('void'),
  Type.Literal('half_win'),
  Type.Literal('half_lose'),
]);
const PLACE = Type.Union([Type.Literal('win'), Type.Literal('lose'), Type.Literal('void')]);
const FRACTION = Type.String({
  pattern: '^[1-9][0-9]{0,3}/[1-9][0-9]{0,3}$',
  description: 'A fraction below 1, e.g. "1/2" for a two-way dead heat.',
});

const resultFields = {
  winners: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 100 })),
  placed: Type.Optional(
    Type.Array(Uuid, {
      maxItems: 100,
      description: 'Each-way markets: selections placed besides the winners.',
    }),
  ),
  void: Type.Optional(Type.Boolean()),
  outcomes: Type.Optional(
    Type.Array(
      Type.Object(
        {
          selectionId: Uuid,
          outcome: OUTCOME,
          deadHeat: Type.Optional(FRACTION),
          place: Type.Optional(PLACE),
          placeDeadHeat: Type.Optional(FRACTION),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 200, description: 'Every selection not listed loses.' },
    ),
  ),
  score: Type.Optional(
    Type.Object(
      {
        home: Type.Integer({ minimum: 0, maximum: 9999 }),
        away: Type.Integer({ minimum: 0, maximum: 9999 }),
      },
      { additionalProperties: false },
    ),
  ),
  value: Type.Optional(
    Type.String({
      pattern: '^[0-9]{1,6}(\\.[0-9]{1,3})?$',
      description: 'A statistic\'s value (props over/under), e.g. "27".',
    }),
  ),
  effectiveAt: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'When the outcome became known: bets placed at or after it are void.',
    }),
  ),
};

const ResultBody = Type.Object(resultFields, {
  additionalProperties: false,
  description:
    'One of {"winners": […]} (with "placed" on each-way markets), {"outcomes": […]}, {"score": {"home", "away"}}, {"value": "…"} or {"void": true}; optionally "effectiveAt".',
});

const ResettleBody = Type.Object(
  {
    ...resultFields,
    reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why the result changed.' }),
  },
  { additionalProperties: false },
);

const VoidBetBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 500 }) },
  { additionalProperties: false },
);

const Summary = Type.Object({
  marketId: Uuid,
  result: Type.Object({ void: Type.Boolean(), winners: Type.Array(Uuid) }),
  version: Type.Integer(),
  bets: Type.Object({
    open: Type.Integer(),
    won: Type.Integer(),
    lost: Type.Integer(),
    void: Type.Integer(),
  }),
  blocked: Type.Integer(),
});

const History = Type.Object({
  versions: Type.Array(Type.Object({}, { additionalProperties: true })),
});

const BetHistory = Type.Object({
  bet: Type.Object({}, { additionalProperties: true }),
  settlements: Type.Array(Type.Object({}, { additionalProperties: true })),
});

const fraction = (text: string | undefined) => {
  if (text === undefined) return undefined;
  const [num, den] = text.split('/').map(Number) as [number, number];
  return { num, den };
};

/** The body as the catalogue's result input; refuses what the schema cannot. */
function resultInput(body: Static<typeof ResultBody>): ResultInput {
  if (body.void === false) {
    throw new DomainError(
      'invalid_result',
      'invalid',
      'Send {"void": true} to void a market, or its winners, outcomes, score or value.',
    );
  }
  const input: ResultInput = {};
  if (body.void) input.void = true;
  if (body.winners) input.winners = body.winners;
  if (body.placed) input.placed = body.placed;
  if (body.outcomes) {
    input.outcomes = body.outcomes.map((o) => ({
      selectionId: o.selectionId,
      outcome: o.outcome,
      ...(o.deadHeat ? { deadHeat: fraction(o.deadHeat) } : {}),
      ...(o.place ? { place: o.place } : {}),
      ...(o.placeDeadHeat ? { placeDeadHeat: fraction(o.placeDeadHeat) } : {}),
    }));
  }
  if (body.score) input.score = body.score;
  if (body.value !== undefined) input.value = parseLine(body.value);
  if (body.effectiveAt) input.effectiveAt = new Date(body.effectiveAt).toISOString();
  return input;
}

export function settlementRoutes(app: HttpServer, deps: { db: Db; metrics: Metrics }): void {
  const { db } = deps;

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
      const staffId = request.principal!.accountId;
      const outcome = await settleMarket(
        { db },
        {
          scope: staffId,
          idempotencyKey: idempotencyKeyOf(request),
          input: {
            marketId: request.params.id,
            result: resultInput(request.body),
            recordedBy: staffId,
          },
        },
      );
      for (const bet of outcome.settled) deps.metrics.betsSettled.inc({ status: bet.status });
      return sendOutcome(reply, outcome, 200);
    },
  );

  app.post(
    '/api/v1/admin/markets/:id/resettle',
    {
      config: { access: requires('markets:settle') },
      schema: {
        tags: ['trading'],
        summary: "Correct a market's result and resettle its bets",
        params: IdParams,
        headers: IdempotencyHeaders,
        body: ResettleBody,
        response: { 200: Summary },
      },
    },
    async (request, reply) => {
      const staffId = request.principal!.accountId;
      const { reason, ...result } = request.body;
      const outcome = await resettleMarket(
        { db },
        {
          scope: staffId,
          idempotencyKey: idempotencyKeyOf(request),
          input: {
            marketId: request.params.id,
            result: resultInput(result),
            correctedBy: staffId,
            reason,
          },
        },
        { ip: request.ip, requestId: request.id },
      );
      for (const bet of outcome.settled) deps.metrics.betsSettled.inc({ status: bet.status });
      return sendOutcome(reply, outcome, 200);
    },
  );

  app.get(
    '/api/v1/admin/markets/:id/results',
    {
      config: { access: requires('bets:read') },
      schema: {
        tags: ['trading'],
        summary: "Every version of a market's result, with who recorded it and why",
        params: IdParams,
        response: { 200: History },
      },
    },
    async (request) => ({ versions: await resultHistory(db, request.params.id) }),
  );

  app.post(
    '/api/v1/admin/bets/:id/void',
    {
      config: { access: requires('bets:void') },
      schema: {
        tags: ['risk'],
        summary: 'Void a bet (its open stake is returned; a settled bet is resettled void)',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: VoidBetBody,
        response: { 200: BetSchema },
      },
    },
    async (request, reply) => {
      const staffId = request.principal!.accountId;
      const outcome = await voidBet(
        { db },
        {
          scope: staffId,
          idempotencyKey: idempotencyKeyOf(request),
          input: { betId: request.params.id, staffId, reason: request.body.reason },
        },
        { ip: request.ip, requestId: request.id },
      );
      return sendOutcome(reply, outcome, 200);
    },
  );

  app.get(
    '/api/v1/admin/bets/:id',
    {
      config: { access: requires('bets:read') },
      schema: {
        tags: ['risk'],
        summary: 'A bet with its settlement history (every version, reversals with who and why)',
        params: IdParams,
        response: { 200: BetHistory },
      },
    },
    async (request) => ({
      bet: await getAnyBet(db, request.params.id),
      settlements: await settlementHistory(db, request.params.id),
    }),
  );
}
