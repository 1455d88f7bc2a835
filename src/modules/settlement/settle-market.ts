// Settling a market: record its result once, then settle every open bet with a leg on it,
// in batches, each batch one transaction (lock bets, lock wallets in id order, post the
// transfers, mark the bets). A bet leaves `open` once, so settling twice, concurrently or
// after a crash, pays each bet once.
import type { Db } from '../../platform/db/db.ts';
import { emit } from '../../platform/events/outbox.ts';
import {
  checkIdempotencyKey,
  claimKey,
  hashRequest,
  type IdempotentCommand,
  type Outcome,
  storeResult,
} from '../../platform/idempotency.ts';
import {
  countBetsOnMarket,
  lockOpenBetsOnMarket,
  markSettled,
  type SettledBet,
} from '../betting/index.ts';
import {
  getMarketResult,
  type MarketResult,
  recordResult,
  selectionOutcomes,
} from '../catalog/index.ts';
import { lockAccountsOf, post, systemAccount, type Transfer } from '../wallet/index.ts';
import { judge, settlementMoves } from './rules.ts';

export const DEFAULT_BATCH = 2000;

export interface SettlementSummary {
  marketId: string;
  result: { void: boolean; winners: string[] };
  /** Bets with a leg on this market, by status, after this settlement. */
  bets: { open: number; won: number; lost: number; void: number };
}

/** Settles one batch; returns how many bets it looked at and the last id (for paging). */
async function settleBatch(
  db: Db,
  marketId: string,
  afterId: string | null,
  batchSize: number,
  skipLocked: boolean,
): Promise<{ seen: number; lastId: string | null; settled: SettledBet[] }> {
  return db.transaction(async (tx) => {
    const bets = await lockOpenBetsOnMarket(tx, marketId, afterId, batchSize, skipLocked);
    if (bets.length === 0) return { seen: 0, lastId: null, settled: [] };
    const outcomes = await selectionOutcomes(tx, [
      ...new Set(bets.flatMap((b) => b.legs.map((l) => l.selectionId))),
    ]);
    const decided = bets.flatMap((bet) => {
      const verdict = judge(bet.stake, bet.legs, outcomes);
      return verdict ? [{ bet, verdict }] : [];
    });
    if (decided.length > 0) {
      const wallets = await lockAccountsOf(tx, [...new Set(decided.map((d) => d.bet.playerId))]);
      const house = new Map<string, bigint>();
      for (const currency of new Set(decided.map((d) => d.bet.currency))) {
        house.set(currency, await systemAccount(tx, 'house', currency));
      }
      const transfers: Transfer[] = [];
      for (const { bet, verdict } of decided) {
        const wallet = wallets.get(bet.playerId);
        const houseId = house.get(bet.currency);
        if (!wallet || houseId === undefined) throw new Error(`wallet of bet ${bet.id} not found`);
        const moves = settlementMoves(bet.stake, verdict.payout);
        const base = { currency: bet.currency, reference: `bet:${bet.id}` };
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
      const settled = decided.map(({ bet, verdict }) => ({ id: bet.id, ...verdict }));
      const marked = await markSettled(tx, settled);
      if (marked.size !== settled.length)
        throw new Error('a locked open bet was settled by someone else');
      await post(tx, transfers);
      await emit(
        tx,
        ...decided.map(({ bet, verdict }) => ({
          type: 'bet.settled',
          aggregateId: bet.id,
          payload: {
            betId: bet.id,
            playerId: bet.playerId,
            status: verdict.status,
            stake: bet.stake.toString(),
            payout: verdict.payout.toString(),
            currency: bet.currency,
          },
        })),
      );
      return { seen: bets.length, lastId: bets.at(-1)!.id, settled };
    }
    return { seen: bets.length, lastId: bets.at(-1)!.id, settled: [] };
  });
}

async function settlePass(
  db: Db,
  marketId: string,
  batchSize: number,
  skipLocked: boolean,
): Promise<SettledBet[]> {
  const all: SettledBet[] = [];
  let afterId: string | null = null;
  for (;;) {
    const batch = await settleBatch(db, marketId, afterId, batchSize, skipLocked);
    all.push(...batch.settled);
    if (batch.seen < batchSize) return all;
    afterId = batch.lastId;
  }
}

/**
 * Settles every open bet on a resulted market that can be decided now. The first pass skips
 * bets a concurrent settler holds; the second waits for it, so that on return no decidable
 * bet is still open and the summary that follows (stored for replays) is the settled state.
 * Normally the second pass only meets bets that are undecided (multiples still waiting).
 */
export async function settleOpenBets(
  db: Db,
  marketId: string,
  batchSize = DEFAULT_BATCH,
): Promise<SettledBet[]> {
  const first = await settlePass(db, marketId, batchSize, true);
  return [...first, ...(await settlePass(db, marketId, batchSize, false))];
}

async function summarize(db: Db, marketId: string): Promise<SettlementSummary> {
  const result = await getMarketResult(db, marketId);
  return {
    marketId,
    result: { void: result?.void ?? false, winners: result && !result.void ? result.winners : [] },
    bets: await countBetsOnMarket(db, marketId),
  };
}

export interface SettleMarketInput {
  marketId: string;
  result: MarketResult;
  recordedBy: string;
}

/**
 * Records the result and settles the market. Safe to repeat: with the same key after a
 * crash it resumes (recording the same result again changes nothing; settled bets are
 * skipped), and the stored summary is replayed once a run has completed.
 */
export async function settleMarket(
  deps: { db: Db; batchSize?: number },
  command: IdempotentCommand<SettleMarketInput>,
): Promise<Outcome<SettlementSummary> & { settled: SettledBet[] }> {
  const { db } = deps;
  const key = checkIdempotencyKey(command.idempotencyKey);
  const { marketId, result, recordedBy } = command.input;
  const hash = hashRequest('settlement.settle-market', { marketId, result });
  const claim = await db.transaction(async (tx) => {
    const claimed = await claimKey<SettlementSummary>(tx, command.scope, key, hash);
    if (claimed.state !== 'replay') await recordResult(tx, marketId, result, recordedBy);
    return claimed;
  });
  if (claim.state === 'replay') return { result: claim.result, idempotencyHit: true, settled: [] };
  const settled = await settleOpenBets(db, marketId, deps.batchSize);
  const summary = await summarize(db, marketId);
  await storeResult(db, command.scope, key, summary);
  return { result: summary, idempotencyHit: false, settled };
}
