import { Readable } from 'node:stream';
import { Type } from 'typebox';
import type { Db } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import { Timestamp, Uuid } from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { requires } from '../identity/index.ts';
import { auditComplianceExport, complianceExport, historyCsv } from './export.ts';
import {
  historySummary,
  listHistoryBets,
  listHistorySessions,
  listHistoryTransactions,
} from './queries.ts';
import { rangeOf } from './range.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);
const Minor = Type.String({ pattern: '^-?[0-9]+$', description: 'Minor units' });

const RangeQuery = {
  from: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'Start (inclusive); default 12 months before `to`',
    }),
  ),
  to: Type.Optional(
    Type.String({ format: 'date-time', description: 'End (exclusive); default now' }),
  ),
};
const PageParams = {
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
};
const pageOf = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });

const Bet = Type.Object({
  id: Uuid,
  placedAt: Timestamp,
  settledAt: Nullable(Timestamp),
  kind: Type.String(),
  status: Type.String(),
  currency: Type.String(),
  stake: Minor,
  potentialPayout: Minor,
  payout: Nullable(Minor),
  cashedOut: Minor,
  legs: Type.Array(
    Type.Object({
      event: Type.String(),
      market: Type.String(),
      selection: Type.String(),
      price: Type.String(),
    }),
  ),
});
const Transaction = Type.Object({
  id: Type.String(),
  at: Timestamp,
  kind: Type.String(),
  amount: Minor,
  currency: Type.String(),
  reference: Type.String(),
});
/** A page of balance movements and its query: the player's own, and support's view of it. */
export const TransactionQuery = Type.Object({ ...RangeQuery, ...PageParams });
export const TransactionPage = pageOf(Transaction);
const Session = Type.Object({
  id: Uuid,
  startedAt: Timestamp,
  lastSeenAt: Timestamp,
  endedAt: Nullable(Timestamp),
  endReason: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
});
const Summary = Type.Object({
  from: Timestamp,
  to: Timestamp,
  currency: Nullable(Type.String()),
  deposits: Minor,
  withdrawals: Minor,
  netDeposits: Minor,
  betsPlaced: Type.Integer(),
  staked: Minor,
  returned: Minor,
  openStakes: Minor,
  netResult: Minor,
});
const BetStatus = Type.Union(
  ['pending', 'open', 'won', 'lost', 'void', 'cashed_out', 'rejected'].map((s) => Type.Literal(s)),
);

const stamp = (d: Date) => d.toISOString().slice(0, 10);

export function historyRoutes(app: HttpServer, deps: { db: Db }): void {
  const { db } = deps;
  const me = (request: { principal?: { accountId: string } }) => request.principal!.accountId;

  app.get(
    '/api/v1/history/summary',
    {
      config: { access: 'player' },
      schema: {
        tags: ['history'],
        summary: 'Totals of a period: deposits, withdrawals, net deposits, stakes and returns',
        querystring: Type.Object(RangeQuery),
        response: { 200: Summary },
      },
    },
    async (request) => historySummary(db, me(request), rangeOf(request.query)),
  );

  app.get(
    '/api/v1/history/bets',
    {
      config: { access: 'player' },
      schema: {
        tags: ['history'],
        summary: 'My bets placed in a period, newest first',
        querystring: Type.Object({
          ...RangeQuery,
          status: Type.Optional(BetStatus),
          ...PageParams,
        }),
        response: { 200: pageOf(Bet) },
      },
    },
    async (request) =>
      listHistoryBets(db, me(request), rangeOf(request.query), {
        status: request.query.status as string | undefined,
        cursor: request.query.cursor,
        limit: request.query.limit,
      }),
  );

  app.get(
    '/api/v1/history/transactions',
    {
      config: { access: 'player' },
      schema: {
        tags: ['history'],
        summary: 'Movements of my balance in a period, newest first',
        querystring: TransactionQuery,
        response: { 200: TransactionPage },
      },
    },
    async (request) =>
      listHistoryTransactions(db, me(request), rangeOf(request.query), {
        cursor: request.query.cursor,
        limit: request.query.limit,
      }),
  );

  app.get(
    '/api/v1/history/sessions',
    {
      config: { access: 'player' },
      schema: {
        tags: ['history'],
        summary: 'My sign-ins in a period, newest first',
        querystring: Type.Object({ ...RangeQuery, ...PageParams }),
        response: { 200: pageOf(Session) },
      },
    },
    async (request) =>
      listHistorySessions(db, me(request), rangeOf(request.query), {
        cursor: request.query.cursor,
        limit: request.query.limit,
      }),
  );

  app.get(
    '/api/v1/history/:kind/export',
    {
      config: { access: 'player' },
      schema: {
        tags: ['history'],
        summary: 'Download my bets, transactions or sessions of a period as CSV (streamed)',
        params: Type.Object({
          kind: Type.Union([
            Type.Literal('bets'),
            Type.Literal('transactions'),
            Type.Literal('sessions'),
          ]),
        }),
        querystring: Type.Object(RangeQuery),
        produces: ['text/csv'],
        response: {
          200: {
            description: 'CSV (RFC 4180), UTF-8 with a byte-order mark, amounts in major units',
            content: { 'text/csv': { schema: { type: 'string', format: 'binary' } } },
          },
        },
      },
    },
    async (request, reply) => {
      const range = rangeOf(request.query);
      const { kind } = request.params;
      const lines = historyCsv(db, me(request), kind, range);
      async function* withBom() {
        yield '\uFEFF';
        yield* lines;
      }
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="ibet-${kind}-${stamp(range.from)}-${stamp(range.to)}.csv"`,
        )
        .header('cache-control', 'no-store');
      // Streamed as produced; the schema above documents the content, it does not serialize it.
      return reply.send(Readable.from(withBom()) as unknown as string);
    },
  );

  app.get(
    '/api/v1/admin/players/:id/activity-export',
    {
      config: { access: requires('players:export') },
      schema: {
        tags: ['admin'],
        summary:
          "A player's complete activity in a period, for compliance (NDJSON, streamed; audited)",
        description:
          'One JSON object per line, each with a `section`: export, account, session, payment, transfer, bet, audit, aml_flag, end.',
        params: Type.Object({ id: Uuid }),
        querystring: Type.Object(RangeQuery),
        produces: ['application/x-ndjson'],
        response: {
          200: {
            description: 'NDJSON',
            content: { 'application/x-ndjson': { schema: { type: 'string', format: 'binary' } } },
          },
        },
      },
    },
    async (request, reply) => {
      const range = rangeOf(request.query);
      const staffId = request.principal!.accountId;
      const playerId = request.params.id;
      const found = await auditComplianceExport(db, {
        staffId,
        playerId,
        range,
        context: { ip: request.ip, requestId: request.id },
      });
      if (!found) throw new DomainError('player_not_found', 'not_found', 'No such player.');
      reply
        .header('content-type', 'application/x-ndjson; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="ibet-player-${playerId}-${stamp(range.from)}-${stamp(range.to)}.ndjson"`,
        )
        .header('cache-control', 'no-store');
      return reply.send(
        Readable.from(complianceExport(db, playerId, range, { staffId })) as unknown as string,
      );
    },
  );
}
