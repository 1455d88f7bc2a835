// Awarding a promotion to a player: once per (promotion, player, source), within the
// promotion's window, eligibility, per-player cap, number of awards and budget, never to a
// player who is excluded or in a time-out. A free bet is issued as a token; bonus funds move
// house → bonus account. The award, its money, its audit record and its event commit together.
import { v7 as uuidv7 } from 'uuid';
import type { Queryable, Tx } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import type { Consumer } from '../../platform/events/bus.ts';
import { emit } from '../../platform/events/outbox.ts';
import { audit, type RequestContext } from '../audit/index.ts';
import { lockPlayerAccounts } from '../wallet/index.ts';
import { grantBonus, lockActiveGrants } from './bonus.ts';
import { assertEligible, assertReceivesPromotions, playerProfile } from './eligibility.ts';
import {
  bonusAlreadyActive,
  invalidPromotionTerms,
  promotionAlreadyClaimed,
  promotionBudgetExhausted,
  promotionNotAvailable,
  promotionNotEligible,
} from './errors.ts';
import { issueFreeBet } from './free-bets.ts';
import { getPromotion, isLive, livePromotions, type Promotion } from './promotion.ts';

export interface AwardView {
  id: string;
  promotionId: string;
  playerId: string;
  kind: 'free_bet' | 'bonus';
  amount: string;
  currency: string;
  freeBetId: string | null;
  grantId: string | null;
  source: string;
  createdAt: string;
}

interface AwardRow {
  id: string;
  promotion_id: string;
  player_id: string;
  source: string;
  amount: bigint;
  free_bet_id: string | null;
  grant_id: string | null;
  created_at: Date;
}

const present = (r: AwardRow, currency: string): AwardView => ({
  id: r.id,
  promotionId: r.promotion_id,
  playerId: r.player_id,
  kind: r.free_bet_id ? 'free_bet' : 'bonus',
  amount: r.amount.toString(),
  currency,
  freeBetId: r.free_bet_id,
  grantId: r.grant_id,
  source: r.source,
  createdAt: r.created_at.toISOString(),
});

async function existingAward(q: Queryable, promotionId: string, playerId: string, source: string) {
  const [row] = await q.query<AwardRow>(
    `SELECT id, promotion_id, player_id, source, amount, free_bet_id, grant_id, created_at
     FROM promotions.awards WHERE promotion_id = $1 AND player_id = $2 AND source = $3`,
    [promotionId, playerId, source],
  );
  return row;
}

export async function hasOptedIn(q: Queryable, promotionId: string, playerId: string) {
  const rows = await q.query(
    'SELECT 1 FROM promotions.opt_ins WHERE promotion_id = $1 AND player_id = $2',
    [promotionId, playerId],
  );
  return rows.length > 0;
}

export interface AwardInput {
  promotion: Promotion;
  playerId: string;
  /** What the award is for: `claim:<n>`, `deposit:<payment id>`, `staff:<key>`. */
  source: string;
  /** A deposit bonus: the deposit it matches. */
  depositAmount?: bigint | undefined;
  /** Staff awarding by hand (no opt-in needed); null for the player or the system. */
  staffId?: string | null | undefined;
  context?: RequestContext | undefined;
}

/** The amount a promotion awards (a deposit bonus: its share of the deposit, capped). */
export function awardAmount(promotion: Promotion, depositAmount?: bigint): bigint {
  const t = promotion.terms;
  if (promotion.kind === 'deposit_bonus') {
    if (depositAmount === undefined)
      throw invalidPromotionTerms('A deposit bonus needs a deposit.');
    const share = (depositAmount * BigInt(t.percentBps!)) / 10_000n;
    const max = BigInt(t.maxBonus!);
    return share < max ? share : max;
  }
  if (promotion.kind === 'free_bet' || promotion.kind === 'bonus') return BigInt(t.amount!);
  throw invalidPromotionTerms('This kind of promotion awards nothing: players opt in to it.');
}

/** Awards the promotion, or returns the award already made for the same source. */
export async function award(tx: Tx, input: AwardInput): Promise<AwardView> {
  const { promotion, playerId, source } = input;
  const before = await existingAward(tx, promotion.id, playerId, source);
  if (before) return present(before, promotion.currency);
  // Claims of one player queue on their accounts; the checks below hold until commit.
  await lockPlayerAccounts(tx, playerId);
  const again = await existingAward(tx, promotion.id, playerId, source);
  if (again) return present(again, promotion.currency);

  await assertReceivesPromotions(tx, playerId);
  const now = new Date();
  if (!isLive(promotion, now))
    throw promotionNotAvailable(`it is ${promotionState(promotion, now)}`);
  assertEligible(promotion, await playerProfile(tx, playerId), now);
  if (!input.staffId && promotion.optIn && !(await hasOptedIn(tx, promotion.id, playerId)))
    throw promotionNotEligible('opt in first');
  const [count] = await tx.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM promotions.awards WHERE promotion_id = $1 AND player_id = $2',
    [promotion.id, playerId],
  );
  if ((count?.n ?? 0) >= promotion.perPlayer) throw promotionAlreadyClaimed();

  if (promotion.kind !== 'free_bet') {
    const active = await lockActiveGrants(tx, [playerId]);
    if (active.has(`${playerId}:${promotion.currency}`)) throw bonusAlreadyActive();
  }
  const amount = awardAmount(promotion, input.depositAmount);
  if (amount <= 0n) throw promotionNotEligible('the deposit is too small for a bonus');
  // Budget and number of awards: one conditional update, so concurrent awards cannot overrun.
  const counted = await tx.query(
    `UPDATE promotions.promotions SET spent = spent + $2, awards = awards + 1
     WHERE id = $1 AND (budget IS NULL OR spent + $2 <= budget) AND (max_awards IS NULL OR awards < max_awards)
     RETURNING 1`,
    [promotion.id, amount],
  );
  if (counted.length === 0) throw promotionBudgetExhausted();

  const t = promotion.terms;
  const id = uuidv7();
  let freeBetId: string | null = null;
  let grantId: string | null = null;
  if (promotion.kind === 'free_bet') {
    const freeBet = await issueFreeBet(tx, {
      playerId,
      currency: promotion.currency,
      amount,
      minOdds: t.minOdds ?? null,
      sports: t.sports ?? [],
      marketTypes: t.marketTypes ?? [],
      expiryDays: t.expiryDays!,
      source: `award:${id}`,
    });
    freeBetId = freeBet.id;
  } else {
    const grant = await grantBonus(tx, {
      playerId,
      currency: promotion.currency,
      amount,
      wageringMultiplier: t.wageringMultiplier ?? 0,
      minOdds: t.minOdds ?? null,
      expiryDays: t.expiryDays!,
      forfeitOnWithdrawal: t.forfeitOnWithdrawal ?? true,
      source: `award:${id}`,
    });
    grantId = grant.id;
  }
  const [row] = await tx.query<AwardRow>(
    `INSERT INTO promotions.awards (id, promotion_id, player_id, source, amount, free_bet_id, grant_id, awarded_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     RETURNING id, promotion_id, player_id, source, amount, free_bet_id, grant_id, created_at`,
    [id, promotion.id, playerId, source, amount, freeBetId, grantId, input.staffId ?? null],
  );
  const view = present(row!, promotion.currency);
  await audit(tx, {
    // Staff by hand, the player claiming, or the system (a deposit bonus).
    actor: input.staffId
      ? { id: input.staffId, kind: 'staff' }
      : source.startsWith('claim:')
        ? { id: playerId, kind: 'player' }
        : null,
    action: 'promotion.awarded',
    target: { type: 'promotion', id: promotion.id },
    details: { awardId: id, playerId, kind: view.kind, amount: view.amount, source },
    context: input.context,
  });
  await emit(tx, {
    type: 'promotions.awarded',
    aggregateId: promotion.id,
    payload: { ...view, promotionName: promotion.name },
  });
  return view;
}

function promotionState(p: Promotion, now: Date): string {
  if (p.status !== 'active') return p.status;
  return p.startsAt > now ? 'not started yet' : 'over';
}

export interface OptInResult {
  promotionId: string;
  optedIn: true;
  award: AwardView | null;
}

/**
 * A player opts in to a promotion. A free-bet or bonus promotion awards at once (a claim); a
 * second claim beyond the per-player cap is refused. Opting in to a deposit bonus, odds boost
 * or acca bonus makes its later awards and uses possible.
 */
export async function optIn(
  tx: Tx,
  promotionId: string,
  playerId: string,
  context?: RequestContext,
): Promise<OptInResult> {
  await lockPlayerAccounts(tx, playerId);
  await assertReceivesPromotions(tx, playerId);
  const promotion = await getPromotion(tx, promotionId);
  const now = new Date();
  if (!isLive(promotion, now))
    throw promotionNotAvailable(`it is ${promotionState(promotion, now)}`);
  assertEligible(promotion, await playerProfile(tx, playerId), now);
  await tx.query(
    `INSERT INTO promotions.opt_ins (promotion_id, player_id) VALUES ($1, $2)
     ON CONFLICT DO NOTHING`,
    [promotionId, playerId],
  );
  if (promotion.kind !== 'free_bet' && promotion.kind !== 'bonus')
    return { promotionId, optedIn: true, award: null };
  const [count] = await tx.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM promotions.awards WHERE promotion_id = $1 AND player_id = $2',
    [promotion.id, playerId],
  );
  const n = count?.n ?? 0;
  if (n >= promotion.perPlayer) throw promotionAlreadyClaimed();
  const view = await award(tx, { promotion, playerId, source: `claim:${n + 1}`, context });
  return { promotionId, optedIn: true, award: view };
}

/**
 * A completed deposit earns the deposit bonuses the player has opted in to (each at most
 * `perPlayer` times, from deposits of at least its minimum). Runs as a durable consumer.
 */
export const depositBonuses: Consumer = {
  name: 'promotions.deposit-bonus',
  types: ['wallet.deposit.completed'],
  async handle(tx, event) {
    const p = event.payload as {
      id?: unknown;
      ownerId?: unknown;
      amount?: unknown;
      currency?: unknown;
    };
    if (
      typeof p.id !== 'string' ||
      typeof p.ownerId !== 'string' ||
      typeof p.currency !== 'string' ||
      typeof p.amount !== 'string' ||
      !/^\d{1,18}$/.test(p.amount)
    )
      return;
    const amount = BigInt(p.amount);
    for (const promotion of await livePromotions(tx, 'deposit_bonus', p.currency)) {
      if (amount < BigInt(promotion.terms.minDeposit!)) continue;
      if (!(await hasOptedIn(tx, promotion.id, p.ownerId))) continue;
      // A refusal (cap reached, bonus already active, budget spent, excluded) is not an error of
      // the deposit: the bonus is simply not given, in a savepoint of its own.
      await tx.query('SAVEPOINT deposit_bonus');
      try {
        await award(tx, {
          promotion,
          playerId: p.ownerId,
          source: `deposit:${p.id}`,
          depositAmount: amount,
        });
        await tx.query('RELEASE SAVEPOINT deposit_bonus');
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        await tx.query('ROLLBACK TO SAVEPOINT deposit_bonus');
      }
    }
  },
};
