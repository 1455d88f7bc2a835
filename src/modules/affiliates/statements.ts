// Monthly commission statements. A statement is computed from the ledger (a draft: computing
// again replaces it), approved by staff, then paid through the ledger: one transfer from the
// house to the affiliate's commission account, in the transaction that marks it paid.
//
// Revenue share, with negative carryover: the month's NGR of the affiliate's players plus the
// carryover of the affiliate's previous statement (zero or negative). When that sum is
// negative there is no revenue share and the sum carries into the next month (if the plan
// says so; otherwise it is forgotten). When positive, the share is rate × sum, rounded down,
// and nothing carries. A tiered plan's rate is the highest tier the sum reaches.
// CPA: a fixed amount, once per referred player, in the month the player qualifies: first
// deposit at least cpa_min_deposit and stakes placed at least cpa_min_wagering, both within
// cpa_window_days of registration.
import type { Db, Queryable, Tx } from '../../platform/db/db.ts';
import { DomainError, notFound } from '../../platform/errors.ts';
import { runIdempotent } from '../../platform/idempotency.ts';
import { audit } from '../audit/index.ts';
import { post, systemAccount } from '../wallet/index.ts';
import { type Plan, type PlanJson, planOf, presentPlan, type StaffActor } from './plans.ts';
import { type PlayerRevenue, playerRevenue, presentRevenue } from './revenue.ts';

export type StatementStatus = 'draft' | 'approved' | 'paid';

export interface StatementView {
  id: string;
  partnerId: string;
  period: string;
  currency: string;
  plan: PlanJson;
  ngr: string;
  carryIn: string;
  carryOut: string;
  revShare: string;
  cpa: string;
  cpaPlayers: string[];
  commission: string;
  players: ReturnType<typeof presentRevenue>[];
  status: StatementStatus;
  computedAt: string;
  approvedAt: string | null;
  paidAt: string | null;
}

interface StatementRow {
  id: string;
  partner_id: string;
  period: string | Date;
  currency: string;
  plan: PlanJson;
  ngr: bigint;
  carry_in: bigint;
  carry_out: bigint;
  rev_share: bigint;
  cpa: bigint;
  cpa_players: string[];
  commission: bigint;
  players: ReturnType<typeof presentRevenue>[];
  status: StatementStatus;
  computed_at: Date;
  approved_at: Date | null;
  paid_at: Date | null;
}

const COLUMNS = `id, partner_id, to_char(period, 'YYYY-MM') AS period, currency, plan, ngr, carry_in,
  carry_out, rev_share, cpa, cpa_players, commission, players, status, computed_at, approved_at, paid_at`;

const present = (r: StatementRow): StatementView => ({
  id: r.id,
  partnerId: r.partner_id,
  period: String(r.period),
  currency: r.currency.trim(),
  plan: r.plan,
  ngr: r.ngr.toString(),
  carryIn: r.carry_in.toString(),
  carryOut: r.carry_out.toString(),
  revShare: r.rev_share.toString(),
  cpa: r.cpa.toString(),
  cpaPlayers: r.cpa_players,
  commission: r.commission.toString(),
  players: r.players,
  status: r.status,
  computedAt: r.computed_at.toISOString(),
  approvedAt: r.approved_at?.toISOString() ?? null,
  paidAt: r.paid_at?.toISOString() ?? null,
});

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** `YYYY-MM` → the month's bounds in UTC. */
export function monthBounds(period: string): { from: Date; to: Date } {
  const match = PERIOD.exec(period);
  if (!match) {
    throw new DomainError('invalid_period', 'invalid', 'A period is a month: YYYY-MM.', {
      field: 'period',
    });
  }
  const year = Number(match[1]);
  const month = Number(match[2]) - 1;
  return { from: new Date(Date.UTC(year, month, 1)), to: new Date(Date.UTC(year, month + 1, 1)) };
}

/** The revenue share of a month: rate by plan (or tier) on NGR plus carry-in. Pure. */
export function revenueShare(
  plan: Plan,
  ngr: bigint,
  carryIn: bigint,
): { revShare: bigint; carryOut: bigint } {
  if (plan.type === 'cpa') return { revShare: 0n, carryOut: 0n };
  const base = ngr + carryIn;
  if (base <= 0n)
    return { revShare: 0n, carryOut: plan.negativeCarryover && base < 0n ? base : 0n };
  let rate = plan.revShareBps;
  if (plan.type === 'tiered') {
    for (const tier of plan.tiers) if (base >= tier.fromNgr) rate = tier.revShareBps;
  }
  return { revShare: (base * BigInt(rate)) / 10_000n, carryOut: 0n };
}

/** Players of the affiliate who first qualify for CPA by `to` and have not earned it before. */
async function cpaQualifiers(
  tx: Tx,
  partnerId: string,
  plan: Plan,
  to: Date,
  exceptStatement: string | null,
): Promise<string[]> {
  if (plan.type !== 'cpa' && plan.type !== 'hybrid') return [];
  const rows = await tx.query<{ player_id: string }>(
    `SELECT r.player_id FROM affiliates.referrals r
     JOIN identity.accounts a ON a.id = r.player_id AND a.currency = $3
     CROSS JOIN LATERAL (
       SELECT least($2::timestamptz, r.registered_at + make_interval(days => $4)) AS until
     ) w
     WHERE r.partner_id = $1
       AND NOT EXISTS (
         SELECT 1 FROM affiliates.statements s
         WHERE s.partner_id = $1 AND r.player_id = ANY (s.cpa_players)
           AND s.id IS DISTINCT FROM $7::uuid)
       AND (SELECT p.amount FROM wallet.payments p
            WHERE p.owner_id = r.player_id AND p.direction = 'deposit' AND p.status = 'completed'
              AND p.completed_at < w.until
            ORDER BY p.completed_at, p.id LIMIT 1) >= $5
       AND (SELECT COALESCE(sum(t.amount), 0) FROM wallet.transfers t
            JOIN wallet.accounts c ON c.id = t.debit_account_id
            WHERE c.owner_id = r.player_id AND t.kind = 'bet_stake' AND t.created_at < w.until) >= $6
     ORDER BY r.player_id`,
    [
      partnerId,
      to,
      plan.currency,
      plan.cpaWindowDays,
      plan.cpaMinDeposit,
      plan.cpaMinWagering,
      exceptStatement,
    ],
  );
  return rows.map((r) => r.player_id);
}

/** Players an affiliate referred who registered before `to`, in `currency`. */
export async function referredPlayers(
  q: Queryable,
  partnerId: string,
  currency: string,
  to: Date,
): Promise<string[]> {
  const rows = await q.query<{ player_id: string }>(
    `SELECT r.player_id FROM affiliates.referrals r
     JOIN identity.accounts a ON a.id = r.player_id AND a.currency = $2
     WHERE r.partner_id = $1 AND r.registered_at < $3 ORDER BY r.player_id`,
    [partnerId, currency, to],
  );
  return rows.map((r) => r.player_id);
}

const sumNgr = (rows: PlayerRevenue[]) => rows.reduce((s, r) => s + r.ngr, 0n);

/**
 * Computes (or recomputes) the draft statement of one affiliate for a month. Approved and
 * paid statements are final: computing one again returns it unchanged.
 */
/** Who computes a statement: a member of staff, or the monthly job. */
type ComputingActor = StaffActor | { id: null; kind: 'system'; context?: undefined };

export async function computeStatement(
  db: Db,
  actor: ComputingActor,
  partnerId: string,
  period: string,
): Promise<StatementView> {
  const { from, to } = monthBounds(period);
  if (to > new Date()) {
    throw new DomainError(
      'period_not_over',
      'conflict',
      'A statement is computed once its month is over.',
      { period },
    );
  }
  return db.transaction(async (tx) => {
    await tx.query('SELECT 1 FROM identity.partners WHERE account_id = $1 FOR UPDATE', [partnerId]);
    const plan = await planOf(tx, partnerId);
    if (!plan) {
      throw new DomainError('no_plan', 'conflict', 'This affiliate is on no commission plan.');
    }
    const [existing] = await tx.query<StatementRow>(
      `SELECT ${COLUMNS} FROM affiliates.statements
       WHERE partner_id = $1 AND period = $2::date AND currency = $3`,
      [partnerId, from, plan.currency],
    );
    if (existing && existing.status !== 'draft') return present(existing);
    const later = await tx.query(
      `SELECT 1 FROM affiliates.statements
       WHERE partner_id = $1 AND currency = $2 AND period > $3::date AND status <> 'draft' LIMIT 1`,
      [partnerId, plan.currency, from],
    );
    if (later.length > 0) {
      throw new DomainError(
        'later_statement_final',
        'conflict',
        'A later month is already approved; this month cannot change its carryover now.',
      );
    }
    const [previous] = await tx.query<{ carry_out: bigint }>(
      `SELECT carry_out FROM affiliates.statements
       WHERE partner_id = $1 AND currency = $2 AND period < $3::date
       ORDER BY period DESC LIMIT 1`,
      [partnerId, plan.currency, from],
    );
    const carryIn = plan.negativeCarryover ? (previous?.carry_out ?? 0n) : 0n;
    const players = await referredPlayers(tx, partnerId, plan.currency, to);
    const revenue = await playerRevenue(tx, players, plan.currency, from, to, plan.adminFeeBps);
    const ngr = sumNgr(revenue);
    const { revShare, carryOut } = revenueShare(plan, ngr, BigInt(carryIn));
    const cpaPlayers = await cpaQualifiers(tx, partnerId, plan, to, existing?.id ?? null);
    const cpa = plan.cpaAmount * BigInt(cpaPlayers.length);
    const values = [
      partnerId,
      from,
      plan.currency,
      JSON.stringify(presentPlan(plan)),
      ngr,
      carryIn,
      carryOut,
      revShare,
      cpa,
      cpaPlayers,
      revShare + cpa,
      JSON.stringify(revenue.map(presentRevenue)),
    ];
    const [row] = existing
      ? await tx.query<StatementRow>(
          `UPDATE affiliates.statements SET plan = $4::jsonb, ngr = $5, carry_in = $6, carry_out = $7,
             rev_share = $8, cpa = $9, cpa_players = $10, commission = $11, players = $12::jsonb,
             computed_at = now()
           WHERE partner_id = $1 AND period = $2::date AND currency = $3 RETURNING ${COLUMNS}`,
          values,
        )
      : await tx.query<StatementRow>(
          `INSERT INTO affiliates.statements (partner_id, period, currency, plan, ngr, carry_in,
             carry_out, rev_share, cpa, cpa_players, commission, players)
           VALUES ($1, $2::date, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12::jsonb)
           RETURNING ${COLUMNS}`,
          values,
        );
    await audit(tx, {
      actor: { id: actor.id, kind: actor.kind },
      action: 'affiliate_statement.computed',
      target: { type: 'affiliate_statement', id: row!.id },
      details: { partnerId, period, ngr: ngr.toString(), commission: (revShare + cpa).toString() },
      context: actor.context,
    });
    return present(row!);
  });
}

/** Computes the month's statement of every affiliate on a plan. */
export async function computeStatements(
  db: Db,
  actor: StaffActor,
  period: string,
): Promise<StatementView[]> {
  monthBounds(period);
  const partners = await db.query<{ partner_id: string }>(
    'SELECT partner_id FROM affiliates.partner_plans ORDER BY partner_id',
  );
  const out: StatementView[] = [];
  for (const p of partners) out.push(await computeStatement(db, actor, p.partner_id, period));
  return out;
}

/** The month before the one `now` falls in, as `YYYY-MM` (UTC). */
export function previousPeriod(now: Date): string {
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return month.toISOString().slice(0, 7);
}

/**
 * The monthly job: drafts last month's statement for every affiliate on a plan who has none
 * yet, so staff find the drafts waiting once a month is over. Safe to repeat: a month that
 * already has a statement (computed by staff or by an earlier run) is left as it is; an
 * affiliate whose later month is already final is skipped. Returns the statements drafted.
 */
export async function draftDueStatements(db: Db, now = new Date()): Promise<StatementView[]> {
  const period = previousPeriod(now);
  const due = await db.query<{ partner_id: string }>(
    `SELECT pp.partner_id FROM affiliates.partner_plans pp
     WHERE NOT EXISTS (SELECT 1 FROM affiliates.statements s
                       WHERE s.partner_id = pp.partner_id AND s.period = $1::date)
     ORDER BY pp.partner_id`,
    [monthBounds(period).from],
  );
  const drafted: StatementView[] = [];
  for (const { partner_id } of due) {
    try {
      drafted.push(await computeStatement(db, { id: null, kind: 'system' }, partner_id, period));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  }
  return drafted;
}

async function lockStatement(tx: Tx, id: string): Promise<StatementRow> {
  const [row] = await tx.query<StatementRow>(
    `SELECT ${COLUMNS} FROM affiliates.statements WHERE id = $1 FOR UPDATE`,
    [id],
  );
  if (!row) throw notFound('affiliate_statement');
  return row;
}

/** Staff approve a draft; earlier months of the affiliate must be approved first. */
export async function approveStatement(
  db: Db,
  actor: StaffActor,
  id: string,
): Promise<StatementView> {
  return db.transaction(async (tx) => {
    const row = await lockStatement(tx, id);
    if (row.status !== 'draft') return present(row);
    const earlier = await tx.query(
      `SELECT 1 FROM affiliates.statements
       WHERE partner_id = $1 AND currency = $2 AND period < $3::date AND status = 'draft' LIMIT 1`,
      [row.partner_id, row.currency, `${row.period}-01`],
    );
    if (earlier.length > 0) {
      throw new DomainError(
        'earlier_statement_draft',
        'conflict',
        'Approve the earlier months first: their carryover feeds this one.',
      );
    }
    const [updated] = await tx.query<StatementRow>(
      `UPDATE affiliates.statements SET status = 'approved', approved_by = $2, approved_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, actor.id],
    );
    await audit(tx, {
      actor: { id: actor.id, kind: actor.kind },
      action: 'affiliate_statement.approved',
      target: { type: 'affiliate_statement', id },
      details: {
        partnerId: row.partner_id,
        period: row.period,
        commission: row.commission.toString(),
      },
      context: actor.context,
    });
    return present(updated!);
  });
}

/** The affiliate's commission account in `currency`, created on first use, locked. */
async function commissionAccount(tx: Tx, partnerId: string, currency: string): Promise<bigint> {
  await tx.query(
    `INSERT INTO wallet.accounts (owner_id, kind, currency) VALUES ($1, 'partner_commission', $2)
     ON CONFLICT (owner_id, kind, currency) WHERE owner_id IS NOT NULL DO NOTHING`,
    [partnerId, currency],
  );
  const [row] = await tx.query<{ id: bigint }>(
    `SELECT id FROM wallet.accounts WHERE owner_id = $1 AND kind = 'partner_commission' AND currency = $2
     FOR UPDATE`,
    [partnerId, currency],
  );
  return row!.id;
}

/**
 * Pays an approved statement: the commission moves from the house to the affiliate's
 * commission account, once (the statement's status and the transfer commit together; the
 * Idempotency-Key makes a retried request answer the same).
 */
export async function payStatement(db: Db, actor: StaffActor, id: string, idempotencyKey: string) {
  return runIdempotent(
    db,
    'affiliates.pay_statement',
    { scope: `staff:${actor.id}`, idempotencyKey, input: { id } },
    async (tx) => {
      const row = await lockStatement(tx, id);
      if (row.status === 'paid') return present(row);
      if (row.status !== 'approved') {
        throw new DomainError(
          'statement_not_approved',
          'conflict',
          'Only an approved statement can be paid.',
          { statementStatus: row.status },
        );
      }
      const currency = row.currency.trim();
      if (row.commission > 0n) {
        const account = await commissionAccount(tx, row.partner_id, currency);
        const house = await systemAccount(tx, 'house', currency);
        await post(tx, [
          {
            debit: house,
            credit: account,
            amount: row.commission,
            currency,
            kind: 'affiliate_commission',
            reference: `affiliate_statement:${row.id}`,
          },
        ]);
      }
      if (row.cpa_players.length > 0) {
        await tx.query(
          'UPDATE affiliates.referrals SET cpa_statement_id = $1 WHERE player_id = ANY($2::uuid[])',
          [row.id, row.cpa_players],
        );
      }
      const [updated] = await tx.query<StatementRow>(
        `UPDATE affiliates.statements SET status = 'paid', paid_by = $2, paid_at = now()
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, actor.id],
      );
      await audit(tx, {
        actor: { id: actor.id, kind: actor.kind },
        action: 'affiliate_statement.paid',
        target: { type: 'affiliate_statement', id },
        details: {
          partnerId: row.partner_id,
          period: row.period,
          amount: row.commission.toString(),
          currency,
        },
        context: actor.context,
      });
      return present(updated!);
    },
  );
}

export async function listStatements(
  q: Queryable,
  filter: {
    partnerId?: string | undefined;
    status?: StatementStatus | undefined;
    period?: string | undefined;
  },
): Promise<StatementView[]> {
  const from = filter.period ? monthBounds(filter.period).from : null;
  const rows = await q.query<StatementRow>(
    `SELECT ${COLUMNS} FROM affiliates.statements
     WHERE ($1::uuid IS NULL OR partner_id = $1) AND ($2::text IS NULL OR status = $2)
       AND ($3::date IS NULL OR period = $3::date)
     ORDER BY period DESC, partner_id LIMIT 500`,
    [filter.partnerId ?? null, filter.status ?? null, from],
  );
  return rows.map(present);
}

/** The affiliate's commission balances (what was paid to them and not yet paid out). */
export async function commissionBalances(
  q: Queryable,
  partnerId: string,
): Promise<{ currency: string; balance: string }[]> {
  const rows = await q.query<{ currency: string; balance: bigint }>(
    `SELECT currency, balance FROM wallet.accounts
     WHERE owner_id = $1 AND kind = 'partner_commission' ORDER BY currency`,
    [partnerId],
  );
  return rows.map((r) => ({ currency: r.currency.trim(), balance: r.balance.toString() }));
}
