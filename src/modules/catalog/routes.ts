import { type Static, Type } from 'typebox';
import type { Db } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { parseLine, parsePrice } from '../../platform/money.ts';
import { requires } from '../identity/index.ts';
import { getEvent, listEvents, listSports } from './read.ts';
import {
  Created,
  Event,
  EventPage,
  EventsQuery,
  Market,
  NewCompetitionBody,
  NewEventBody,
  NewMarketBody,
  NewSportBody,
  PriceBody,
  Sport,
} from './schemas.ts';
import {
  createCompetition,
  createEvent,
  createMarket,
  createSport,
  type NewMarket,
  setMarketStatus,
  setPrice,
} from './trading.ts';

const MIN_PRICE = 1001;
const MAX_PRICE = 1_000_000;

function price(text: string): number {
  const value = parsePrice(text);
  if (value < MIN_PRICE || value > MAX_PRICE) {
    throw new DomainError(
      'invalid_price',
      'invalid',
      'A price is decimal odds from 1.001 to 1000.',
      { price: text },
    );
  }
  return value;
}

function toMarket(body: Static<typeof NewMarketBody>): NewMarket {
  return {
    type: body.type,
    name: body.name,
    line: body.line === undefined ? undefined : parseLine(body.line),
    selections: body.selections.map((s) => ({
      name: s.name,
      outcome: s.outcome,
      price: price(s.price),
    })),
  };
}

export function catalogRoutes(app: HttpServer, deps: { db: Db }): void {
  const { db } = deps;
  const trading = { tags: ['trading'] };

  app.get(
    '/api/v1/sports',
    {
      config: { access: 'public' },
      schema: {
        tags: ['catalog'],
        summary: 'Sports and their competitions',
        response: { 200: Type.Array(Sport) },
      },
    },
    async () => listSports(db),
  );

  app.get(
    '/api/v1/events',
    {
      config: { access: 'public' },
      schema: {
        tags: ['catalog'],
        summary: 'Upcoming and live events with markets and prices, soonest first',
        querystring: EventsQuery,
        response: { 200: EventPage },
      },
    },
    async (request) => listEvents(db, request.query),
  );

  app.get(
    '/api/v1/events/:id',
    {
      config: { access: 'public' },
      schema: {
        tags: ['catalog'],
        summary: 'One event with its markets',
        params: IdParams,
        response: { 200: Event },
      },
    },
    async (request) => getEvent(db, request.params.id),
  );

  app.post(
    '/api/v1/admin/sports',
    {
      config: { access: requires('catalog:write') },
      schema: {
        ...trading,
        summary: 'Create a sport',
        body: NewSportBody,
        response: { 201: Created },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await db.transaction((tx) => createSport(tx, request.body))),
  );

  app.post(
    '/api/v1/admin/competitions',
    {
      config: { access: requires('catalog:write') },
      schema: {
        ...trading,
        summary: 'Create a competition',
        body: NewCompetitionBody,
        response: { 201: Created },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await db.transaction((tx) => createCompetition(tx, request.body))),
  );

  app.post(
    '/api/v1/admin/events',
    {
      config: { access: requires('catalog:write') },
      schema: {
        ...trading,
        summary: 'Create an event (optionally with markets)',
        body: NewEventBody,
        response: { 201: Event },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (Date.parse(body.startsAt) <= Date.now()) {
        throw new DomainError('starts_in_past', 'invalid', 'An event must start in the future.');
      }
      const event = await db.transaction((tx) =>
        createEvent(tx, { ...body, markets: body.markets?.map(toMarket) }),
      );
      return reply.code(201).send(event);
    },
  );

  app.post(
    '/api/v1/admin/events/:id/markets',
    {
      config: { access: requires('catalog:write') },
      schema: {
        ...trading,
        summary: 'Add a market to an event',
        params: IdParams,
        body: NewMarketBody,
        response: { 201: Market },
      },
    },
    async (request, reply) => {
      const market = toMarket(request.body);
      return reply
        .code(201)
        .send(await db.transaction((tx) => createMarket(tx, request.params.id, market)));
    },
  );

  app.patch(
    '/api/v1/admin/selections/:id',
    {
      config: { access: requires('markets:price') },
      schema: {
        ...trading,
        summary: 'Change a price',
        params: IdParams,
        body: PriceBody,
        response: { 200: Market },
      },
    },
    async (request) => {
      const value = price(request.body.price);
      return db.transaction((tx) =>
        setPrice(tx, request.params.id, value, request.principal!.accountId),
      );
    },
  );

  for (const [action, status] of [
    ['suspend', 'suspended'],
    ['open', 'open'],
  ] as const) {
    app.post(
      `/api/v1/admin/markets/:id/${action}`,
      {
        config: { access: requires('markets:price') },
        schema: {
          ...trading,
          summary: `${action === 'open' ? 'Reopen' : 'Suspend'} a market`,
          params: IdParams,
          response: { 200: Market },
        },
      },
      async (request) => db.transaction((tx) => setMarketStatus(tx, request.params.id, status)),
    );
  }
}
