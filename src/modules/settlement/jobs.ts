// A market's settlement as a job (settlement.jobs): its bets in id order, in batches, each batch
// one transaction that locks the job row, locks the next bets, settles or resettles them and
// moves the job's cursor past them. A process that dies mid-job leaves the cursor at the last
// batch that committed; the worker takes the job over once its lease has run out and carries on
// from there. Several runners of one job take turns on its row, so they share the work.
import { v7 as uuidv7 } from 'uuid';
import type { Db, Queryable, Tx } from '../../platform/db/db.ts';
import { lockBetsOnMarket } from '../betting/index.ts';
import { reconcileBets, type SettledBet } from './settle-bets.ts';

export const DEFAULT_BATCH = 2000;
/** A runner renews the lease with every batch; past it, the worker takes the job over. */
const LEASE_SECONDS = 60;
/** A pass that left corrections blocked (balances too low) is tried again after this. */
const BLOCKED_RETRY_SECONDS = 300;

interface JobRow {
  id: string;
  market_id: string;
  result_version: number;
  requested_by: string | null;
  reason: string | null;
  after_bet: string | null;
  blocked: number;
  finished_at: Date | null;
  newest: number;
}

/** Creates the job of a market's result version (once; the same version again finds it). */
export async function createJob(
  tx: Tx,
  marketId: string,
  version: number,
  requestedBy: string | null,
  reason: string | null,
): Promise<string> {
  await tx.query(
    `INSERT INTO settlement.jobs (id, market_id, result_version, requested_by, reason, leased_until)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
     ON CONFLICT (market_id, result_version) DO NOTHING`,
    [uuidv7(), marketId, version, requestedBy, reason, LEASE_SECONDS],
  );
  const [row] = await tx.query<{ id: string }>(
    'SELECT id FROM settlement.jobs WHERE market_id = $1 AND result_version = $2',
    [marketId, version],
  );
  return row!.id;
}

export interface JobRun {
  changed: SettledBet[];
  /** Bets whose correction waits for the player's balance (this pass). */
  blocked: number;
  finished: boolean;
}

/** Runs one batch; returns whether the job is done (or blocked until later). */
async function runBatch(
  db: Db,
  jobId: string,
  batchSize: number,
): Promise<{ changed: SettledBet[]; blocked: number; more: boolean; finished: boolean }> {
  return db.transaction(async (tx) => {
    const [job] = await tx.query<JobRow>(
      `SELECT j.*, (SELECT max(result_version) FROM settlement.jobs n WHERE n.market_id = j.market_id) AS newest
       FROM settlement.jobs j WHERE j.id = $1 FOR UPDATE`,
      [jobId],
    );
    if (!job || job.finished_at) return { changed: [], blocked: 0, more: false, finished: true };
    if (job.newest > job.result_version) {
      // A correction came since: its job settles every bet against the newest result.
      await tx.query('UPDATE settlement.jobs SET finished_at = now() WHERE id = $1', [jobId]);
      return { changed: [], blocked: 0, more: false, finished: true };
    }
    const bets = await lockBetsOnMarket(tx, job.market_id, job.after_bet, batchSize);
    const outcome = await reconcileBets(tx, bets, { by: job.requested_by, reason: job.reason });
    const blocked = job.blocked + outcome.blocked.length;
    const more = bets.length === batchSize;
    if (more) {
      await tx.query(
        `UPDATE settlement.jobs SET after_bet = $2, blocked = $3, bets_changed = bets_changed + $4,
           leased_until = now() + make_interval(secs => $5)
         WHERE id = $1`,
        [jobId, bets.at(-1)!.id, blocked, outcome.changed.length, LEASE_SECONDS],
      );
    } else if (blocked > 0) {
      // Start over later: by then the players may cover their corrections.
      await tx.query(
        `UPDATE settlement.jobs SET after_bet = NULL, blocked = 0, bets_changed = bets_changed + $2,
           leased_until = now() + make_interval(secs => $3)
         WHERE id = $1`,
        [jobId, outcome.changed.length, BLOCKED_RETRY_SECONDS],
      );
    } else {
      await tx.query(
        `UPDATE settlement.jobs SET after_bet = NULL, bets_changed = bets_changed + $2, finished_at = now(),
           leased_until = NULL
         WHERE id = $1`,
        [jobId, outcome.changed.length],
      );
    }
    return { changed: outcome.changed, blocked, more, finished: !more && blocked === 0 };
  });
}

/** Runs a job to the end of its pass (several runners may run one job; they take turns). */
export async function runJob(db: Db, jobId: string, batchSize = DEFAULT_BATCH): Promise<JobRun> {
  const changed: SettledBet[] = [];
  for (;;) {
    const batch = await runBatch(db, jobId, batchSize);
    changed.push(...batch.changed);
    if (!batch.more) return { changed, blocked: batch.blocked, finished: batch.finished };
  }
}

/** The worker: takes over unfinished jobs whose lease ran out (a crash, blocked corrections). */
export async function runDueJobs(db: Db, batchSize = DEFAULT_BATCH): Promise<SettledBet[]> {
  const due = await db.query<{ id: string }>(
    `UPDATE settlement.jobs SET leased_until = now() + make_interval(secs => $1)
     WHERE id IN (SELECT id FROM settlement.jobs
                  WHERE finished_at IS NULL AND (leased_until IS NULL OR leased_until < now())
                  ORDER BY created_at LIMIT 20 FOR UPDATE SKIP LOCKED)
     RETURNING id`,
    [LEASE_SECONDS],
  );
  const changed: SettledBet[] = [];
  for (const { id } of due) changed.push(...(await runJob(db, id, batchSize)).changed);
  return changed;
}

/** The job of a market's current result version, if there is one. */
export async function jobOf(q: Queryable, marketId: string, version: number) {
  const [row] = await q.query<{ id: string; finished_at: Date | null }>(
    'SELECT id, finished_at FROM settlement.jobs WHERE market_id = $1 AND result_version = $2',
    [marketId, version],
  );
  return row;
}
