// Request and response schemas of the responsible-gambling and KYC routes (also the
// OpenAPI document).
import { Type } from 'typebox';
import { Amount, Balance, SignedAmount, Timestamp, Uuid } from '../../platform/http/schemas.ts';
import { SELF_EXCLUSION_PERIODS } from './jurisdictions.ts';
import { DOCUMENT_KINDS } from './kyc.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);
const literals = <const T extends string[]>(values: readonly [...T]) => Type.Enum(values);

export const LimitKind = literals(['deposit', 'loss', 'session']);
export const LimitPeriod = literals(['day', 'week', 'month', 'session']);

export const Limit = Type.Object({
  kind: LimitKind,
  period: LimitPeriod,
  amount: Type.String({ description: 'Minor units (deposit, loss) or minutes (session).' }),
  pending: Nullable(
    Type.Object({
      amount: Nullable(Type.String({ description: 'null: the limit will be removed' })),
      from: Timestamp,
    }),
  ),
});

export const SetLimitBody = Type.Object(
  {
    kind: LimitKind,
    period: LimitPeriod,
    amount: Nullable(Amount),
  },
  {
    additionalProperties: false,
    description:
      'A deposit or loss limit per day, week or month (minor units), or a session limit (period `session`, minutes). null removes it. Lower binds at once; higher or removed after the cooling-off.',
  },
);

export const LimitChange = Type.Object({
  limit: Nullable(Limit),
  effect: literals(['immediate', 'pending', 'unchanged']),
});

export const RealityCheck = Type.Object({
  id: Uuid,
  dueAt: Timestamp,
  elapsedSeconds: Type.Integer(),
  staked: Balance,
  returned: Balance,
  net: SignedAmount,
  currency: Type.String(),
  acknowledgedAt: Nullable(Timestamp),
});

export const PendingRealityCheck = Type.Object({ pending: Nullable(RealityCheck) });

export const RealityCheckBody = Type.Object(
  { intervalMinutes: Nullable(Type.Integer({ minimum: 5, maximum: 1440 })) },
  { additionalProperties: false, description: 'null turns reality checks off (where allowed).' },
);

export const AcknowledgeBody = Type.Object(
  { endSession: Type.Optional(Type.Boolean({ default: false })) },
  { additionalProperties: false },
);

export const Exclusion = Type.Object({
  kind: literals(['time_out', 'self_exclusion', 'national_register']),
  period: Type.String(),
  startsAt: Timestamp,
  endsAt: Nullable(Timestamp),
});

export const TimeOutBody = Type.Object(
  { hours: Type.Integer({ minimum: 1, maximum: 24 * 366 }) },
  { additionalProperties: false },
);

export const SelfExclusionBody = Type.Object(
  { period: literals(SELF_EXCLUSION_PERIODS) },
  { additionalProperties: false },
);

const Notice = Type.Object({ id: Type.String(), text: Type.String(), where: Type.String() });
const KycStatus = literals(['none', 'pending', 'verified', 'rejected']);

export const Overview = Type.Object({
  jurisdiction: Type.Object({
    id: Type.String(),
    name: Type.String(),
    regulator: Type.String(),
    currency: Type.String(),
  }),
  limits: Type.Array(Limit),
  limitsPrompt: Type.Boolean({
    description: 'No deposit or loss limit set and the prompt not declined: ask the player.',
  }),
  realityCheck: Type.Object({
    intervalMinutes: Nullable(Type.Integer()),
    mayTurnOff: Type.Boolean(),
    pending: Nullable(RealityCheck),
  }),
  exclusion: Nullable(Exclusion),
  kyc: Type.Object({
    status: KycStatus,
    requiredBeforeDeposit: Type.Boolean(),
    requiredBeforeBet: Type.Boolean(),
  }),
  options: Type.Object({
    limitPeriods: Type.Array(Type.String()),
    coolingOffHours: Type.Integer(),
    timeOut: Type.Object({ minHours: Type.Integer(), maxHours: Type.Integer() }),
    selfExclusionPeriods: Type.Array(Type.String()),
  }),
  notices: Type.Array(Notice),
});

export const Document = Type.Object({
  id: Uuid,
  kind: literals(DOCUMENT_KINDS),
  contentType: Type.String(),
  sizeBytes: Type.Integer(),
  sha256: Type.String(),
  uploadedAt: Timestamp,
});

export const UploadQuery = Type.Object({ kind: literals(DOCUMENT_KINDS) });

export const PlayerKyc = Type.Object({
  status: KycStatus,
  jurisdiction: Type.String(),
  required: Type.Object({ beforeDeposit: Type.Boolean(), beforeBet: Type.Boolean() }),
  documents: Type.Array(Document),
});

export const StaffKyc = Type.Object({
  ...PlayerKyc.properties,
  playerId: Uuid,
  email: Type.String(),
  displayName: Type.String(),
  country: Nullable(Type.String()),
  dateOfBirth: Nullable(Type.String()),
  age: Nullable(Type.Integer()),
  minimumAge: Type.Integer(),
  reviews: Type.Array(
    Type.Object({
      reviewerId: Uuid,
      decision: literals(['verified', 'rejected', 'note']),
      note: Type.String(),
      at: Timestamp,
    }),
  ),
});

export const ReviewBody = Type.Object(
  {
    decision: literals(['verified', 'rejected', 'note']),
    note: Type.String({ minLength: 1, maxLength: 2000 }),
  },
  { additionalProperties: false },
);

export const KycQueueQuery = Type.Object({
  status: Type.Optional(KycStatus),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
});

export const KycQueue = Type.Object({
  items: Type.Array(
    Type.Object({
      playerId: Uuid,
      status: KycStatus,
      jurisdiction: Type.String(),
      updatedAt: Nullable(Timestamp),
    }),
  ),
});

export const Jurisdictions = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      regulator: Type.String(),
      minimumAge: Type.Integer(),
      limitPeriods: Type.Array(Type.String()),
      coolingOffHours: Type.Integer(),
      timeOut: Type.Object({ minHours: Type.Integer(), maxHours: Type.Integer() }),
      selfExclusionPeriods: Type.Array(Type.String()),
      kycBeforeDeposit: Type.Boolean(),
      kycBeforeBet: Type.Boolean(),
      realityCheck: Type.Object({
        defaultMinutes: Nullable(Type.Integer()),
        mayTurnOff: Type.Boolean(),
      }),
      currency: Type.String(),
      nationalRegister: Nullable(Type.String()),
      notices: Type.Array(Notice),
    }),
  ),
});
