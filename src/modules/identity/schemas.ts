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
  createdAt: Timestamp,
});

export const Jwks = Type.Object({
  keys: Type.Array(Type.Object({}, { additionalProperties: true })),
});
