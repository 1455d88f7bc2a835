// The request an audited change belongs to. The HTTP layer opens a scope per request (after
// authentication, so the actor is known); code deep inside a use case — the ledger posting a
// transfer — reads it without every caller passing it down. Outside a request (workers,
// scheduled jobs) there is no scope and the actor is the system.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AccountKind } from '../../platform/http/access.ts';

export interface AuditScope {
  actor: { id: string; kind: AccountKind } | null;
  ip: string | null;
  requestId: string | null;
}

const scopes = new AsyncLocalStorage<AuditScope>();

/** Runs `fn` (and everything it starts) as part of the request described by `scope`. */
export const runInAuditScope = <T>(scope: AuditScope, fn: () => T): T => scopes.run(scope, fn);

/** The current request's actor and origin, or undefined outside a request. */
export const currentAuditScope = (): AuditScope | undefined => scopes.getStore();
