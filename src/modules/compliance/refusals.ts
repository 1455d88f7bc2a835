// Refusals of the responsible-gambling and KYC rules leave an audit record. The refused
// command rolled back (nothing changed), so the record is written in a transaction of its
// own once the refusal reaches the edge — with a per-address budget, so that a client
// hammering a refused request cannot flood the log (the rest are counted in the next record).
import type { FastifyRequest } from 'fastify';
import type { Db } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import { contextOf } from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { audit } from '../audit/index.ts';
import { AUDITED_REFUSALS } from './errors.ts';

const PER_MINUTE = 30;

export function auditRefusals(app: HttpServer, db: Db): void {
  const windows = new Map<string, { started: number; count: number; suppressed: number }>();
  const allowed = (request: FastifyRequest) => {
    const now = Date.now();
    const key = request.principal?.accountId ?? request.ip;
    let window = windows.get(key);
    if (!window || now - window.started > 60_000) {
      if (windows.size > 10_000) windows.clear();
      window = { started: now, count: 0, suppressed: window?.suppressed ?? 0 };
      windows.set(key, window);
    }
    if (window.count >= PER_MINUTE) {
      window.suppressed++;
      return undefined;
    }
    window.count++;
    const suppressed = window.suppressed;
    window.suppressed = 0;
    return suppressed;
  };
  app.addHook('onError', async (request, _reply, error) => {
    if (!(error instanceof DomainError) || !AUDITED_REFUSALS.has(error.code)) return;
    const suppressed = allowed(request);
    if (suppressed === undefined) return;
    const principal = request.principal;
    const params = request.params as Record<string, unknown> | undefined;
    const target =
      typeof params?.id === 'string' && principal?.kind === 'staff'
        ? { type: 'account', id: params.id }
        : principal
          ? { type: 'account', id: principal.accountId }
          : undefined;
    try {
      await db.transaction((tx) =>
        audit(tx, {
          actor: principal ? { id: principal.accountId, kind: principal.kind } : null,
          action: 'responsible.refused',
          target,
          outcome: 'failure',
          details: {
            code: error.code,
            method: request.method,
            route: request.routeOptions.url ?? request.url,
            ...error.details,
            ...(suppressed > 0 ? { suppressedBefore: suppressed } : {}),
          },
          context: contextOf(request),
        }),
      );
    } catch (auditError) {
      request.log.error({ err: auditError }, 'could not audit a refused request');
    }
  });
}
