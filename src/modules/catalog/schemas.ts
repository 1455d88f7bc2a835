import { Type } from 'typebox';
import { Price, Timestamp, Uuid } from '../../platform/http/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);
const Name = Type.String({ minLength: 1, maxLength: 200 });
export const LINE_PATTERN = '^-?[0-9]{1,3}(\\.[0-9]{1,3})?$';

export const Selection = Type.Object({
  id: Uuid,
  name: Type.String(),
  outcome: Nullable(Type.String()),
  price: Price,
  result: Nullable(Type.Union([Type.Literal('win'), Type.Literal('lose'), Type.Literal('void')])),
});

export const MarketStatus = Type.Union([
  Type.Literal('open'),
  Type.Literal('suspended'),
  Type.Literal('closed'),
  Type.Literal('settled'),
]);

export const Market = Type.Object({
  id: Uuid,
  eventId: Uuid,
  type: Type.String(),
  name: Type.String(),
  line: Nullable(Type.String()),
  status: MarketStatus,
  selections: Type.Array(Selection),
});

export const Event = Type.Object({
  id: Uuid,
  sport: Type.Object({ id: Uuid, slug: Type.String(), name: Type.String() }),
  competition: Type.Object({ id: Uuid, name: Type.String() }),
  name: Type.String(),
  home: Nullable(Type.String()),
  away: Nullable(Type.String()),
  startsAt: Timestamp,
  status: Type.Union([
    Type.Literal('scheduled'),
    Type.Literal('live'),
    Type.Literal('ended'),
    Type.Literal('cancelled'),
  ]),
  markets: Type.Array(Market),
});

export const EventPage = Type.Object({
  items: Type.Array(Event),
  nextCursor: Nullable(Type.String()),
});

export const EventsQuery = Type.Object({
  sport: Type.Optional(
    Type.String({ pattern: '^[a-z0-9-]{1,50}$', description: 'Sport slug, e.g. football.' }),
  ),
  competitionId: Type.Optional(Uuid),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

export const Sport = Type.Object({
  id: Uuid,
  slug: Type.String(),
  name: Type.String(),
  competitions: Type.Array(
    Type.Object({
      id: Uuid,
      name: Type.String(),
      country: Nullable(Type.String()),
      upcomingEvents: Type.Integer(),
    }),
  ),
});

export const NewSportBody = Type.Object(
  {
    slug: Type.String({ pattern: '^[a-z0-9-]{1,50}$' }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    displayOrder: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
  },
  { additionalProperties: false },
);

export const NewCompetitionBody = Type.Object(
  {
    sportId: Uuid,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    country: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const Created = Type.Object({ id: Uuid }, { additionalProperties: true });

export const NewMarketBody = Type.Object(
  {
    type: Type.String({ pattern: '^[a-z0-9_]{1,40}$', examples: ['match_result', 'over_under'] }),
    name: Name,
    line: Type.Optional(
      Type.String({ pattern: LINE_PATTERN, description: 'Handicap or total, e.g. "2.5".' }),
    ),
    selections: Type.Array(
      Type.Object(
        {
          name: Name,
          outcome: Type.Optional(Type.String({ pattern: '^[a-z0-9_]{1,40}$' })),
          price: Price,
        },
        { additionalProperties: false },
      ),
      { minItems: 2, maxItems: 100 },
    ),
  },
  { additionalProperties: false },
);

export const NewEventBody = Type.Object(
  {
    competitionId: Uuid,
    name: Name,
    home: Type.Optional(Name),
    away: Type.Optional(Name),
    startsAt: Timestamp,
    markets: Type.Optional(Type.Array(NewMarketBody, { maxItems: 200 })),
  },
  { additionalProperties: false },
);

export const PriceBody = Type.Object({ price: Price }, { additionalProperties: false });
