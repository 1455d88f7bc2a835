// Periodic jobs shared by any number of worker processes. Each job is a row of platform.jobs;
// a worker claims a due job by leasing its row (FOR UPDATE SKIP LOCKED: the others skip it),
// runs it outside any transaction, and schedules its next run. A worker that dies mid-run
// leaves a lease that runs out, and the job is taken again — so jobs are written to be safe
// to repeat (the settlement sweep, pruning, reconciliation all are).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Db } from './db/db.ts';
import type { Metrics } from './observability/metrics.ts';
import { inSpan } from './observability/tracing.ts';

export interface Job {
  /** Stable name: the row in platform.jobs and the `job` label of the metrics. */
  name: string;
  /** Time from the end of one run to the start of the next. */
  everySeconds: number;
  /** How long a run may hold the job before another worker may take it over (default 300 s). */
  leaseSeconds?: number;
  run(): Promise<void>;
}

export interface Scheduler {
  /** Runs the jobs that are due and not held by another worker; returns their names. */
  runDue(): Promise<string[]>;
  /** Runs every job now, in order, whatever its schedule (tests, `runJobs()`). */
  runAll(): Promise<void>;
  /** Stops claiming jobs and waits for the one running. */
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  db: Db;
  jobs: readonly Job[];
  log: Logger;
  metrics?: Metrics | undefined;
  /** false: nothing runs by itself; call runDue()/runAll(). */
  poll?: boolean;
  pollMs?: number;
}

export function startScheduler(options: SchedulerOptions): Scheduler {
  const { db, log, metrics } = options;
  const jobs = new Map(options.jobs.map((job) => [job.name, job]));
  const worker = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  let registered: Promise<void> | undefined;
  let running: Promise<unknown> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  // New jobs are due at once; an existing row keeps its schedule and takes the new interval.
  const register = () =>
    (registered ??= db
      .query(
        `INSERT INTO platform.jobs (name, every_seconds)
         SELECT * FROM unnest($1::text[], $2::int[])
         ON CONFLICT (name) DO UPDATE SET every_seconds = EXCLUDED.every_seconds`,
        [[...jobs.keys()], [...jobs.values()].map((j) => Math.max(1, Math.round(j.everySeconds)))],
      )
      .then(() => undefined)
      .catch((error) => {
        registered = undefined;
        throw error;
      }));

  const execute = async (job: Job): Promise<'ok' | 'failed'> => {
    const stop = metrics?.jobDuration.startTimer({ job: job.name });
    try {
      await inSpan(`job ${job.name}`, () => job.run());
      metrics?.jobRuns.inc({ job: job.name, outcome: 'ok' });
      metrics?.jobLastSuccess.set({ job: job.name }, Date.now() / 1000);
      return 'ok';
    } catch (error) {
      metrics?.jobRuns.inc({ job: job.name, outcome: 'failed' });
      log.error({ err: error, job: job.name }, 'scheduled job failed');
      throw error;
    } finally {
      stop?.();
    }
  };

  const claim = async (): Promise<Job | undefined> => {
    const [row] = await db.query<{ name: string }>(
      `UPDATE platform.jobs j
       SET leased_until = now() + make_interval(secs => c.lease), leased_by = $3, last_started_at = now()
       FROM (
         SELECT p.name, x.lease FROM platform.jobs p
         JOIN unnest($1::text[], $2::int[]) AS x(name, lease) ON x.name = p.name
         WHERE p.next_run_at <= now() AND (p.leased_until IS NULL OR p.leased_until < now())
         ORDER BY p.next_run_at LIMIT 1 FOR UPDATE OF p SKIP LOCKED) c
       WHERE j.name = c.name
       RETURNING j.name`,
      [[...jobs.keys()], [...jobs.values()].map((j) => j.leaseSeconds ?? 300), worker],
    );
    return row ? jobs.get(row.name) : undefined;
  };

  const finish = (job: Job, status: 'ok' | 'failed', error?: unknown) =>
    db.query(
      `UPDATE platform.jobs
       SET next_run_at = now() + make_interval(secs => every_seconds), leased_until = NULL,
           leased_by = NULL, last_finished_at = now(), last_status = $2, last_error = $3,
           runs = runs + 1, failures = failures + CASE WHEN $2 = 'failed' THEN 1 ELSE 0 END
       WHERE name = $1 AND leased_by = $4`,
      [
        job.name,
        status,
        error === undefined ? null : String((error as Error)?.message ?? error).slice(0, 2000),
        worker,
      ],
    );

  const runDue = async (): Promise<string[]> => {
    await register();
    const ran: string[] = [];
    for (let job = await claim(); job && !stopped; job = await claim()) {
      try {
        await execute(job);
        await finish(job, 'ok');
      } catch (error) {
        await finish(job, 'failed', error);
      }
      ran.push(job.name);
    }
    return ran;
  };

  const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
    while (running) await running.catch(() => undefined);
    const current = fn();
    running = current;
    try {
      return await current;
    } finally {
      running = undefined;
    }
  };

  const tick = async () => {
    try {
      await exclusive(runDue);
    } catch (error) {
      log.error({ err: error }, 'scheduler could not claim jobs; retrying');
    }
    if (!stopped) timer = setTimeout(tick, options.pollMs ?? 1000);
  };
  if (options.poll !== false) timer = setTimeout(tick, options.pollMs ?? 1000);

  return {
    runDue: () => exclusive(runDue),
    runAll: () =>
      exclusive(async () => {
        for (const job of jobs.values()) await execute(job);
      }),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      while (running) await running.catch(() => undefined);
    },
  };
}
