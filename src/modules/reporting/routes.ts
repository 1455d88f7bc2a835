// Staff reports for the back office: operations figures (from the metrics registry), the
// liability of an event, and the latest bets (the live bet ticker).
import type { Registry } from 'prom-client';
import { Type } from 'typebox';
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/db.ts';
import { IdParams, Timestamp, Uuid } from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { requires } from '../identity/index.ts';
import { eventLiability, latestBets } from './reports.ts';
import { readOperationsStats } from './stats.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);
const Minor = Type.String({ pattern: '^-?[0-9]+$', description: 'Minor units.' });

const Buckets = Type.Object({
  le: Type.Array(Nullable(Type.Number()), {
    description: 'Upper bounds in seconds; null is +Inf.',
  }),
  counts: Type.Array(Type.Number(), { description: 'Cumulative counts per bound.' }),
});

export const OperationsStats = Type.Object({
  at: Timestamp,
  uptimeSeconds: Type.Integer(),
  bets: Type.Object({
    placed: Type.Number(),
    rejected: Type.Number(),
    settled: Type.Number(),
    cashOuts: Type.Number(),
  }),
  money: Type.Array(
    Type.Object({
      currency: Type.String(),
      staked: Minor,
      potentialPayout: Minor,
      settledStake: Minor,
      settledPayout: Minor,
    }),
  ),
  http: Type.Object({
    requests: Type.Number(),
    serverErrors: Type.Number(),
    problems: Type.Number(),
    inFlight: Type.Number(),
    latency: Buckets,
  }),
  realtime: Type.Object({
    connections: Type.Number(),
    subscriptions: Type.Number(),
    pushLatency: Nullable(Buckets),
  }),
  outbox: Type.Object({
    pending: Nullable(Type.Number()),
    oldestPendingAgeSeconds: Nullable(Type.Number()),
    published: Type.Number(),
    relayLag: Nullable(Buckets),
  }),
  settlement: Type.Object({
    backlogMarkets: Nullable(Type.Number()),
    lagSeconds: Nullable(Type.Number()),
  }),
});

const SelectionLiability = Type.Object({
  id: Uuid,
  name: Type.String(),
  price: Type.String(),
  exposure: Minor,
  cap: Nullable(Minor),
  openBets: Type.Integer(),
  stakes: Type.Array(Type.Object({ currency: Type.String(), stake: Minor })),
});

export const EventLiability = Type.Object({
  event: Type.Object({ id: Uuid, name: Type.String(), status: Type.String(), startsAt: Timestamp }),
  currency: Type.String({ description: "Liability is kept in the operator's main currency." }),
  exposure: Minor,
  markets: Type.Array(
    Type.Object({
      id: Uuid,
      name: Type.String(),
      status: Type.String(),
      exposure: Minor,
      cap: Nullable(Minor),
      openBets: Type.Integer(),
      selections: Type.Array(SelectionLiability),
    }),
  ),
});

export const TickerPage = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Uuid,
      playerId: Uuid,
      kind: Type.String(),
      system: Nullable(Type.String()),
      eachWay: Type.Boolean(),
      lines: Type.Integer(),
      status: Type.String(),
      currency: Type.String(),
      stake: Minor,
      potentialPayout: Minor,
      placedAt: Timestamp,
      inPlay: Type.Boolean(),
      legs: Type.Array(
        Type.Object({
          eventName: Type.String(),
          marketName: Type.String(),
          selectionName: Type.String(),
          price: Type.String(),
        }),
      ),
    }),
  ),
});

const TickerQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
    after: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'Only bets placed at or after this instant (the newest the ticker has; it comes again, drop the ids you have).',
      }),
    ),
  },
  { additionalProperties: false },
);

export function reportingRoutes(
  app: HttpServer,
  deps: { db: Db; config: Config; registry: Registry },
): void {
  const { db } = deps;
  app.get(
    '/api/v1/admin/reports/operations',
    {
      config: { access: requires('reports:read') },
      schema: {
        tags: ['reports'],
        summary:
          'Operations figures of this process (counters and latency buckets since it started; poll and compare for rates)',
        response: { 200: OperationsStats },
      },
    },
    async () => readOperationsStats(deps.registry),
  );

  app.get(
    '/api/v1/admin/reports/events/:id/liability',
    {
      config: { access: requires('bets:read') },
      schema: {
        tags: ['reports'],
        summary: 'Liability of an event per market and selection, with open bets and stakes',
        params: IdParams,
        response: { 200: EventLiability },
      },
    },
    async (request) => eventLiability(db, request.params.id, deps.config.currencies[0] ?? 'EUR'),
  );

  app.get(
    '/api/v1/admin/reports/bets',
    {
      config: { access: requires('bets:read') },
      schema: {
        tags: ['reports'],
        summary: 'The latest bets of all players, newest first (the live bet ticker)',
        querystring: TickerQuery,
        response: { 200: TickerPage },
      },
    },
    async (request) => latestBets(db, request.query),
  );
}
