import { Type } from 'typebox';
import { Amount, Balance, Price, Timestamp, Uuid } from '../../platform/http/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

export const Policy = Type.Union(
  [Type.Literal('none'), Type.Literal('higher'), Type.Literal('any')],
  {
    description:
      'What to do when a price moved since the player saw it: none = refuse any change, higher = accept better prices, any = accept every change.',
  },
);

export const PlaceBetBody = Type.Object(
  {
    stake: Amount,
    legs: Type.Array(
      Type.Object({ selectionId: Uuid, price: Price }, { additionalProperties: false }),
      {
        minItems: 1,
        maxItems: 20,
        description: 'One leg: a single. Several legs, one per event: a multiple (accumulator).',
      },
    ),
    acceptPriceChanges: Type.Optional(Policy),
  },
  { additionalProperties: false },
);

export const Bet = Type.Object({
  id: Uuid,
  kind: Type.Union([Type.Literal('single'), Type.Literal('multiple')]),
  status: Type.Union([
    Type.Literal('open'),
    Type.Literal('won'),
    Type.Literal('lost'),
    Type.Literal('void'),
  ]),
  currency: Type.String(),
  stake: Amount,
  potentialPayout: Amount,
  payout: Nullable(Balance),
  acceptPriceChanges: Policy,
  placedAt: Timestamp,
  settledAt: Nullable(Timestamp),
  legs: Type.Array(
    Type.Object({
      selectionId: Uuid,
      marketId: Uuid,
      eventId: Uuid,
      eventName: Type.String(),
      marketName: Type.String(),
      selectionName: Type.String(),
      price: Price,
      requestedPrice: Price,
    }),
  ),
});

export const BetPage = Type.Object({ items: Type.Array(Bet), nextCursor: Nullable(Type.String()) });

export const BetsQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('settled')])),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});
