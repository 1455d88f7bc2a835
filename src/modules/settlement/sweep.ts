// The worker's safety net: takes over settlement jobs whose runner died (their lease ran out)
// or whose corrections waited for players' balances, and settles bets left open on markets
// resulted without a job (a crash between recording a result and creating its job is not
// possible — they commit together — but results recorded by other means are covered too).
import type { Db } from '../../platform/db/db.ts';
import { marketsWithOpenBets } from '../betting/index.ts';
import { getMarketResult, resultedMarketIds } from '../catalog/index.ts';
import { createJob, jobsOf, partsFor, runDueJobs, runJobs } from './jobs.ts';
import type { SettledBet } from './settle-bets.ts';

export async function sweepResultedMarkets(db: Db, lookbackHours = 72): Promise<SettledBet[]> {
  const settled = await runDueJobs(db);
  const since = new Date(Date.now() - lookbackHours * 3600_000);
  const resulted = await resultedMarketIds(db, since);
  if (resulted.length === 0) return settled;
  for (const marketId of await marketsWithOpenBets(db, resulted)) {
    const result = await getMarketResult(db, marketId);
    if (!result) continue;
    // A market with a job is its job's (runDueJobs takes it over when its lease runs out).
    if ((await jobsOf(db, marketId, result.version)).length > 0) continue;
    const jobIds = await db.transaction((tx) =>
      createJob(tx, marketId, result.version, null, null, partsFor(db)),
    );
    settled.push(...(await runJobs(db, jobIds)).changed);
  }
  return settled;
}
