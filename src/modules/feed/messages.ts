// The provider-agnostic feed message (docs/feed.md). A provider's adapter turns its own
// format into these; every message is validated here before anything is written.
import { Ajv, type ValidateFunction } from 'ajv';
import { type Static, Type } from 'typebox';

const Key = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.:-]+$' });
const Name = Type.String({ minLength: 1, maxLength: 200 });
/** Decimal odds as the provider quotes them, before our margin. */
const ProviderPrice = Type.Number({ exclusiveMinimum: 1, maximum: 10_000 });

const Envelope = {
  /** The provider's own message id: a message is applied once. */
  id: Type.String({ minLength: 1, maxLength: 200 }),
  /** Provider timestamp (ms since the epoch): older news about a thing is ignored. */
  ts: Type.Integer({ minimum: 0 }),
  /** The provider's fixture id. */
  fixture: Key,
};

export const FixtureMessage = Type.Object(
  {
    ...Envelope,
    kind: Type.Literal('fixture'),
    sport: Type.String({ pattern: '^[a-z0-9-]{1,50}$', description: 'sport slug' }),
    sportName: Name,
    competition: Name,
    country: Type.Optional(Type.String({ maxLength: 100 })),
    name: Name,
    home: Type.Optional(Name),
    away: Type.Optional(Name),
    startsAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const MarketMessage = Type.Object(
  {
    ...Envelope,
    kind: Type.Literal('market'),
    market: Key,
    type: Type.String({ pattern: '^[a-z0-9_]{1,40}$' }),
    name: Name,
    /** Handicap or total in thousandths (2.5 goals → 2500). */
    line: Type.Optional(Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 })),
    inPlay: Type.Optional(Type.Boolean()),
    selections: Type.Array(
      Type.Object(
        {
          key: Key,
          name: Name,
          outcome: Type.Optional(Type.String({ maxLength: 40 })),
          price: ProviderPrice,
        },
        { additionalProperties: false },
      ),
      { minItems: 2, maxItems: 100 },
    ),
  },
  { additionalProperties: false },
);

export const OddsMessage = Type.Object(
  {
    ...Envelope,
    kind: Type.Literal('odds'),
    market: Key,
    /** selection key → the provider's decimal odds. */
    prices: Type.Record(Key, ProviderPrice, { minProperties: 1 }),
  },
  { additionalProperties: false },
);

const Score = Type.Object(
  {
    home: Type.Integer({ minimum: 0, maximum: 1000 }),
    away: Type.Integer({ minimum: 0, maximum: 1000 }),
    detail: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
  },
  { additionalProperties: false },
);
const Clock = Type.Object(
  {
    period: Type.String({ minLength: 1, maxLength: 20 }),
    minute: Type.Union([Type.Integer({ minimum: 0, maximum: 1000 }), Type.Null()]),
    running: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const StatusMessage = Type.Object(
  {
    ...Envelope,
    kind: Type.Literal('status'),
    status: Type.Union([
      Type.Literal('scheduled'),
      Type.Literal('live'),
      Type.Literal('ended'),
      Type.Literal('cancelled'),
    ]),
    score: Type.Optional(Score),
    clock: Type.Optional(Clock),
  },
  { additionalProperties: false },
);

/** Something that moves prices a lot is happening (a goal, a penalty, a break point). */
export const MaterialMessage = Type.Object(
  {
    ...Envelope,
    kind: Type.Literal('material'),
    event: Type.String({ minLength: 1, maxLength: 40 }),
  },
  { additionalProperties: false },
);

export const MarketStatusMessage = Type.Object(
  {
    ...Envelope,
    kind: Type.Literal('market_status'),
    /** A market key, or "*" for all markets of the fixture. */
    market: Type.Union([Key, Type.Literal('*')]),
    status: Type.Union([Type.Literal('open'), Type.Literal('suspended')]),
  },
  { additionalProperties: false },
);

export const ResultMessage = Type.Object(
  {
    ...Envelope,
    kind: Type.Literal('result'),
    market: Key,
    winners: Type.Optional(Type.Array(Key, { minItems: 1, maxItems: 100 })),
    void: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false },
);

export type FixtureMessage = Static<typeof FixtureMessage>;
export type MarketMessage = Static<typeof MarketMessage>;
export type OddsMessage = Static<typeof OddsMessage>;
export type StatusMessage = Static<typeof StatusMessage>;
export type MaterialMessage = Static<typeof MaterialMessage>;
export type MarketStatusMessage = Static<typeof MarketStatusMessage>;
export type ResultMessage = Static<typeof ResultMessage>;
export type FeedMessage =
  | FixtureMessage
  | MarketMessage
  | OddsMessage
  | StatusMessage
  | MaterialMessage
  | MarketStatusMessage
  | ResultMessage;
export type FeedKind = FeedMessage['kind'];

const ajv = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: false });
ajv.addFormat('date-time', (value: string) => !Number.isNaN(Date.parse(value)) && /T/.test(value));
const VALIDATORS: Record<FeedKind, ValidateFunction> = {
  fixture: ajv.compile(FixtureMessage),
  market: ajv.compile(MarketMessage),
  odds: ajv.compile(OddsMessage),
  status: ajv.compile(StatusMessage),
  material: ajv.compile(MaterialMessage),
  market_status: ajv.compile(MarketStatusMessage),
  result: ajv.compile(ResultMessage),
};

export type Validated = { ok: true; message: FeedMessage } | { ok: false; error: string };

/** Validates one message against the schema of its kind. */
export function validateFeedMessage(value: unknown): Validated {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: 'a feed message is an object' };
  }
  const kind = (value as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !Object.hasOwn(VALIDATORS, kind)) {
    return { ok: false, error: `"kind" must be one of ${Object.keys(VALIDATORS).join(', ')}` };
  }
  const validate = VALIDATORS[kind as FeedKind];
  if (!validate(value)) {
    const e = validate.errors?.[0];
    const extra =
      e?.keyword === 'additionalProperties'
        ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"`
        : '';
    return {
      ok: false,
      error: `${kind}${e?.instancePath ?? ''}: ${e?.message ?? 'invalid'}${extra}`,
    };
  }
  const message = value as FeedMessage;
  if (message.kind === 'result' && (message.void === true) === (message.winners !== undefined)) {
    return { ok: false, error: 'result: give either winners or void: true' };
  }
  return { ok: true, message };
}
