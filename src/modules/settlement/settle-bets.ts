// Bringing locked bets in line with the current results: settle a bet that can now be decided,
// and — after a correction — reverse a settlement the new result contradicts and settle again,
// or reopen a bet that can no longer be decided. Money only ever moves by new transfers: the
// moves of settlement version v reference `bet:<id>:s<v>`, their reversal `bet:<id>:r<v>`.
// A bet whose settlement already matches changes nothing, so running this twice is harmless.
import type { Tx } from '../../platform/db/db.ts';
import { emit } from '../../platform/events/outbox.ts';
import {
  adjustLiability,
  applyBetChanges,
  type BetChange,
  type BetForMoney,
} from '../betting/index.ts';
import { type SelectionResult, selectionOutcomes } from '../catalog/index.ts';
import { promotionCashDeltas, promotionSettlementTransfers } from '../promotions/index.ts';
import { lockAccountsOf, post, systemAccount, type Transfer } from '../wallet/index.ts';
import { judge, settlementMoves, type Verdict } from './rules.ts';

export interface SettledBet {
  id: string;
  status: 'won' | 'lost' | 'void' | 'open';
  payout: bigint;
}

export interface ReconcileContext {
  /** Who caused it: the staff member who recorded or corrected the result, or voided the bet. */
  by: string | null;
  reason: string | null;
  /** Void these bets whatever their legs say (staff voiding single bets). */
  forceVoid?: boolean | undefined;
}

export interface ReconcileOutcome {
  changed: SettledBet[];
  /** Bets whose correction would take more than the player's balance holds: left as they are. */
  blocked: string[];
}

const SETTLED = new Set(['won', 'lost', 'void']);

interface Plan {
  bet: BetForMoney;
  verdict: Verdict | undefined;
  reverse: boolean;
  settle: boolean;
}

const liabilityKeysOf = (bet: BetForMoney) =>
  [
    ...new Set(bet.legs.map((l) => `selection:${l.selectionId}`)),
    ...new Set(bet.legs.map((l) => `market:${l.marketId}`)),
  ].map((k) => {
    const [scope, id] = k.split(':') as ['selection' | 'market', string];
    return { scope, id };
  });

const lastResultAt = (bet: BetForMoney, outcomes: Map<string, SelectionResult>) => {
  let last: Date | undefined;
  for (const leg of bet.legs) {
    const at = outcomes.get(leg.selectionId)?.recordedAt;
    if (at && (!last || at > last)) last = at;
  }
  return last;
};

/** What a reopened bet reserves again: its remaining potential payout less its open stake. */
const reopenedLiability = (bet: BetForMoney) => {
  const potential = (bet.potentialPayout * bet.openStake) / bet.stake;
  return potential > bet.openStake ? potential - bet.openStake : 0n;
};

export async function reconcileBets(
  tx: Tx,
  bets: readonly BetForMoney[],
  context: ReconcileContext,
): Promise<ReconcileOutcome> {
  const candidates = bets.filter(
    (b) =>
      b.status === 'open' || SETTLED.has(b.status) || (context.forceVoid && b.status === 'pending'),
  );
  if (candidates.length === 0) return { changed: [], blocked: [] };
  const outcomes = context.forceVoid
    ? new Map<string, SelectionResult>()
    : await selectionOutcomes(tx, [
        ...new Set(candidates.flatMap((b) => b.legs.map((l) => l.selectionId))),
      ]);

  const plans: Plan[] = [];
  for (const bet of candidates) {
    const verdict: Verdict | undefined = context.forceVoid
      ? { status: 'void', payout: bet.openStake }
      : judge(bet, outcomes);
    if (!SETTLED.has(bet.status)) {
      if (verdict) plans.push({ bet, verdict, reverse: false, settle: true });
    } else if (!verdict) {
      plans.push({ bet, verdict, reverse: true, settle: false });
    } else if (verdict.status !== bet.status || verdict.payout !== bet.payout) {
      plans.push({ bet, verdict, reverse: true, settle: true });
    }
  }
  if (plans.length === 0) return { changed: [], blocked: [] };

  // The players' wallets, in id order; a correction may take back what was paid, and a
  // balance never goes below zero: a player who cannot cover it keeps their bets as they are.
  const wallets = await lockAccountsOf(tx, [...new Set(plans.map((p) => p.bet.playerId))]);
  const cashDelta = new Map<string, bigint>();
  for (const p of plans) {
    let delta = 0n;
    if (p.reverse) delta -= p.bet.payout ?? 0n;
    if (p.settle) delta += p.verdict!.payout;
    cashDelta.set(p.bet.playerId, (cashDelta.get(p.bet.playerId) ?? 0n) + delta);
  }
  // What promotions give back to cash or take from it (a bonus share, a free bet's stake).
  for (const [player, delta] of await promotionCashDeltas(tx, plans))
    cashDelta.set(player, (cashDelta.get(player) ?? 0n) + delta);
  const blockedPlayers = new Set(
    [...cashDelta]
      .filter(([player, delta]) => {
        const wallet = wallets.get(player);
        return !wallet || wallet.cash.balance + delta < 0n;
      })
      .map(([player]) => player),
  );
  const blocked = plans.filter((p) => blockedPlayers.has(p.bet.playerId)).map((p) => p.bet.id);
  const go = plans.filter((p) => !blockedPlayers.has(p.bet.playerId));
  if (go.length === 0) return { changed: [], blocked };

  const house = new Map<string, bigint>();
  for (const currency of new Set(go.map((p) => p.bet.currency)))
    house.set(currency, await systemAccount(tx, 'house', currency));

  const transfers: Transfer[] = [];
  const changes: BetChange[] = [];
  const liability: { playerId: string; keys: ReturnType<typeof liabilityKeysOf>; delta: bigint }[] =
    [];
  for (const { bet, verdict, reverse, settle } of go) {
    const wallet = wallets.get(bet.playerId)!;
    const houseId = house.get(bet.currency)!;
    let version = bet.settlementVersion;
    if (reverse) {
      const old = settlementMoves(bet.openStake, bet.payout ?? 0n);
      const base = { currency: bet.currency, reference: `bet:${bet.id}:r${version}` };
      transfers.push(
        {
          ...base,
          debit: wallet.cash.id,
          credit: wallet.held.id,
          amount: old.returned,
          kind: 'bet_stake_return_reversal',
        },
        {
          ...base,
          debit: houseId,
          credit: wallet.held.id,
          amount: old.lost,
          kind: 'bet_stake_lost_reversal',
        },
        {
          ...base,
          debit: wallet.cash.id,
          credit: houseId,
          amount: old.winnings,
          kind: 'bet_winnings_reversal',
        },
      );
    }
    if (settle) {
      version += 1;
      const moves = settlementMoves(bet.openStake, verdict!.payout);
      const base = { currency: bet.currency, reference: `bet:${bet.id}:s${version}` };
      transfers.push(
        {
          ...base,
          debit: wallet.held.id,
          credit: wallet.cash.id,
          amount: moves.returned,
          kind: 'bet_stake_return',
        },
        {
          ...base,
          debit: wallet.held.id,
          credit: houseId,
          amount: moves.lost,
          kind: 'bet_stake_lost',
        },
        {
          ...base,
          debit: houseId,
          credit: wallet.cash.id,
          amount: moves.winnings,
          kind: 'bet_winnings',
        },
      );
    }
    const open = !settle;
    const newLiability = open ? reopenedLiability(bet) : 0n;
    const wasOpen = !SETTLED.has(bet.status);
    const oldLiability = wasOpen ? bet.liability : 0n;
    if (newLiability !== oldLiability)
      liability.push({
        playerId: bet.playerId,
        keys: liabilityKeysOf(bet),
        delta: newLiability - oldLiability,
      });
    changes.push({
      betId: bet.id,
      fromVersion: bet.settlementVersion,
      reverse: reverse ? { version: bet.settlementVersion } : undefined,
      settle: settle
        ? { version, status: verdict!.status, payout: verdict!.payout, openStake: bet.openStake }
        : undefined,
      status: open ? 'open' : verdict!.status,
      payout: open ? null : verdict!.payout,
      settlementVersion: version,
      liability: newLiability,
      by: context.by,
      reason: context.reason,
    });
  }
  await applyBetChanges(tx, changes);
  // Promotions' moves (free-bet stakes, bonus winnings, acca bonus, wagering) post with the bets'.
  transfers.push(
    ...(await promotionSettlementTransfers(
      tx,
      go,
      new Map([...wallets].map(([player, wallet]) => [player, wallet.cash.id])),
      transfers,
    )),
  );
  await post(tx, transfers);
  await adjustLiability(tx, liability);
  await emit(
    tx,
    ...go.map(({ bet, verdict, reverse, settle }) => {
      const payload = {
        betId: bet.id,
        playerId: bet.playerId,
        status: settle ? verdict!.status : 'open',
        stake: bet.openStake.toString(),
        payout: settle ? verdict!.payout.toString() : null,
        currency: bet.currency,
        // The result that decided the bet (its last leg's), for the settlement-lag histogram.
        resultedAt: settle ? lastResultAt(bet, outcomes)?.toISOString() : undefined,
      };
      return reverse
        ? {
            type: 'bet.resettled',
            aggregateId: bet.id,
            payload: {
              ...payload,
              previous: { status: bet.status, payout: (bet.payout ?? 0n).toString() },
              reason: context.reason,
              by: context.by,
            },
          }
        : { type: 'bet.settled', aggregateId: bet.id, payload };
    }),
  );
  return {
    changed: go.map(({ bet, verdict, settle }) => ({
      id: bet.id,
      status: settle ? verdict!.status : 'open',
      payout: settle ? verdict!.payout : 0n,
    })),
    blocked,
  };
}
