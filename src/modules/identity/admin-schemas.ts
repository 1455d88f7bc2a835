// Request and response schemas of staff administration, custom roles, partners and their
// API keys.
import { Type } from 'typebox';
import { pageOf, Timestamp, Uuid } from '../../platform/http/schemas.ts';
import { API_KEY_SCOPES, MAX_GRACE_SECONDS } from './api-keys.ts';
import { PERMISSIONS } from './permissions.ts';

const Email = Type.String({ format: 'email', maxLength: 254 });
// Length and blocklist rules are checked by the domain, with a clear code (weak_password).
const Password = Type.String({ minLength: 1, maxLength: 1024 });
const RoleName = Type.String({ minLength: 1, maxLength: 40 });
const PermissionName = Type.String({
  minLength: 1,
  maxLength: 50,
  description: `One of: ${PERMISSIONS.join(', ')}.`,
});

export const NewStaffBody = Type.Object(
  {
    email: Email,
    password: Password,
    displayName: Type.String({ minLength: 1, maxLength: 100 }),
    roles: Type.Array(RoleName, {
      maxItems: 20,
      description: 'Built-in or custom role names; they may grant only permissions you hold.',
    }),
  },
  { additionalProperties: false },
);

export const RolesBody = Type.Object(
  { roles: Type.Array(RoleName, { maxItems: 20 }) },
  { additionalProperties: false },
);

export const StaffMember = Type.Object({
  id: Uuid,
  email: Type.String(),
  displayName: Type.String(),
  status: Type.String(),
  roles: Type.Array(Type.String()),
  permissions: Type.Array(Type.String()),
  mfaEnrolled: Type.Boolean({ description: 'Whether the member has a confirmed authenticator' }),
  createdAt: Timestamp,
});

export const StaffPage = pageOf(StaffMember);

export const NewRoleBody = Type.Object(
  {
    name: Type.String({
      pattern: '^[a-z][a-z0-9_-]{1,39}$',
      description: 'Lower-case letters, digits, - and _; not the name of a built-in role.',
      examples: ['odds-compiler'],
    }),
    description: Type.Optional(Type.String({ maxLength: 200 })),
    permissions: Type.Array(PermissionName, { minItems: 1, maxItems: 50 }),
  },
  { additionalProperties: false },
);

export const RoleSchema = Type.Object({
  name: Type.String(),
  builtIn: Type.Boolean(),
  description: Type.String(),
  permissions: Type.Array(Type.String()),
  createdAt: Type.Union([Timestamp, Type.Null()]),
});

export const RoleList = Type.Object({ items: Type.Array(RoleSchema) });

const PartnerType = Type.Union([Type.Literal('affiliate'), Type.Literal('b2b')]);

export const NewPartnerBody = Type.Object(
  {
    email: Email,
    password: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'The initial password (12–128 characters, not a common one).',
    }),
    type: PartnerType,
    companyName: Type.String({ minLength: 1, maxLength: 100 }),
  },
  { additionalProperties: false },
);

export const Partner = Type.Object({
  id: Uuid,
  email: Type.String(),
  type: PartnerType,
  companyName: Type.String(),
  status: Type.String(),
  createdAt: Timestamp,
});

export const PartnerPage = pageOf(Partner);

export const PartnersQuery = Type.Object({
  type: Type.Optional(PartnerType),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

const Scope = Type.String({ minLength: 1, maxLength: 50, description: API_KEY_SCOPES.join(', ') });

export const NewApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, examples: ['odds feed (production)'] }),
    scopes: Type.Array(Scope, { minItems: 1, maxItems: API_KEY_SCOPES.length }),
  },
  { additionalProperties: false },
);

export const RotateBody = Type.Object(
  {
    graceSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_GRACE_SECONDS,
        default: 0,
        description: 'How long the old key keeps working (0: it stops now).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ApiKey = Type.Object({
  id: Uuid,
  name: Type.String(),
  prefix: Type.String({ description: 'The public part: the key reads ibet_<prefix>_<secret>.' }),
  scopes: Type.Array(Type.String()),
  status: Type.Union([Type.Literal('active'), Type.Literal('expiring'), Type.Literal('revoked')]),
  createdAt: Timestamp,
  lastUsedAt: Type.Union([Timestamp, Type.Null()]),
  revokedAt: Type.Union([Timestamp, Type.Null()]),
  replacedBy: Type.Union([Uuid, Type.Null()]),
});

export const ApiKeyPage = pageOf(ApiKey);

export const IssuedKey = Type.Object({
  apiKey: ApiKey,
  key: Type.String({
    description: 'The key, shown this once: send it as the X-Api-Key header.',
    examples: ['ibet_0a1b2c3d4e5f_…'],
  }),
});
