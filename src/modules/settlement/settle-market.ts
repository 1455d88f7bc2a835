// Settling a market: record its result once (with the idempotency claim and the settlement
// job, in one transaction), then run the job: every bet with a leg on the market that can be
// decided is settled, in batches (jobs.ts). Resettling: record a corrected result as the next
// version (who and why), then run that version's job, which reverses the settlements the new
// result contradicts and settles again. A bet leaves a state once under its row lock, and the
// ledger is touched only by new transfers, so repeating either, concurrently or after a crash,
// moves money once.
import type { Db } from '../../platform/db/db.ts';
import {
  checkIdempotencyKey,
  claimKey,
  hashRequest,
  type IdempotentCommand,
  inProgress,
  type Outcome,
  storeResult,
} from '../../platform/idempotency.ts';
import { audit } from '../audit/index.ts';
import { countBetsOnMarket } from '../betting/index.ts';
import {
  correctResult,
  getMarketResult,
  type MarketResult,
  type RecordedResult,
  type ResultInput,
  recordResult,
} from '../catalog/index.ts';
import { createJob, jobsOf, partsFor, runJobs } from './jobs.ts';
import type { SettledBet } from './settle-bets.ts';

export interface SettlementSummary {
  marketId: string;
  result: { void: boolean; winners: string[] };
  /** The result's version: 1 for the first result, one more for every correction. */
  version: number;
  /** Bets with a leg on this market, by status, after this settlement. */
  bets: { open: number; won: number; lost: number; void: number };
  /** Corrections waiting for players' balances; the worker retries them. */
  blocked: number;
}

async function summarize(db: Db, marketId: string, blocked: number): Promise<SettlementSummary> {
  const result = await getMarketResult(db, marketId);
  return {
    marketId,
    result: { void: result?.void ?? false, winners: result?.winners ?? [] },
    version: result?.version ?? 0,
    bets: await countBetsOnMarket(db, marketId),
    blocked,
  };
}

export interface SettlementDeps {
  db: Db;
  batchSize?: number;
  /** Parts of a new job (default: `partsFor(db)`). */
  parts?: number;
}

export interface SettleMarketInput {
  marketId: string;
  result: ResultInput | MarketResult;
  recordedBy: string | null;
}

/**
 * Records the result and settles the market. Safe to repeat: with the same key after a
 * crash it resumes (recording the same result again changes nothing; the job carries on from
 * its last batch), and the stored summary is replayed once a run has completed.
 */
export async function settleMarket(
  deps: SettlementDeps,
  command: IdempotentCommand<SettleMarketInput>,
): Promise<Outcome<SettlementSummary> & { settled: SettledBet[] }> {
  const { db } = deps;
  const key = checkIdempotencyKey(command.idempotencyKey);
  const { marketId, result, recordedBy } = command.input;
  const hash = hashRequest('settlement.settle-market', { marketId, result });
  const claim = await db.transaction(async (tx) => {
    const claimed = await claimKey<SettlementSummary>(tx, command.scope, key, hash);
    if (claimed.state === 'replay') return { claimed, jobIds: [] };
    const recorded = await recordResult(tx, marketId, result, recordedBy);
    const jobIds = await createJob(
      tx,
      marketId,
      recorded.result.version,
      recordedBy,
      null,
      deps.parts ?? partsFor(db),
    );
    return { claimed, jobIds };
  });
  if (claim.claimed.state === 'replay')
    return { result: claim.claimed.result, idempotencyHit: true, settled: [] };
  const run = await runJobs(db, claim.jobIds, deps.batchSize);
  const summary = await summarize(db, marketId, run.blocked);
  await storeResult(db, command.scope, key, summary);
  return { result: summary, idempotencyHit: false, settled: run.changed };
}

export interface ResettleMarketInput {
  marketId: string;
  result: ResultInput;
  correctedBy: string;
  reason: string;
}

/**
 * Corrects a market's result and resettles its bets: each settlement the corrected result
 * contradicts is reversed by new transfers and the bet settled again (or reopened when it can
 * no longer be decided), recording who corrected it and why.
 */
export async function resettleMarket(
  deps: SettlementDeps,
  command: IdempotentCommand<ResettleMarketInput>,
  context?: { ip: string | null; requestId: string | null },
): Promise<Outcome<SettlementSummary> & { settled: SettledBet[] }> {
  const { db } = deps;
  const key = checkIdempotencyKey(command.idempotencyKey);
  const { marketId, result, correctedBy, reason } = command.input;
  const hash = hashRequest('settlement.resettle-market', { marketId, result, reason });
  const claim = await db.transaction(async (tx) => {
    const claimed = await claimKey<SettlementSummary>(tx, command.scope, key, hash);
    if (claimed.state === 'replay') return { claimed, jobIds: [] as string[] };
    if (claimed.state === 'in_progress') {
      // The first request recorded the correction and died: carry on with its job.
      const current = await getMarketResult(tx, marketId);
      const jobIds = current ? await jobsOf(tx, marketId, current.version) : [];
      if (jobIds.length === 0) throw inProgress();
      return { claimed, jobIds };
    }
    const corrected: RecordedResult = await correctResult(
      tx,
      marketId,
      result,
      correctedBy,
      reason,
    );
    await audit(tx, {
      actor: { id: correctedBy, kind: 'staff' },
      action: 'market.result_corrected',
      target: { type: 'market', id: marketId },
      details: { version: corrected.version, reason, result },
      context,
    });
    const jobIds = await createJob(
      tx,
      marketId,
      corrected.version,
      correctedBy,
      reason,
      deps.parts ?? partsFor(db),
    );
    return { claimed, jobIds };
  });
  if (claim.claimed.state === 'replay')
    return { result: claim.claimed.result, idempotencyHit: true, settled: [] };
  const run = await runJobs(db, claim.jobIds, deps.batchSize);
  const summary = await summarize(db, marketId, run.blocked);
  await storeResult(db, command.scope, key, summary);
  return { result: summary, idempotencyHit: false, settled: run.changed };
}
