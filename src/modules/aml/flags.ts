// Reviewing AML flags: the risk and compliance teams list them and resolve each with a
// decision and notes. A resolution is final (a new concern is a new flag) and audited with
// the flag as it was before and after.

import type { Db, Queryable } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import { audit, type RequestContext } from '../audit/index.ts';

export type Resolution = 'no_action' | 'monitor' | 'reported' | 'restricted';

export interface AmlFlagView {
  id: string;
  playerId: string;
  rule: string;
  source: string;
  currency: string;
  amount: string;
  threshold: string;
  details: Record<string, unknown>;
  status: 'open' | 'resolved';
  raisedAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolution: Resolution | null;
  notes: string | null;
}

interface FlagRow {
  id: string;
  player_id: string;
  rule: string;
  source: string;
  currency: string;
  amount: bigint;
  threshold: bigint;
  details: Record<string, unknown>;
  status: 'open' | 'resolved';
  raised_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolution: Resolution | null;
  notes: string | null;
}

const present = (r: FlagRow): AmlFlagView => ({
  id: r.id,
  playerId: r.player_id,
  rule: r.rule,
  source: r.source,
  currency: r.currency.trim(),
  amount: r.amount.toString(),
  threshold: r.threshold.toString(),
  details: r.details,
  status: r.status,
  raisedAt: r.raised_at.toISOString(),
  resolvedAt: r.resolved_at?.toISOString() ?? null,
  resolvedBy: r.resolved_by,
  resolution: r.resolution,
  notes: r.notes,
});

export const flagNotFound = () =>
  new DomainError('aml_flag_not_found', 'not_found', 'No such AML flag.');
export const flagAlreadyResolved = () =>
  new DomainError('aml_flag_resolved', 'conflict', 'This AML flag is already resolved.');

export interface FlagQuery {
  status?: 'open' | 'resolved' | undefined;
  playerId?: string | undefined;
  rule?: string | undefined;
  /** Flags raised before this one (the previous page's last id). */
  before?: string | undefined;
  limit: number;
}

/** Newest first; keyset-paginated by (raised_at, id). */
export async function listFlags(q: Queryable, query: FlagQuery): Promise<AmlFlagView[]> {
  const rows = await q.query<FlagRow>(
    `SELECT * FROM aml.flags f
     WHERE ($1::text IS NULL OR status = $1)
       AND ($2::uuid IS NULL OR player_id = $2)
       AND ($3::text IS NULL OR rule = $3)
       AND ($4::uuid IS NULL OR (raised_at, id) < (SELECT raised_at, id FROM aml.flags WHERE id = $4))
     ORDER BY raised_at DESC, id DESC LIMIT $5`,
    [
      query.status ?? null,
      query.playerId ?? null,
      query.rule ?? null,
      query.before ?? null,
      query.limit,
    ],
  );
  return rows.map(present);
}

export async function getFlag(q: Queryable, id: string): Promise<AmlFlagView> {
  const [row] = await q.query<FlagRow>('SELECT * FROM aml.flags WHERE id = $1', [id]);
  if (!row) throw flagNotFound();
  return present(row);
}

export async function resolveFlag(
  db: Db,
  input: {
    flagId: string;
    staffId: string;
    resolution: Resolution;
    notes: string;
    context: RequestContext;
  },
): Promise<AmlFlagView> {
  return db.transaction(async (tx) => {
    const [before] = await tx.query<FlagRow>('SELECT * FROM aml.flags WHERE id = $1 FOR UPDATE', [
      input.flagId,
    ]);
    if (!before) throw flagNotFound();
    if (before.status === 'resolved') throw flagAlreadyResolved();
    const [after] = await tx.query<FlagRow>(
      `UPDATE aml.flags SET status = 'resolved', resolved_at = now(), resolved_by = $2,
              resolution = $3, notes = $4
       WHERE id = $1 RETURNING *`,
      [input.flagId, input.staffId, input.resolution, input.notes],
    );
    const view = present(after!);
    await audit(tx, {
      actor: { id: input.staffId, kind: 'staff' },
      action: 'aml.flag_resolved',
      target: { type: 'aml_flag', id: input.flagId },
      details: {
        playerId: view.playerId,
        before: { status: before.status },
        after: { status: view.status, resolution: view.resolution, notes: view.notes },
      },
      context: input.context,
    });
    return view;
  });
}
