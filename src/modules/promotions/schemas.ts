// Request and response schemas of the promotions and loyalty routes.
import { Type } from 'typebox';
import { Amount, Balance, Price, Timestamp, Uuid } from '../../platform/http/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

export const PromotionKind = Type.Union(
  [
    Type.Literal('free_bet'),
    Type.Literal('bonus'),
    Type.Literal('deposit_bonus'),
    Type.Literal('odds_boost'),
    Type.Literal('acca_bonus'),
  ],
  {
    description:
      'free_bet (a free-bet token on claim), bonus (bonus funds with wagering on claim), deposit_bonus (a share of a deposit as bonus funds), odds_boost (a boosted price on one selection), acca_bonus (a percentage of a winning multiple’s winnings by its legs).',
  },
);

const Country = Type.String({ pattern: '^[A-Z]{2}$' });
const Segment = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' });

export const TermsBody = Type.Object(
  {
    amount: Type.Optional(Amount),
    minOdds: Type.Optional(Price),
    sports: Type.Optional(Type.Array(Uuid, { maxItems: 50 })),
    marketTypes: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { maxItems: 50 }),
    ),
    expiryDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })),
    wageringMultiplier: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    forfeitOnWithdrawal: Type.Optional(Type.Boolean()),
    percentBps: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    maxBonus: Type.Optional(Amount),
    minDeposit: Type.Optional(Amount),
    selectionId: Type.Optional(Uuid),
    boostedPrice: Type.Optional(Price),
    maxStake: Type.Optional(Amount),
    minLegOdds: Type.Optional(Price),
    percentBpsByLegs: Type.Optional(
      Type.Record(Type.String({ pattern: '^([2-9]|1[0-9]|20)$' }), Type.Integer(), {
        description: 'Leg count → basis points of the winnings, e.g. {"3": 500, "5": 1000}.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const NewPromotionBody = Type.Object(
  {
    kind: PromotionKind,
    name: Type.String({ minLength: 1, maxLength: 120 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    startsAt: Timestamp,
    endsAt: Timestamp,
    segments: Type.Optional(Type.Array(Segment, { maxItems: 20 })),
    countries: Type.Optional(Type.Array(Country, { maxItems: 250 })),
    newPlayersDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    optIn: Type.Optional(Type.Boolean({ default: true })),
    budget: Type.Optional(Amount),
    maxAwards: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
    perPlayer: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    terms: TermsBody,
  },
  { additionalProperties: false },
);

const TermsView = Type.Object({}, { additionalProperties: true });

export const PromotionView = Type.Object({
  id: Uuid,
  kind: PromotionKind,
  name: Type.String(),
  description: Type.String(),
  currency: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('ended')]),
  startsAt: Timestamp,
  endsAt: Timestamp,
  segments: Type.Array(Type.String()),
  countries: Type.Array(Type.String()),
  newPlayersDays: Nullable(Type.Integer()),
  optIn: Type.Boolean(),
  budget: Nullable(Balance),
  spent: Balance,
  maxAwards: Nullable(Type.Integer()),
  awards: Type.Integer(),
  perPlayer: Type.Integer(),
  terms: TermsView,
});

export const PlayerPromotionView = Type.Object({
  id: Uuid,
  kind: PromotionKind,
  name: Type.String(),
  description: Type.String(),
  currency: Type.String(),
  endsAt: Timestamp,
  optIn: Type.Boolean(),
  optedIn: Type.Boolean(),
  claimed: Type.Integer({
    description: 'Times the player has had it: awards received, or bets struck with an odds boost.',
  }),
  perPlayer: Type.Integer(),
  terms: TermsView,
});

export const StatusBody = Type.Object(
  {
    status: Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('ended')]),
  },
  { additionalProperties: false },
);

export const AwardBody = Type.Object({ playerId: Uuid }, { additionalProperties: false });

export const Award = Type.Object({
  id: Uuid,
  promotionId: Uuid,
  playerId: Uuid,
  kind: Type.Union([Type.Literal('free_bet'), Type.Literal('bonus')]),
  amount: Amount,
  currency: Type.String(),
  freeBetId: Nullable(Uuid),
  grantId: Nullable(Uuid),
  source: Type.String(),
  createdAt: Timestamp,
});

export const OptInResult = Type.Object({
  promotionId: Uuid,
  optedIn: Type.Literal(true),
  award: Nullable(Award),
});

export const SegmentParams = Type.Object({ segment: Segment });
export const SegmentBody = Type.Object(
  {
    add: Type.Optional(Type.Array(Uuid, { maxItems: 1000 })),
    remove: Type.Optional(Type.Array(Uuid, { maxItems: 1000 })),
  },
  { additionalProperties: false },
);
export const SegmentView = Type.Object({ segment: Type.String(), members: Type.Integer() });

const FreeBetView = Type.Object({
  id: Uuid,
  amount: Amount,
  currency: Type.String(),
  minOdds: Nullable(Price),
  sports: Type.Array(Uuid),
  marketTypes: Type.Array(Type.String()),
  expiresAt: Timestamp,
  status: Type.Union([Type.Literal('active'), Type.Literal('used'), Type.Literal('expired')]),
  betId: Nullable(Uuid),
});

const GrantView = Type.Object({
  id: Uuid,
  amount: Amount,
  currency: Type.String(),
  wageringRequired: Balance,
  wagered: Balance,
  minOdds: Nullable(Price),
  expiresAt: Timestamp,
  forfeitOnWithdrawal: Type.Boolean(),
  status: Type.Union([Type.Literal('active'), Type.Literal('released'), Type.Literal('forfeited')]),
  closedAmount: Nullable(Balance),
  closedReason: Nullable(Type.String()),
  createdAt: Timestamp,
});

export const BonusWallet = Type.Object({
  currency: Type.String(),
  bonusBalance: Balance,
  activeGrant: Nullable(GrantView),
  grants: Type.Array(GrantView),
  freeBets: Type.Array(FreeBetView),
});

const RateView = Type.Object(
  {
    sportId: Nullable(Uuid),
    betKind: Nullable(
      Type.Union([
        Type.Literal('single'),
        Type.Literal('multiple'),
        Type.Literal('system'),
        Type.Literal('builder'),
      ]),
    ),
    pointsPerHundred: Type.Integer({
      minimum: 0,
      maximum: 100_000,
      description: 'Points per 100 minor units of settled stake.',
    }),
  },
  { additionalProperties: false },
);
const TierView = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 40 }),
    minPoints: Type.String({ pattern: '^(0|[1-9][0-9]{0,14})$' }),
    multiplierBps: Type.Integer({ minimum: 0, maximum: 100_000 }),
  },
  { additionalProperties: false },
);
const RedemptionView = Type.Object(
  {
    pointsPerHundred: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: 'Points that redeem 100 minor units.',
    }),
    minRedeemPoints: Type.String({ pattern: '^[1-9][0-9]{0,14}$' }),
    freeBetExpiryDays: Type.Integer({ minimum: 1, maximum: 365 }),
    freeBetMinOdds: Nullable(Type.Integer({ minimum: 1001, maximum: 1_000_000 })),
    bonusWageringMultiplier: Type.Integer({ minimum: 0, maximum: 100 }),
    bonusExpiryDays: Type.Integer({ minimum: 1, maximum: 365 }),
  },
  { additionalProperties: false },
);

export const LoyaltyConfig = Type.Object(
  {
    rates: Type.Array(RateView, { minItems: 1, maxItems: 500 }),
    tiers: Type.Array(TierView, { minItems: 1, maxItems: 20 }),
    redemption: RedemptionView,
  },
  { additionalProperties: false },
);

export const Loyalty = Type.Object({
  balance: Balance,
  lifetime: Balance,
  tier: Nullable(Type.String()),
  nextTier: Nullable(Type.Object({ name: Type.String(), minPoints: Type.String() })),
  entries: Type.Array(
    Type.Object({ points: Type.String(), reference: Type.String(), createdAt: Timestamp }),
  ),
  redemption: RedemptionView,
});

export const RedeemBody = Type.Object(
  {
    points: Type.String({ pattern: '^[1-9][0-9]{0,14}$' }),
    into: Type.Union([Type.Literal('free_bet'), Type.Literal('bonus')]),
  },
  { additionalProperties: false },
);

export const Redemption = Type.Object({
  id: Uuid,
  points: Type.String(),
  amount: Amount,
  currency: Type.String(),
  into: Type.Union([Type.Literal('free_bet'), Type.Literal('bonus')]),
  freeBetId: Nullable(Uuid),
  grantId: Nullable(Uuid),
  balance: Type.String(),
});
