// Who may call a route. Every route declares its access in its `config`; the server refuses
// to register a route without one, and the OpenAPI document carries it (x-ibet-access).

export type AccountKind = 'player' | 'staff' | 'partner';

export interface Principal {
  accountId: string;
  kind: AccountKind;
  /** Staff permissions granted by the account's roles; empty for other kinds. */
  permissions: ReadonlySet<string>;
}

export type Access =
  | 'public'
  /** Any signed-in account. */
  | 'authenticated'
  | 'player'
  | { permission: string };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function describeAccess(access: Access): string {
  return typeof access === 'string' ? access : `staff:${access.permission}`;
}
