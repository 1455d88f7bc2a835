import { Type } from 'typebox';
import { Price, Timestamp, Uuid } from '../../platform/http/schemas.ts';
import { AMOUNT_PATTERN } from '../../platform/money.ts';
import { KNOWN_MARKET_TYPES } from './market-types.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);
const Name = Type.String({ minLength: 1, maxLength: 200 });
export const LINE_PATTERN = '^-?[0-9]{1,3}(\\.[0-9]{1,3})?$';

/** A price in a response: decimal odds, or the format asked for with ?oddsFormat. */
export const DisplayPrice = Type.String({
  description:
    'Decimal odds ("2.375"), or fractional ("11/8") or American ("+137.5") with ?oddsFormat=fractional|american.',
  examples: ['2.375'],
});

export const OddsFormat = Type.Union(
  [Type.Literal('decimal'), Type.Literal('fractional'), Type.Literal('american')],
  { description: 'How prices are rendered in the response (default decimal).' },
);

export const OddsQuery = Type.Object({ oddsFormat: Type.Optional(OddsFormat) });

export const Selection = Type.Object({
  id: Uuid,
  name: Type.String(),
  outcome: Nullable(Type.String()),
  price: DisplayPrice,
  result: Nullable(
    Type.Union([
      Type.Literal('win'),
      Type.Literal('lose'),
      Type.Literal('void'),
      Type.Literal('half_win'),
      Type.Literal('half_lose'),
    ]),
  ),
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
  inPlay: Type.Boolean(),
  eachWay: Nullable(Type.Object({ places: Type.Integer(), fraction: Type.String() })),
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
  oddsFormat: Type.Optional(OddsFormat),
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

const amount = (description: string) => Type.String({ pattern: AMOUNT_PATTERN, description });
const orNull = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Nullable(t);
const FRACTION = '^[1-9][0-9]{0,2}/[1-9][0-9]{0,2}$';

/** A market's trading settings, when creating it or changing it. */
export const marketSettingsFields = {
  inPlay: Type.Optional(
    Type.Boolean({ description: 'Offered while the event is live; bets wait the in-play delay.' }),
  ),
  betDelaySeconds: Type.Optional(
    orNull(
      Type.Integer({
        minimum: 0,
        maximum: 60,
        description: "In-play bet delay (default: the sport's).",
      }),
    ),
  ),
  minStake: Type.Optional(
    orNull(amount("Smallest stake per line (default: the sport's, else IBET_MIN_STAKE).")),
  ),
  maxStake: Type.Optional(
    orNull(amount("Largest stake per line (default: the sport's, else IBET_MAX_STAKE).")),
  ),
  maxSelectionLiability: Type.Optional(
    orNull(amount('Cap on the potential net loss on each selection of the market (null: none).')),
  ),
  maxMarketLiability: Type.Optional(
    orNull(amount('Cap on the potential net loss of all bets on the market (null: none).')),
  ),
  cashOut: Type.Optional(
    Type.Boolean({ description: 'Cash out offered on bets with a leg here.' }),
  ),
  eachWay: Type.Optional(
    orNull(
      Type.Object(
        {
          places: Type.Integer({ minimum: 1, maximum: 10 }),
          fraction: Type.String({ pattern: FRACTION, description: 'Of the odds, e.g. "1/4".' }),
        },
        { additionalProperties: false },
      ),
    ),
  ),
  builder: Type.Optional(
    Type.Boolean({ description: 'Selections of this market may go into bet builders.' }),
  ),
  correlatedWith: Type.Optional(
    Type.Array(Type.String({ pattern: '^[a-z0-9_]{1,40}$' }), {
      maxItems: 50,
      description: 'Market types of the same event a bet builder may not combine with this one.',
    }),
  ),
};

export const MarketSettingsBody = Type.Object(marketSettingsFields, {
  additionalProperties: false,
});

export const MarketSettings = Type.Object({
  marketId: Uuid,
  inPlay: Type.Boolean(),
  betDelaySeconds: Nullable(Type.Integer()),
  minStake: Nullable(Type.String()),
  maxStake: Nullable(Type.String()),
  maxSelectionLiability: Nullable(Type.String()),
  maxMarketLiability: Nullable(Type.String()),
  cashOutEnabled: Type.Boolean(),
  eachWay: Nullable(Type.Object({ places: Type.Integer(), fraction: Type.String() })),
  builderEnabled: Type.Boolean(),
  correlatedWith: Type.Array(Type.String()),
});

export const SportSettingsBody = Type.Object(
  {
    inPlayDelaySeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 60 })),
    minStake: Type.Optional(orNull(amount('Smallest stake per line on this sport.'))),
    maxStake: Type.Optional(orNull(amount('Largest stake per line on this sport.'))),
    maxSelectionLiability: Type.Optional(orNull(amount('Default selection liability cap.'))),
    maxMarketLiability: Type.Optional(orNull(amount('Default market liability cap.'))),
    builderMarginBps: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 5000, description: 'Bet builder correlation margin.' }),
    ),
  },
  { additionalProperties: false },
);

export const SportSettings = Type.Object({
  sportId: Uuid,
  inPlayDelaySeconds: Type.Integer(),
  minStake: Nullable(Type.String()),
  maxStake: Nullable(Type.String()),
  maxSelectionLiability: Nullable(Type.String()),
  maxMarketLiability: Nullable(Type.String()),
  builderMarginBps: Type.Integer(),
});

export const MarketTypes = Type.Array(
  Type.Object({
    type: Type.String(),
    description: Type.String(),
    outcomes: Type.Union([Type.Array(Type.String()), Type.String()]),
    line: Type.String(),
    resultBy: Type.String(),
  }),
);

export const NewMarketBody = Type.Object(
  {
    type: Type.String({
      pattern: '^[a-z0-9_]{1,40}$',
      examples: ['match_result', 'over_under'],
      description: `Known types (${KNOWN_MARKET_TYPES.join(', ')}) check their selections and settle from a score; any other type is settled by naming winners.`,
    }),
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
    ...marketSettingsFields,
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
