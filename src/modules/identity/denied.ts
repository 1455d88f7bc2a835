// Requests whose credentials were refused (bad, expired or forged tokens, the wrong kind of
// account, a missing permission or scope) are audited. So that a flood of forged tokens
// cannot flood the audit log, each address gets at most a few records a minute; the rest
// are counted in the next record that gets through.
import type { FastifyRequest } from 'fastify';
import type { Db } from '../../platform/db/db.ts';
import type { DomainError } from '../../platform/errors.ts';
import { contextOf } from '../../platform/http/schemas.ts';
import { audit } from '../audit/index.ts';

const PER_MINUTE = 20;

export function auditDenied(
  db: Db,
): (request: FastifyRequest, error: DomainError) => Promise<void> {
  const windows = new Map<string, { started: number; count: number; suppressed: number }>();
  return async (request, error) => {
    const now = Date.now();
    const key = request.ip;
    let window = windows.get(key);
    if (!window || now - window.started > 60_000) {
      if (windows.size > 10_000) windows.clear(); // bounded memory under a spray of addresses
      window = { started: now, count: 0, suppressed: window?.suppressed ?? 0 };
      windows.set(key, window);
    }
    if (window.count >= PER_MINUTE) {
      window.suppressed++;
      return;
    }
    window.count++;
    const suppressed = window.suppressed;
    window.suppressed = 0;
    const principal = request.principal;
    await db.transaction((tx) =>
      audit(tx, {
        actor: principal ? { id: principal.accountId, kind: principal.kind } : null,
        action: 'auth.denied',
        outcome: 'failure',
        details: {
          code: error.code,
          method: request.method,
          route: request.routeOptions.url ?? request.url,
          ...(request.apiClient ? { apiKeyId: request.apiClient.keyId } : {}),
          ...(suppressed > 0 ? { suppressedBefore: suppressed } : {}),
        },
        context: contextOf(request),
      }),
    );
  };
}
