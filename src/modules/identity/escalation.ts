// Segregation of duties: nobody hands out a permission they do not hold, or changes their
// own roles. A refused attempt rolls back whatever it started, and is then recorded in the
// audit log in a transaction of its own before the 403 goes out.
import type { Db } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import type { AccountKind } from '../../platform/http/access.ts';
import { type AuditEntry, audit, type RequestContext } from '../audit/index.ts';

/** Who is acting, for checks and the audit log. */
export interface Actor {
  id: string;
  kind: AccountKind;
  context: RequestContext;
}

/** A refused attempt to gain or hand out more than the actor holds (403, audited). */
export class EscalationRefused extends DomainError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, 'forbidden', message, details);
  }
}

export const permissionNotHeld = (permissions: readonly string[]) =>
  new EscalationRefused(
    'permission_not_held',
    `You cannot grant permissions you do not hold yourself: ${permissions.join(', ')}.`,
    { permissions },
  );

/**
 * Runs `command`; if it is refused as an escalation, records the attempt (`action`, outcome
 * failure, with the refusal's code and details) and rethrows.
 */
export async function auditingRefusals<T>(
  db: Db,
  actor: Actor,
  attempt: Pick<AuditEntry, 'action' | 'target' | 'details'>,
  command: () => Promise<T>,
): Promise<T> {
  try {
    return await command();
  } catch (error) {
    if (error instanceof EscalationRefused) {
      await db.transaction((tx) =>
        audit(tx, {
          actor: { id: actor.id, kind: actor.kind },
          action: attempt.action,
          target: attempt.target,
          outcome: 'failure',
          details: { ...attempt.details, refused: error.code, ...error.details },
          context: actor.context,
        }),
      );
    }
    throw error;
  }
}
