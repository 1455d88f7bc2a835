// Pending in-play bets. An in-play bet is placed `pending` — its stake already held, its
// liability reserved — and checked again once its delay (accept_after, by the database clock)
// has passed, in a transaction of its own, so nothing waits holding a transaction:
//
// - accepted (status open) when every leg's market is open and was not suspended since the bet
//   was placed, its event neither ended nor cancelled, and every price is where the bet was
//   struck or higher. A price that dropped is taken only if the player's policy accepts it
//   against the price they asked for; the bet is then struck at the lower price.
// - rejected otherwise: the stake goes back to the player's cash (`bet:<id>:x`), the
//   liability is released.
//
// A suspension rejects the pending bets on its market at once (an outbox consumer of
// market.updated), and the check above rejects them even if that consumer were late.
import type { Db, Tx } from '../../platform/db/db.ts';
import type { Consumer } from '../../platform/events/bus.ts';
import type { OutboxEvent } from '../../platform/events/outbox.ts';
import { emit } from '../../platform/events/outbox.ts';
import { formatPrice } from '../../platform/money.ts';
import { selectionsForBetting } from '../catalog/index.ts';
import { returnPromotionalStakes } from '../promotions/index.ts';
import { lockAccountsOf, post } from '../wallet/index.ts';
import { adjustLiability } from './liability.ts';
import {
  type BetShape,
  builderPrice,
  exactReturn,
  floorOf,
  placeFactor,
  priceFactor,
} from './pricing.ts';
import { type BetForMoney, lockBets } from './repo.ts';
import { priceAcceptable } from './slip.ts';

export interface PendingOutcome {
  accepted: string[];
  rejected: { id: string; reason: string }[];
}

const keysOf = (bet: BetForMoney) => {
  const keys: { scope: 'selection' | 'market'; id: string }[] = [];
  for (const id of new Set(bet.legs.map((l) => l.selectionId)))
    keys.push({ scope: 'selection', id });
  for (const id of new Set(bet.legs.map((l) => l.marketId))) keys.push({ scope: 'market', id });
  return keys;
};

/** Rejects locked pending bets: stake back to cash, liability released, announced. */
export async function rejectBets(
  tx: Tx,
  rejections: readonly { bet: BetForMoney; reason: string }[],
): Promise<void> {
  if (rejections.length === 0) return;
  const wallets = await lockAccountsOf(tx, [...new Set(rejections.map((r) => r.bet.playerId))]);
  const rows = await tx.query<{ id: string }>(
    `UPDATE betting.bets b SET status = 'rejected', payout = b.stake, settled_at = now(), accept_after = NULL,
       status_reason = r.reason, liability = 0
     FROM unnest($1::uuid[], $2::text[]) AS r(id, reason)
     WHERE b.id = r.id AND b.status = 'pending'
     RETURNING b.id`,
    [rejections.map((r) => r.bet.id), rejections.map((r) => r.reason)],
  );
  if (rows.length !== rejections.length) throw new Error('a locked pending bet changed');
  await post(
    tx,
    rejections.map(({ bet }) => {
      const wallet = wallets.get(bet.playerId);
      if (!wallet) throw new Error(`wallet of bet ${bet.id} not found`);
      return {
        debit: wallet.held.id,
        credit: wallet.cash.id,
        amount: bet.stake,
        currency: bet.currency,
        kind: 'bet_stake_return' as const,
        reference: `bet:${bet.id}:x`,
      };
    }),
  );
  // A free bet or bonus part of a returned stake goes back where it came from.
  await returnPromotionalStakes(
    tx,
    rejections.map(({ bet }) => bet),
  );
  await adjustLiability(
    tx,
    rejections.map(({ bet }) => ({
      playerId: bet.playerId,
      keys: keysOf(bet),
      delta: -bet.liability,
    })),
  );
  await emit(
    tx,
    ...rejections.map(({ bet, reason }) => ({
      type: 'bet.rejected',
      aggregateId: bet.id,
      payload: {
        betId: bet.id,
        playerId: bet.playerId,
        reason,
        stake: bet.stake.toString(),
        currency: bet.currency,
      },
    })),
  );
}

/** Re-checks one locked pending bet; accepts it (possibly at lower prices) or says why not. */
async function check(tx: Tx, bet: BetForMoney): Promise<string | undefined> {
  const selections = await selectionsForBetting(
    tx,
    bet.legs.map((l) => l.selectionId),
    tx,
  );
  const byId = new Map(selections.map((s) => [s.selectionId, s]));
  const prices: number[] = [];
  for (const leg of bet.legs) {
    const s = byId.get(leg.selectionId);
    if (!s) return 'selection_not_found';
    if (s.marketStatus !== 'open') return 'market_not_open';
    if (s.suspendedAt && s.suspendedAt.getTime() >= bet.placedAt.getTime())
      return 'market_suspended';
    if (s.eventStatus === 'ended' || s.eventStatus === 'cancelled') return 'event_closed';
    if (s.price >= leg.price) {
      prices.push(leg.price);
    } else if (priceAcceptable(bet.acceptPriceChanges, leg.requestedPrice, s.price)) {
      prices.push(s.price);
    } else {
      return 'odds_changed';
    }
  }
  const repriced = prices.some((p, i) => p !== bet.legs[i]!.price);
  if (repriced) {
    // Lower prices: a lower potential payout, so the liability only shrinks.
    const builder =
      bet.kind === 'builder' && bet.shape.builderPrice
        ? builderPrice(prices, byId.get(bet.legs[0]!.selectionId)!.builderMarginBps)
        : null;
    const shape: BetShape = { ...bet.shape, prices, builderPrice: builder };
    const place = shape.eachWay
      ? prices.map((p, i) => placeFactor(p, bet.legs[i]!.eachWay!))
      : undefined;
    const potential = floorOf(exactReturn(shape, prices.map(priceFactor), place));
    const liability = potential > bet.stake ? potential - bet.stake : 0n;
    await tx.query(
      `UPDATE betting.bet_legs l SET price = u.price FROM unnest($2::smallint[], $3::int[]) AS u(leg_no, price)
       WHERE l.bet_id = $1 AND l.leg_no = u.leg_no`,
      [bet.id, bet.legs.map((l) => l.legNo), prices],
    );
    await tx.query(
      'UPDATE betting.bets SET potential_payout = $2, builder_price = $3, liability = $4 WHERE id = $1',
      [bet.id, potential, builder, liability],
    );
    await adjustLiability(tx, [
      { playerId: bet.playerId, keys: keysOf(bet), delta: liability - bet.liability },
    ]);
  }
  await tx.query(
    `UPDATE betting.bets SET status = 'open', accept_after = NULL WHERE id = $1 AND status = 'pending'`,
    [bet.id],
  );
  await emit(tx, {
    type: 'bet.accepted',
    aggregateId: bet.id,
    payload: {
      betId: bet.id,
      playerId: bet.playerId,
      prices: prices.map(formatPrice),
      potentialPayout: repriced ? undefined : bet.potentialPayout.toString(),
    },
  });
  return undefined;
}

/**
 * Checks the pending bets whose delay has passed. Each bet is one transaction; a bet another
 * process is checking is skipped. Returns what happened.
 */
export async function confirmPendingBets(db: Db, limit = 200): Promise<PendingOutcome> {
  const due = await db.query<{ id: string }>(
    `SELECT id FROM betting.bets WHERE status = 'pending' AND accept_after <= now()
     ORDER BY accept_after LIMIT $1`,
    [limit],
  );
  const outcome: PendingOutcome = { accepted: [], rejected: [] };
  for (const { id } of due) {
    await db.transaction(async (tx) => {
      const locked = await tx.query<{ id: string }>(
        `SELECT id FROM betting.bets WHERE id = $1 AND status = 'pending' AND accept_after <= now()
         FOR UPDATE SKIP LOCKED`,
        [id],
      );
      if (locked.length === 0) return;
      const [bet] = await lockBets(tx, [id]);
      if (!bet) return;
      const reason = await check(tx, bet);
      if (reason) {
        await rejectBets(tx, [{ bet, reason }]);
        outcome.rejected.push({ id, reason });
      } else {
        outcome.accepted.push(id);
      }
    });
  }
  return outcome;
}

/** Rejects the pending bets on a market placed at or before `before` (its suspension). */
export async function rejectPendingOnMarket(
  tx: Tx,
  marketId: string,
  before: Date,
  reason = 'market_suspended',
): Promise<string[]> {
  const ids = await tx.query<{ id: string }>(
    `SELECT b.id FROM betting.bets b
     WHERE b.status = 'pending' AND b.placed_at <= $2
       AND b.id IN (SELECT bet_id FROM betting.bet_legs WHERE market_id = $1)
     ORDER BY b.id`,
    [marketId, before],
  );
  if (ids.length === 0) return [];
  const bets = (
    await lockBets(
      tx,
      ids.map((r) => r.id),
    )
  ).filter((b) => b.status === 'pending');
  await rejectBets(
    tx,
    bets.map((bet) => ({ bet, reason })),
  );
  return bets.map((b) => b.id);
}

/**
 * The consumer that rejects pending bets when their market is suspended — by a trader, the
 * feed or the live-match simulator alike, since every suspension announces the market.
 */
export const suspensionRejectsPendingBets: Consumer = {
  name: 'betting.pending-on-suspension',
  types: ['market.updated'],
  async handle(tx: Tx, event: OutboxEvent) {
    const market = (event.payload as { market?: { id?: string; status?: string } }).market;
    if (market?.status !== 'suspended' || !market.id) return;
    await rejectPendingOnMarket(tx, market.id, event.createdAt);
  },
};
