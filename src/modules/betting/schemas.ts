import { Type } from 'typebox';
import { Amount, Balance, Timestamp, Uuid } from '../../platform/http/schemas.ts';
import { AMOUNT_PATTERN } from '../../platform/money.ts';
import { ANY_PRICE_PATTERN } from '../../platform/odds.ts';
import { SYSTEM_PATTERN } from './systems.ts';

const amount = (description: string) => Type.String({ pattern: AMOUNT_PATTERN, description });

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

export const Policy = Type.Union(
  [Type.Literal('none'), Type.Literal('higher'), Type.Literal('any')],
  {
    description:
      'What to do when a price moved since the player saw it: none = refuse any change, higher = accept better prices, any = accept every change.',
  },
);

/** A price as a request may send it: decimal ("2.375"), fractional ("11/8") or American ("+137.5"). */
export const RequestedPrice = Type.String({
  pattern: ANY_PRICE_PATTERN,
  description:
    'The price the player saw: decimal odds ("2.375"), or fractional ("11/8") or American ("+137.5", "-110.01") as the API renders them.',
  examples: ['2.375'],
});

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

export const BetKind = Type.Union(
  [
    Type.Literal('single'),
    Type.Literal('multiple'),
    Type.Literal('system'),
    Type.Literal('builder'),
  ],
  {
    description:
      'single (one selection), multiple (accumulator: one selection per event), system (every combination the system names, staked per line), builder (selections of one event priced together).',
  },
);

const slipFields = {
  stake: amount(
    'Stake per line in minor units: the whole stake of a single, multiple or builder; each line of a system bet; each part of an each-way bet.',
  ),
  legs: Type.Array(
    Type.Object({ selectionId: Uuid, price: RequestedPrice }, { additionalProperties: false }),
    {
      minItems: 1,
      maxItems: 20,
      description: 'One leg: a single. Several legs, one per event: a multiple (accumulator).',
    },
  ),
  acceptPriceChanges: Type.Optional(Policy),
  kind: Type.Optional(BetKind),
  system: Type.Optional(
    Type.String({
      pattern: SYSTEM_PATTERN,
      description:
        'A system bet: trixie, patent, yankee, lucky15, canadian, super_yankee, lucky31, heinz, lucky63, super_heinz, goliath, or "n/k" (e.g. "2/5": the doubles of 5 selections).',
    }),
  ),
  eachWay: Type.Optional(
    Type.Boolean({
      description:
        "Each-way: a win part and a place part at the market's place terms (two lines per line).",
    }),
  ),
  // Promotions (docs/promotions.md).
  freeBetId: Type.Optional(
    Type.String({
      format: 'uuid',
      description: 'Stake this free bet (whole: the stake must equal its amount).',
    }),
  ),
  useBonus: Type.Optional(
    Type.Boolean({
      description: 'Let bonus funds cover the part of the stake that cash does not (cash first).',
    }),
  ),
  boostId: Type.Optional(
    Type.String({
      format: 'uuid',
      description: 'Take this odds boost: its selection is struck at the boosted price.',
    }),
  ),
};

export const PlaceBetBody = Type.Object(slipFields, { additionalProperties: false });
export const QuoteBody = Type.Object(slipFields, { additionalProperties: false });

export const BetStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('open'),
  Type.Literal('won'),
  Type.Literal('lost'),
  Type.Literal('void'),
  Type.Literal('cashed_out'),
  Type.Literal('rejected'),
]);

export const Bet = Type.Object({
  id: Uuid,
  kind: BetKind,
  system: Nullable(Type.String()),
  eachWay: Type.Boolean(),
  lines: Type.Integer(),
  stakePerLine: Amount,
  status: BetStatus,
  currency: Type.String(),
  stake: Amount,
  price: Nullable(DisplayPrice),
  potentialPayout: Balance,
  payout: Nullable(Balance),
  cashOut: Nullable(Type.Object({ stake: Amount, value: Balance })),
  autoCashOut: Nullable(Amount),
  acceptPriceChanges: Policy,
  placedAt: Timestamp,
  acceptAfter: Nullable(Timestamp),
  settledAt: Nullable(Timestamp),
  reason: Nullable(Type.String()),
  legs: Type.Array(
    Type.Object({
      selectionId: Uuid,
      marketId: Uuid,
      eventId: Uuid,
      eventName: Type.String(),
      marketName: Type.String(),
      selectionName: Type.String(),
      price: DisplayPrice,
      requestedPrice: DisplayPrice,
      inPlay: Type.Boolean(),
    }),
  ),
});

export const BetPage = Type.Object({ items: Type.Array(Bet), nextCursor: Nullable(Type.String()) });

export const BetsQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('settled')])),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  oddsFormat: Type.Optional(OddsFormat),
});

const Refusal = Type.Object(
  { code: Type.String(), status: Type.Integer(), detail: Type.String() },
  { additionalProperties: true },
);

export const Quote = Type.Object({
  kind: BetKind,
  system: Nullable(Type.String()),
  eachWay: Type.Boolean(),
  lines: Type.Integer(),
  stakePerLine: Amount,
  totalStake: Amount,
  price: Nullable(DisplayPrice),
  potentialPayout: Balance,
  currency: Type.String(),
  minStake: Balance,
  maxStake: Balance,
  inPlay: Type.Boolean(),
  delaySeconds: Type.Integer(),
  acceptable: Type.Boolean(),
  refusals: Type.Array(Refusal),
  legs: Type.Array(
    Type.Object({
      selectionId: Uuid,
      marketId: Uuid,
      eventId: Uuid,
      eventName: Type.String(),
      marketName: Type.String(),
      selectionName: Type.String(),
      price: DisplayPrice,
      requestedPrice: DisplayPrice,
      marketStatus: Type.String(),
      inPlay: Type.Boolean(),
      eachWay: Nullable(Type.Object({ places: Type.Integer(), fraction: Type.String() })),
    }),
  ),
});

export const CashOutQuoteBody = Type.Object(
  {
    stake: Type.Optional(
      amount('Cash out this part of the stake still open (partial cash out); default all of it.'),
    ),
  },
  { additionalProperties: false },
);

export const CashOutQuote = Type.Object({
  quoteId: Uuid,
  betId: Uuid,
  stake: Amount,
  value: Balance,
  fullValue: Balance,
  expiresAt: Timestamp,
});

export const CashOutBody = Type.Object(
  { quoteId: Uuid, acceptValueChanges: Type.Optional(Policy) },
  { additionalProperties: false },
);

export const AutoCashOutBody = Type.Object(
  {
    value: Nullable(
      amount('Cash the bet out in full once its cash-out value reaches this; null clears it.'),
    ),
  },
  { additionalProperties: false },
);

export const PlayerRiskBody = Type.Object(
  {
    stakeFactor: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,3}(\\.[0-9]{1,4})?$',
        description:
          'Factor on every maximum stake of the player: "1" none, "0.5" halves them, "0" stops betting.',
      }),
    ),
    cashOutBlocked: Type.Optional(Type.Boolean()),
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const PlayerRisk = Type.Object({
  playerId: Uuid,
  stakeFactor: Type.String(),
  cashOutBlocked: Type.Boolean(),
  note: Nullable(Type.String()),
  updatedBy: Nullable(Uuid),
  updatedAt: Nullable(Timestamp),
});
