import { type Static, Type } from 'typebox';
import type { Db } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { parseLine, parsePrice } from '../../platform/money.ts';
import { type OddsFormat, renderDecimal } from '../../platform/odds.ts';
import { audit } from '../audit/index.ts';
import { requires } from '../identity/index.ts';
import { type CatalogueCache, noCatalogueCache } from './cache.ts';
import { MARKET_TYPES } from './market-types.ts';
import { getEvent, listEvents, listSports } from './read.ts';
import {
  Created,
  Event,
  EventPage,
  EventsQuery,
  Market,
  MarketSettings,
  MarketSettingsBody,
  MarketTypes,
  NewCompetitionBody,
  NewEventBody,
  NewMarketBody,
  NewSportBody,
  OddsQuery,
  PriceBody,
  Sport,
  SportSettings,
  SportSettingsBody,
} from './schemas.ts';
import {
  getMarketSettings,
  type MarketSettingsPatch,
  updateMarketSettings,
  updateSportSettings,
} from './settings.ts';
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

/** A market's settings from a request body (the same fields create and change them). */
function toSettings(body: Static<typeof MarketSettingsBody>): MarketSettingsPatch {
  const amount = (v: string | null | undefined) =>
    v === undefined ? undefined : v === null ? null : BigInt(v);
  const eachWay =
    body.eachWay === undefined
      ? undefined
      : body.eachWay === null
        ? null
        : {
            places: body.eachWay.places,
            num: Number(body.eachWay.fraction.split('/')[0]),
            den: Number(body.eachWay.fraction.split('/')[1]),
          };
  return {
    inPlay: body.inPlay,
    betDelaySeconds: body.betDelaySeconds,
    minStake: amount(body.minStake),
    maxStake: amount(body.maxStake),
    maxSelectionLiability: amount(body.maxSelectionLiability),
    maxMarketLiability: amount(body.maxMarketLiability),
    cashOutEnabled: body.cashOut,
    eachWay,
    builderEnabled: body.builder,
    correlatedWith: body.correlatedWith,
  };
}

/** Prices of events in the asked odds format. */
export function renderEvent<E extends { markets: { selections: { price: string }[] }[] }>(
  event: E,
  format: OddsFormat | undefined,
): E {
  if (!format || format === 'decimal') return event;
  return {
    ...event,
    markets: event.markets.map((m) => ({
      ...m,
      selections: m.selections.map((s) => ({ ...s, price: renderDecimal(s.price, format) })),
    })),
  };
}

function toMarket(body: Static<typeof NewMarketBody>): NewMarket {
  const { type: _t, name: _n, line: _l, selections: _s, ...settings } = body;
  return {
    settings: toSettings(settings),
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

export function catalogRoutes(app: HttpServer, deps: { db: Db; cache?: CatalogueCache }): void {
  const { db } = deps;
  // Public reads are answered from the catalogue cache (cache.ts) when the process keeps one.
  const cache = deps.cache ?? noCatalogueCache;
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
    async (request, reply) => cache.reply(request, reply, () => listSports(db)),
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
    async (request, reply) =>
      cache.reply(request, reply, async () => {
        const page = await listEvents(db, request.query);
        return {
          ...page,
          items: page.items.map((e) => renderEvent(e, request.query.oddsFormat)),
        };
      }),
  );

  app.get(
    '/api/v1/events/:id',
    {
      config: { access: 'public' },
      schema: {
        tags: ['catalog'],
        summary: 'One event with its markets',
        params: IdParams,
        querystring: OddsQuery,
        response: { 200: Event },
      },
    },
    async (request, reply) =>
      cache.reply(request, reply, async () =>
        renderEvent(await getEvent(db, request.params.id), request.query.oddsFormat),
      ),
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

  app.get(
    '/api/v1/market-types',
    {
      config: { access: 'public' },
      schema: {
        tags: ['catalog'],
        summary: 'Market types iBet knows how to settle from a score, with their outcome codes',
        response: { 200: MarketTypes },
      },
    },
    async () =>
      Object.entries(MARKET_TYPES).map(([type, rule]) => ({
        type,
        description: rule.description,
        outcomes: Array.isArray(rule.outcomes) ? rule.outcomes : (rule.outcomes as RegExp).source,
        line: rule.line,
        resultBy: rule.resultBy,
      })),
  );

  app.get(
    '/api/v1/admin/markets/:id/settings',
    {
      config: { access: requires('bets:read') },
      schema: {
        ...trading,
        summary:
          "A market's trading settings (in-play, delay, limits, cash out, each-way, builder)",
        params: IdParams,
        response: { 200: MarketSettings },
      },
    },
    async (request) => getMarketSettings(db, request.params.id),
  );

  app.patch(
    '/api/v1/admin/markets/:id/settings',
    {
      config: { access: requires('catalog:write') },
      schema: {
        ...trading,
        summary: "Change a market's trading settings",
        params: IdParams,
        body: MarketSettingsBody,
        response: { 200: MarketSettings },
      },
    },
    async (request) =>
      db.transaction((tx) => updateMarketSettings(tx, request.params.id, toSettings(request.body))),
  );

  app.put(
    '/api/v1/admin/markets/:id/cash-out',
    {
      config: { access: requires('bets:void') },
      schema: {
        tags: ['risk'],
        summary: 'Offer or block cash out on bets with a leg on a market (risk)',
        params: IdParams,
        body: Type.Object(
          {
            enabled: Type.Boolean(),
            reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: MarketSettings },
      },
    },
    async (request) =>
      db.transaction(async (tx) => {
        const changed = await updateMarketSettings(tx, request.params.id, {
          cashOutEnabled: request.body.enabled,
        });
        await audit(tx, {
          actor: { id: request.principal!.accountId, kind: 'staff' },
          action: request.body.enabled ? 'market.cash_out_offered' : 'market.cash_out_blocked',
          target: { type: 'market', id: request.params.id },
          details: { reason: request.body.reason ?? null },
          context: { ip: request.ip, requestId: request.id },
        });
        return changed;
      }),
  );

  app.patch(
    '/api/v1/admin/sports/:id/settings',
    {
      config: { access: requires('catalog:write') },
      schema: {
        ...trading,
        summary:
          "Change a sport's defaults: in-play delay, stake limits, liability caps, builder margin",
        params: IdParams,
        body: SportSettingsBody,
        response: { 200: SportSettings },
      },
    },
    async (request) => {
      const b = request.body;
      const amount = (v: string | null | undefined) =>
        v === undefined ? undefined : v === null ? null : BigInt(v);
      return db.transaction((tx) =>
        updateSportSettings(tx, request.params.id, {
          inPlayDelaySeconds: b.inPlayDelaySeconds,
          minStake: amount(b.minStake),
          maxStake: amount(b.maxStake),
          maxSelectionLiability: amount(b.maxSelectionLiability),
          maxMarketLiability: amount(b.maxMarketLiability),
          builderMarginBps: b.builderMarginBps,
        }),
      );
    },
  );
}
