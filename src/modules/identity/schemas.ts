import { Type } from 'typebox';
import { Timestamp, Uuid } from '../../platform/http/schemas.ts';

const Email = Type.String({ format: 'email', maxLength: 254 });
// Length rules (12/15 to 128 characters) are checked by the domain, with a clear code.
const Password = Type.String({ minLength: 1, maxLength: 1024 });

export const RegisterBody = Type.Object(
  {
    email: Email,
    password: Password,
    displayName: Type.String({ minLength: 1, maxLength: 100 }),
    // The shape only: an impossible day (1990-02-30) is refused by the domain as invalid_date.
    dateOfBirth: Type.String({
      pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
      description: 'A calendar date, YYYY-MM-DD',
      examples: ['1990-04-23'],
    }),
    country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217' }),
  },
  { additionalProperties: false },
);

export const Registered = Type.Object({ accountId: Uuid });

export const LoginBody = Type.Object(
  { email: Email, password: Password },
  { additionalProperties: false },
);

export const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const Tokens = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires.' }),
  tokenType: Type.Literal('Bearer'),
});

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

export const Account = Type.Object({
  id: Uuid,
  kind: Type.Union([Type.Literal('player'), Type.Literal('staff'), Type.Literal('partner')]),
  email: Type.String(),
  displayName: Type.String(),
  status: Type.String(),
  country: Nullable(Type.String()),
  currency: Nullable(Type.String()),
  dateOfBirth: Nullable(Type.String()),
  roles: Type.Array(Type.String()),
  permissions: Type.Array(Type.String()),
  emailVerified: Type.Boolean(),
  mfaEnabled: Type.Boolean(),
  createdAt: Timestamp,
});

export const Jwks = Type.Object({
  keys: Type.Array(Type.Object({}, { additionalProperties: true })),
});

export const MfaChallenge = Type.Object({
  mfaRequired: Type.Literal(true),
  mfaToken: Type.String({
    description: "Send it with a code to the door's /login/mfa within expiresIn seconds.",
  }),
  expiresIn: Type.Integer(),
});

export const LoginResult = Type.Union([Tokens, MfaChallenge], {
  description: 'A token pair, or a challenge when the account has a second factor.',
});

const Code = Type.String({
  pattern: '^[0-9]{6}$',
  description: 'The 6-digit code of the authenticator app.',
});
const RecoveryCode = Type.String({ minLength: 1, maxLength: 40 });

export const SecondFactorBody = Type.Object(
  { code: Type.Optional(Code), recoveryCode: Type.Optional(RecoveryCode) },
  { additionalProperties: false, description: 'Either a code or a recovery code.' },
);

export const MfaLoginBody = Type.Object(
  {
    mfaToken: Type.String({ minLength: 1, maxLength: 2000 }),
    code: Type.Optional(Code),
    recoveryCode: Type.Optional(RecoveryCode),
  },
  { additionalProperties: false },
);

export const CodeBody = Type.Object({ code: Code }, { additionalProperties: false });

export const Enrolment = Type.Object({
  secret: Type.String({ description: 'Base32 secret, for typing into an authenticator app.' }),
  otpauthUri: Type.String(),
  qrSvg: Type.String({ description: 'The otpauth URI as a QR code (SVG).' }),
});

export const Enrolled = Type.Object({
  recoveryCodes: Type.Array(Type.String(), {
    description: 'Shown once: each works once instead of a code.',
  }),
  accessToken: Type.String(),
  expiresIn: Type.Integer(),
});

export const AccessToken = Type.Object({ accessToken: Type.String(), expiresIn: Type.Integer() });

export const RecoveryCodes = Type.Object({ recoveryCodes: Type.Array(Type.String()) });

export const Session = Type.Object({
  id: Uuid,
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  expiresAt: Timestamp,
  ip: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  mfaVerifiedAt: Type.Union([Timestamp, Type.Null()]),
  current: Type.Boolean(),
});

export const TokenBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const EmailBody = Type.Object({ email: Email }, { additionalProperties: false });

export const ResetBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }), password: Password },
  { additionalProperties: false },
);
