// A market's settlement as a job (settlement.jobs): its bets in id order, in batches, each batch
// one transaction that locks the job row, locks the next bets, settles or resettles them and
// moves the job's cursor past them. A process that dies mid-job leaves the cursor at the last
// batch that committed; the worker takes the job over once its lease has run out and carries on
// from there. Several runners of one job take turns on its row, so they share the work.
//
// A job is cut into parts (`partsFor`): part p of n takes the bets of the players whose
// liability shard is p modulo n. The parts run side by side, so a large market's settlement is
// not one chain of batches, and they lock disjoint rows: different bets, different players'
// accounts, different liability shards.
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
  part: number;
  parts: number;
  after_bet: string | null;
  blocked: number;
  finished_at: Date | null;
  newest: number;
}

/**
 * How many parts a job of this process gets: one on PGlite (a single connection, nothing to
 * run side by side); on PostgreSQL 4 with a pool of 16 or more, 2 from 8 (a quarter of the pool
 * at most, so that a market being settled leaves the rest of the process's connections to its
 * other work, and a power of two, so that the parts split the liability shards between them).
 */
export function partsFor(db: Db): number {
  if (db.engine === 'pglite') return 1;
  return db.gate.size >= 16 ? 4 : db.gate.size >= 8 ? 2 : 1;
}

/**
 * Creates the job of a market's result version in `parts` parts (once: the same version
 * again finds the parts it already has). Returns the parts' ids in part order.
 */
export async function createJob(
  tx: Tx,
  marketId: string,
  version: number,
  requestedBy: string | null,
  reason: string | null,
  parts: number,
): Promise<string[]> {
  await tx.query(
    `INSERT INTO settlement.jobs (id, market_id, result_version, requested_by, reason, leased_until, part, parts)
     SELECT u.id, $2, $3, $4, $5, now() + make_interval(secs => $6), u.n - 1, $7
     FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, n)
     WHERE NOT EXISTS (SELECT 1 FROM settlement.jobs WHERE market_id = $2 AND result_version = $3)
     ON CONFLICT (market_id, result_version, part) DO NOTHING`,
    [
      Array.from({ length: parts }, () => uuidv7()),
      marketId,
      version,
      requestedBy,
      reason,
      LEASE_SECONDS,
      parts,
    ],
  );
  return jobsOf(tx, marketId, version);
}

interface JobRun {
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
    // A part's batch looks at `parts` times as many legs, so that it still takes ~batchSize bets.
    const { bets, next } = await lockBetsOnMarket(
      tx,
      job.market_id,
      job.after_bet,
      batchSize * job.parts,
      job,
    );
    const outcome = await reconcileBets(tx, bets, { by: job.requested_by, reason: job.reason });
    const blocked = job.blocked + outcome.blocked.length;
    const more = next !== null;
    if (more) {
      await tx.query(
        `UPDATE settlement.jobs SET after_bet = $2, blocked = $3, bets_changed = bets_changed + $4,
           leased_until = now() + make_interval(secs => $5)
         WHERE id = $1`,
        [jobId, next, blocked, outcome.changed.length, LEASE_SECONDS],
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

/** Runs a job part to the end of its pass (several runners may run one; they take turns). */
async function runJob(db: Db, jobId: string, batchSize = DEFAULT_BATCH): Promise<JobRun> {
  const changed: SettledBet[] = [];
  for (;;) {
    const batch = await runBatch(db, jobId, batchSize);
    changed.push(...batch.changed);
    if (!batch.more) return { changed, blocked: batch.blocked, finished: batch.finished };
  }
}

/**
 * Runs job parts to the end of their passes, `concurrency` at a time (all of them by default).
 * Every part runs to its end even when another fails; the first failure is thrown after.
 */
export async function runJobs(
  db: Db,
  jobIds: readonly string[],
  batchSize = DEFAULT_BATCH,
  concurrency = jobIds.length,
): Promise<JobRun> {
  const queue = [...jobIds];
  const runs: JobRun[] = [];
  const runners = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift())
      runs.push(await runJob(db, id, batchSize));
  });
  const failed = (await Promise.allSettled(runners)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return {
    changed: runs.flatMap((run) => run.changed),
    blocked: runs.reduce((sum, run) => sum + run.blocked, 0),
    finished: runs.every((run) => run.finished),
  };
}

/** The worker: takes over unfinished job parts whose lease ran out (a crash, blocked corrections). */
export async function runDueJobs(db: Db, batchSize = DEFAULT_BATCH): Promise<SettledBet[]> {
  const due = await db.query<{ id: string }>(
    `UPDATE settlement.jobs SET leased_until = now() + make_interval(secs => $1)
     WHERE id IN (SELECT id FROM settlement.jobs
                  WHERE finished_at IS NULL AND (leased_until IS NULL OR leased_until < now())
                  ORDER BY created_at, part LIMIT 20 FOR UPDATE SKIP LOCKED)
     RETURNING id`,
    [LEASE_SECONDS],
  );
  const ids = due.map((row) => row.id);
  return (await runJobs(db, ids, batchSize, partsFor(db))).changed;
}

/** The ids of a market's result version's job parts (none when it has no job), in part order. */
export async function jobsOf(q: Queryable, marketId: string, version: number): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `SELECT id FROM settlement.jobs
     WHERE market_id = $1 AND result_version = $2 ORDER BY part`,
    [marketId, version],
  );
  return rows.map((row) => row.id);
}
