// The checks inside every money-in transaction: the deposit's and the bet's. They run after
// the player's wallet rows are locked, so a player's concurrent deposits and bets are counted
// one after the other and a limit cannot be overrun by racing requests. In order: an active
// time-out or self-exclusion refuses, then a missing identity verification where the
// jurisdiction needs one, then the limits — the request's amount plus what the period has
// seen must stay within every limit the player has (the lowest binds).
import type { Tx } from '../../platform/db/db.ts';
import { clockOffset, clockSql, inForceSql } from './clock.ts';
import { kycRequired, limitExceeded, selfExcluded } from './errors.ts';
import { LIMIT_PERIODS, type LimitPeriod, PERIOD_INTERVAL, packOf } from './jurisdictions.ts';
import type { KycStatus } from './players.ts';

interface State {
  at: Date;
  jurisdiction: string | null;
  kyc_status: KycStatus | null;
  excluded_kind: string | null;
  excluded_until: Date | null;
  limits: { period: LimitPeriod; amount: string | null }[] | string | null;
}

/** One round trip: the player's record, their active exclusion, their limits of `kind`. */
async function stateOf(tx: Tx, playerId: string, kind: 'deposit' | 'loss'): Promise<State> {
  const [row] = await tx.query<State>(
    `WITH c AS (SELECT ${clockSql(2)} AS at)
     SELECT c.at, p.jurisdiction, p.kyc_status, x.kind AS excluded_kind, x.ends_at AS excluded_until,
            (SELECT json_agg(json_build_object('period', l.period, 'amount',
                      (CASE WHEN l.pending_from <= c.at THEN l.pending_amount ELSE l.amount END)::text))
             FROM compliance.limits l WHERE l.player_id = $1 AND l.kind = $3) AS limits
     FROM c
     LEFT JOIN compliance.players p ON p.player_id = $1
     LEFT JOIN LATERAL (
       SELECT e.kind, e.ends_at FROM compliance.exclusions e
       WHERE e.player_id = $1 AND ${inForceSql('e', 'c.at')}
       ORDER BY e.ends_at DESC NULLS FIRST LIMIT 1) x ON true`,
    [playerId, clockOffset(), kind],
  );
  return row!;
}

function bindingLimits(state: State): { period: LimitPeriod; amount: bigint }[] {
  const raw = typeof state.limits === 'string' ? JSON.parse(state.limits) : (state.limits ?? []);
  return (raw as { period: LimitPeriod; amount: string | null }[])
    .filter((l) => l.amount !== null && LIMIT_PERIODS.includes(l.period))
    .map((l) => ({ period: l.period, amount: BigInt(l.amount!) }));
}

type Usage = Record<LimitPeriod, bigint>;

const sums = (expression: string, timeColumn: string) =>
  LIMIT_PERIODS.map(
    (p) =>
      `coalesce(sum(${expression}) FILTER (WHERE ${timeColumn} > $2::timestamptz - interval '${PERIOD_INTERVAL[p]}'), 0)::text AS ${p}`,
  ).join(', ');

/** Deposits asked for in each rolling period (pending ones too: they may still complete). */
async function depositsIn(tx: Tx, playerId: string, at: Date): Promise<Usage> {
  const [row] = await tx.query<Record<LimitPeriod, string>>(
    `SELECT ${sums('amount', 'created_at')}
     FROM wallet.payments
     WHERE owner_id = $1 AND direction = 'deposit' AND status <> 'failed'
       AND created_at > $2::timestamptz - interval '${PERIOD_INTERVAL.month}'`,
    [playerId, at],
  );
  return { day: BigInt(row!.day), week: BigInt(row!.week), month: BigInt(row!.month) };
}

/**
 * Net loss on the bets placed in each rolling period: stakes minus what came back (payouts,
 * cash outs, refunds). An open bet counts as lost until it settles, so that bets placed side
 * by side cannot together lose more than the limit.
 */
export async function lossesIn(tx: Tx, playerId: string, at: Date): Promise<Usage> {
  const [row] = await tx.query<Record<LimitPeriod, string>>(
    `SELECT ${sums('stake - coalesce(payout, 0) - cashed_out_value', 'placed_at')}
     FROM betting.bets
     WHERE player_id = $1 AND placed_at > $2::timestamptz - interval '${PERIOD_INTERVAL.month}'`,
    [playerId, at],
  );
  return { day: BigInt(row!.day), week: BigInt(row!.week), month: BigInt(row!.month) };
}

async function assertMay(
  tx: Tx,
  playerId: string,
  amount: bigint,
  kind: 'deposit' | 'loss',
): Promise<void> {
  const state = await stateOf(tx, playerId, kind);
  if (state.excluded_kind) throw selfExcluded(state.excluded_kind, state.excluded_until);
  const pack = packOf(state.jurisdiction);
  const needsKyc = kind === 'deposit' ? pack.kycBeforeDeposit : pack.kycBeforeBet;
  if (needsKyc && state.kyc_status !== 'verified') throw kycRequired(pack.id);
  const limits = bindingLimits(state);
  if (limits.length === 0) return;
  const used = await (kind === 'deposit' ? depositsIn : lossesIn)(tx, playerId, state.at);
  let tightest: { limit: (typeof limits)[number]; remaining: bigint } | undefined;
  for (const limit of limits) {
    const remaining = limit.amount - used[limit.period];
    if (!tightest || remaining < tightest.remaining) tightest = { limit, remaining };
  }
  if (tightest && amount > tightest.remaining) {
    throw limitExceeded(kind, tightest.limit, tightest.remaining);
  }
}

/**
 * In the deposit's transaction, after the player's wallet is locked: refuses a deposit while
 * the player is excluded or taking a break, before a required identity verification, or when
 * it would exceed a deposit limit.
 */
export function assertMayDeposit(tx: Tx, playerId: string, amount: bigint): Promise<void> {
  return assertMay(tx, playerId, amount, 'deposit');
}

/**
 * In the bet's transaction, after the player's wallet is locked: refuses a stake while the
 * player is excluded or taking a break, before a required identity verification, or when
 * losing it would exceed a loss limit.
 */
export function assertMayStake(tx: Tx, playerId: string, stake: bigint): Promise<void> {
  return assertMay(tx, playerId, stake, 'loss');
}
