import { Type } from 'typebox';
import type { Db } from '../../platform/db/db.ts';
import { contextOf, IdParams, Timestamp, Uuid } from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { rangeOf, TransactionPage, TransactionQuery } from '../history/index.ts';
import { requires } from '../identity/index.ts';
import { addNote, playerProfile, playerTransactions, searchPlayers } from './queries.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);
const Minor = Type.String({ pattern: '^-?[0-9]+$', description: 'Minor units' });
const tags = ['support'];

const PlayerSummary = {
  id: Uuid,
  email: Type.String(),
  displayName: Type.String(),
  country: Nullable(Type.String()),
  currency: Nullable(Type.String()),
  createdAt: Timestamp,
  emailVerified: Type.Boolean(),
  status: Type.Enum(['active', 'suspended', 'closed', 'excluded'], {
    description: '`excluded`: a time-out or self-exclusion is in force',
  }),
  kycStatus: Type.String({ description: 'none, pending, verified or rejected' }),
};

const Note = Type.Object({
  id: Uuid,
  authorId: Uuid,
  authorName: Nullable(Type.String()),
  text: Type.String(),
  createdAt: Timestamp,
});

const Profile = Type.Object({
  ...PlayerSummary,
  exclusion: Nullable(Type.Object({ kind: Type.String(), endsAt: Nullable(Timestamp) })),
  balances: Nullable(
    Type.Object({ currency: Type.String(), cash: Minor, inBets: Minor, bonus: Minor }),
  ),
  openBets: Type.Integer(),
  notes: Type.Array(Note),
});

const SearchQuery = Type.Object({
  q: Type.String({
    minLength: 1,
    maxLength: 254,
    description: 'Email (prefix), display name (contains) or player id (exact); case-insensitive',
  }),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 25 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

const NoteBody = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' }) },
  { additionalProperties: false },
);

export function supportRoutes(app: HttpServer, deps: { db: Db }): void {
  const { db } = deps;

  app.get(
    '/api/v1/admin/players',
    {
      config: { access: requires('players:read') },
      schema: {
        tags,
        summary: 'Find players by email (prefix), display name or id, newest first',
        querystring: SearchQuery,
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object(PlayerSummary)),
            nextCursor: Nullable(Type.String()),
          }),
        },
      },
    },
    async (request) => searchPlayers(db, request.query),
  );

  app.get(
    '/api/v1/admin/players/:id',
    {
      config: { access: requires('players:read') },
      schema: {
        tags,
        summary: "A player's profile: account, KYC, exclusion, balances, open bets and notes",
        params: IdParams,
        response: { 200: Profile },
      },
    },
    async (request) => playerProfile(db, request.params.id),
  );

  app.get(
    '/api/v1/admin/players/:id/transactions',
    {
      config: { access: requires('players:read') },
      schema: {
        tags,
        summary: "A player's cash movements in a period, newest first (as the player sees them)",
        params: IdParams,
        // The same query and page as the player's own listing (GET /api/v1/history/transactions).
        querystring: TransactionQuery,
        response: { 200: TransactionPage },
      },
    },
    async (request) => {
      const { from, to, cursor, limit } = request.query;
      return playerTransactions(db, request.params.id, rangeOf({ from, to }), { cursor, limit });
    },
  );

  app.post(
    '/api/v1/admin/players/:id/notes',
    {
      config: { access: requires('players:notes') },
      schema: {
        tags,
        summary: "Adds a support note to a player's account (append-only, audited)",
        params: IdParams,
        body: NoteBody,
        response: { 201: Note },
      },
    },
    async (request, reply) => {
      const note = await addNote(
        db,
        { id: request.principal!.accountId, context: contextOf(request) },
        request.params.id,
        request.body.text,
      );
      return reply.code(201).send(note);
    },
  );
}
