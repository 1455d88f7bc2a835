// Commission plans and which affiliate is on which. Staff with `partners:manage` make plans
// (they are never edited: a change is a new plan, so a statement's copy always names what it
// used) and assign them.
import type { Db, Queryable } from '../../platform/db/db.ts';
import { DomainError, notFound } from '../../platform/errors.ts';
import { audit, type RequestContext } from '../audit/index.ts';

export const PLAN_TYPES = ['revshare', 'cpa', 'hybrid', 'tiered'] as const;
export type PlanType = (typeof PLAN_TYPES)[number];

export interface Tier {
  /** The month's NGR (after carryover) from which this rate applies, minor units. */
  fromNgr: bigint;
  revShareBps: number;
}

export interface Plan {
  id: string;
  name: string;
  type: PlanType;
  currency: string;
  revShareBps: number;
  tiers: Tier[];
  cpaAmount: bigint;
  cpaMinDeposit: bigint;
  cpaMinWagering: bigint;
  cpaWindowDays: number;
  adminFeeBps: number;
  negativeCarryover: boolean;
  createdAt: string;
}

export interface StaffActor {
  id: string;
  kind: 'staff' | 'player' | 'partner';
  context?: RequestContext | undefined;
}

interface PlanRow {
  id: string;
  name: string;
  type: PlanType;
  currency: string;
  rev_share_bps: number;
  tiers: { fromNgr: string; revShareBps: number }[];
  cpa_amount: bigint;
  cpa_min_deposit: bigint;
  cpa_min_wagering: bigint;
  cpa_window_days: number;
  admin_fee_bps: number;
  negative_carryover: boolean;
  created_at: Date;
}

const COLUMNS = `id, name, type, currency, rev_share_bps, tiers, cpa_amount, cpa_min_deposit,
  cpa_min_wagering, cpa_window_days, admin_fee_bps, negative_carryover, created_at`;

const P_COLUMNS = COLUMNS.split(',')
  .map((c) => `p.${c.trim()}`)
  .join(', ');

const toPlan = (r: PlanRow): Plan => ({
  id: r.id,
  name: r.name,
  type: r.type,
  currency: r.currency.trim(),
  revShareBps: r.rev_share_bps,
  tiers: r.tiers.map((t) => ({ fromNgr: BigInt(t.fromNgr), revShareBps: t.revShareBps })),
  cpaAmount: BigInt(r.cpa_amount),
  cpaMinDeposit: BigInt(r.cpa_min_deposit),
  cpaMinWagering: BigInt(r.cpa_min_wagering),
  cpaWindowDays: r.cpa_window_days,
  adminFeeBps: r.admin_fee_bps,
  negativeCarryover: r.negative_carryover,
  createdAt: r.created_at.toISOString(),
});

/** A plan as JSON (amounts as strings of digits): the API's view and a statement's copy. */
export const presentPlan = (p: Plan) => ({
  ...p,
  tiers: p.tiers.map((t) => ({ fromNgr: t.fromNgr.toString(), revShareBps: t.revShareBps })),
  cpaAmount: p.cpaAmount.toString(),
  cpaMinDeposit: p.cpaMinDeposit.toString(),
  cpaMinWagering: p.cpaMinWagering.toString(),
});

export type PlanJson = ReturnType<typeof presentPlan>;

export interface NewPlan {
  name: string;
  type: PlanType;
  currency: string;
  revShareBps?: number | undefined;
  tiers?: { fromNgr: string; revShareBps: number }[] | undefined;
  cpaAmount?: string | undefined;
  cpaMinDeposit?: string | undefined;
  cpaMinWagering?: string | undefined;
  cpaWindowDays?: number | undefined;
  adminFeeBps?: number | undefined;
  negativeCarryover?: boolean | undefined;
}

const invalidPlan = (message: string, field: string) =>
  new DomainError('invalid_plan', 'invalid', message, { field });

export async function createPlan(
  db: Db,
  actor: StaffActor,
  input: NewPlan,
  currencies: readonly string[],
): Promise<Plan> {
  if (!currencies.includes(input.currency)) {
    throw new DomainError(
      'currency_not_supported',
      'invalid',
      `Supported: ${currencies.join(', ')}.`,
      {
        field: 'currency',
      },
    );
  }
  const tiers = (input.tiers ?? []).map((t) => ({
    fromNgr: BigInt(t.fromNgr),
    revShareBps: t.revShareBps,
  }));
  const cpaAmount = BigInt(input.cpaAmount ?? '0');
  const revShareBps = input.revShareBps ?? 0;
  const sharing = input.type !== 'cpa';
  if (input.type === 'tiered') {
    if (tiers.length === 0 || tiers[0]!.fromNgr !== 0n) {
      throw invalidPlan('A tiered plan needs tiers, the first from NGR 0.', 'tiers');
    }
    for (let i = 1; i < tiers.length; i++) {
      if (tiers[i]!.fromNgr <= tiers[i - 1]!.fromNgr) {
        throw invalidPlan('Tiers go up: each fromNgr above the one before.', 'tiers');
      }
    }
  } else if (tiers.length > 0) {
    throw invalidPlan('Only tiered plans have tiers.', 'tiers');
  }
  if ((input.type === 'revshare' || input.type === 'hybrid') && revShareBps === 0) {
    throw invalidPlan('A revenue-share plan needs revShareBps.', 'revShareBps');
  }
  if (!sharing && revShareBps > 0)
    throw invalidPlan('A CPA plan shares no revenue.', 'revShareBps');
  if ((input.type === 'cpa' || input.type === 'hybrid') && cpaAmount === 0n) {
    throw invalidPlan('A CPA or hybrid plan needs cpaAmount.', 'cpaAmount');
  }
  if ((input.type === 'revshare' || input.type === 'tiered') && cpaAmount > 0n) {
    throw invalidPlan('Only CPA and hybrid plans pay CPA.', 'cpaAmount');
  }
  return db.transaction(async (tx) => {
    const taken = await tx.query('SELECT 1 FROM affiliates.plans WHERE name = $1', [input.name]);
    if (taken.length > 0) {
      throw new DomainError('plan_name_taken', 'conflict', 'A plan has this name.', {
        field: 'name',
      });
    }
    const [row] = await tx.query<PlanRow>(
      `INSERT INTO affiliates.plans (name, type, currency, rev_share_bps, tiers, cpa_amount,
         cpa_min_deposit, cpa_min_wagering, cpa_window_days, admin_fee_bps, negative_carryover, created_by)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12) RETURNING ${COLUMNS}`,
      [
        input.name.trim(),
        input.type,
        input.currency,
        input.type === 'tiered' ? 0 : revShareBps,
        JSON.stringify(
          tiers.map((t) => ({ fromNgr: t.fromNgr.toString(), revShareBps: t.revShareBps })),
        ),
        cpaAmount,
        BigInt(input.cpaMinDeposit ?? '0'),
        BigInt(input.cpaMinWagering ?? '0'),
        input.cpaWindowDays ?? 90,
        input.adminFeeBps ?? 0,
        input.negativeCarryover ?? true,
        actor.id,
      ],
    );
    const plan = toPlan(row!);
    await audit(tx, {
      actor: { id: actor.id, kind: actor.kind },
      action: 'affiliate_plan.created',
      target: { type: 'affiliate_plan', id: plan.id },
      details: presentPlan(plan),
      context: actor.context,
    });
    return plan;
  });
}

export async function listPlans(q: Queryable): Promise<Plan[]> {
  const rows = await q.query<PlanRow>(
    `SELECT ${COLUMNS} FROM affiliates.plans ORDER BY created_at, id`,
  );
  return rows.map(toPlan);
}

/** The plan an affiliate is on, if any. */
export async function planOf(q: Queryable, partnerId: string): Promise<Plan | undefined> {
  const [row] = await q.query<PlanRow>(
    `SELECT ${P_COLUMNS} FROM affiliates.partner_plans pp
     JOIN affiliates.plans p ON p.id = pp.plan_id WHERE pp.partner_id = $1`,
    [partnerId],
  );
  return row ? toPlan(row) : undefined;
}

/** Puts an affiliate on a plan (from the next statement computed). */
export async function assignPlan(
  db: Db,
  actor: StaffActor,
  partnerId: string,
  planId: string,
): Promise<Plan> {
  return db.transaction(async (tx) => {
    const [partner] = await tx.query<{ type: string }>(
      'SELECT type FROM identity.partners WHERE account_id = $1 FOR UPDATE',
      [partnerId],
    );
    if (!partner) throw notFound('partner');
    if (partner.type !== 'affiliate') {
      throw new DomainError(
        'not_an_affiliate',
        'conflict',
        'Only affiliate partners have commission plans.',
      );
    }
    const [plan] = await tx.query<PlanRow>(
      `SELECT ${COLUMNS} FROM affiliates.plans WHERE id = $1`,
      [planId],
    );
    if (!plan) throw notFound('plan');
    await tx.query(
      `INSERT INTO affiliates.partner_plans (partner_id, plan_id, assigned_by) VALUES ($1, $2, $3)
       ON CONFLICT (partner_id) DO UPDATE SET plan_id = EXCLUDED.plan_id,
         assigned_by = EXCLUDED.assigned_by, assigned_at = now()`,
      [partnerId, planId, actor.id],
    );
    await audit(tx, {
      actor: { id: actor.id, kind: actor.kind },
      action: 'affiliate_plan.assigned',
      target: { type: 'account', id: partnerId },
      details: { planId, name: plan.name },
      context: actor.context,
    });
    return toPlan(plan);
  });
}
