// Who may call a route. Every route declares its access in its `config`; the server refuses
// to register an API route without one, and the OpenAPI document carries it (x-ibet-access).

export type AccountKind = 'player' | 'staff' | 'partner';

export interface Principal {
  accountId: string;
  kind: AccountKind;
  /** Staff permissions granted by the account's roles; empty for other kinds. */
  permissions: ReadonlySet<string>;
  /** The sign-in (refresh-token family) this access token belongs to. */
  sessionId: string | null;
  mfa: {
    /** The account has a second factor enrolled (always, for staff who may act). */
    enrolled: boolean;
    /** When this sign-in last proved the second factor (epoch seconds), if it did. */
    verifiedAt: number | null;
  };
}

/** A partner's program calling B2B routes with an API key. */
export interface ApiClient {
  keyId: string;
  partnerId: string;
  scopes: ReadonlySet<string>;
}

export type Access =
  | 'public'
  /** Any signed-in account. */
  | 'authenticated'
  | 'player'
  | 'partner'
  /** Staff holding this permission (with a second factor enrolled). */
  | { permission: string }
  /** A partner API key (X-Api-Key header) carrying this scope; `*`: any valid key. */
  | { apiKey: string };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** The second factor must have been proved recently in this sign-in (if enrolled). */
    stepUp?: boolean;
  }
  interface FastifyRequest {
    principal?: Principal;
    apiClient?: ApiClient;
  }
}

export function describeAccess(access: Access): string {
  if (typeof access === 'string') return access;
  return 'permission' in access ? `staff:${access.permission}` : `api-key:${access.apiKey}`;
}
