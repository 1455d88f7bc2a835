// The betting worker: checks pending in-play bets whose delay has passed and runs automatic
// cash outs, every half second in a worker process (and once per `runJobs` in tests). Both are
// state in the database, so any number of workers may run, and a worker that stops loses
// nothing: the next one finds the same bets.
import type { Logger } from 'pino';
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/db.ts';
import { runAutoCashOuts } from './cash-out.ts';
import { confirmPendingBets } from './pending.ts';

export const BETTING_POLL_MS = 500;

export interface BettingJobsOutcome {
  accepted: number;
  rejected: number;
  cashedOut: number;
}

export async function runBettingJobs(db: Db, config: Config): Promise<BettingJobsOutcome> {
  const pending = await confirmPendingBets(db);
  const cashedOut = await runAutoCashOuts({
    db,
    marginBps: config.sportsbook.cashOutMarginBps,
    quoteSeconds: config.sportsbook.cashOutQuoteSeconds,
  });
  return {
    accepted: pending.accepted.length,
    rejected: pending.rejected.length,
    cashedOut: cashedOut.length,
  };
}

/** Forgets cash-out quotes that expired an hour ago or more. */
export async function pruneCashOutQuotes(db: Db): Promise<number> {
  const rows = await db.query(
    `DELETE FROM betting.cash_out_quotes WHERE expires_at < now() - interval '1 hour' RETURNING 1`,
  );
  return rows.length;
}

export interface BettingWorker {
  stop(): Promise<void>;
}

export function startBettingWorker(options: {
  db: Db;
  config: Config;
  log: Logger;
  intervalMs?: number;
}): BettingWorker {
  const { db, config, log } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    running = runBettingJobs(db, config)
      .then((outcome) => {
        if (outcome.rejected > 0 || outcome.cashedOut > 0) log.info(outcome, 'betting jobs');
      })
      .catch((error) => log.error({ err: error }, 'betting jobs failed'))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, options.intervalMs ?? BETTING_POLL_MS);
      });
  };
  timer = setTimeout(tick, options.intervalMs ?? BETTING_POLL_MS);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
