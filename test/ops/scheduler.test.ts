// Scheduled jobs coordinated through PostgreSQL: however many workers poll, a due job runs
// once; a job whose worker died is taken over when its lease runs out; failures are recorded
// and counted; the ledger check exports whether the ledger holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/platform/db/db.ts';
import { type Job, startScheduler } from '../../src/platform/jobs.ts';
import { createLogger } from '../../src/platform/observability/logger.ts';
import { createMetrics } from '../../src/platform/observability/metrics.ts';
import { useTestApp } from '../support/app.ts';
import { createTestDb } from '../support/db.ts';
import { engine } from '../support/engine.ts';
import { parseExposition, sampleValue } from './support/prometheus.ts';

const log = createLogger('silent');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`the job scheduler (${engine})`, () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('runs a due job once however many workers claim it at the same time', async () => {
    const runs: string[] = [];
    const jobs = (worker: string): Job[] => [
      {
        name: 'test.once',
        everySeconds: 3600,
        async run() {
          runs.push(worker);
          await sleep(50);
        },
      },
      {
        name: 'test.other',
        everySeconds: 3600,
        run: async () => void runs.push(`${worker}:other`),
      },
    ];
    const workers = ['a', 'b', 'c', 'd'].map((w) =>
      startScheduler({ db, jobs: jobs(w), log, poll: false }),
    );
    const claimed = await Promise.all(workers.map((w) => w.runDue()));
    expect(runs.filter((r) => !r.endsWith(':other'))).toHaveLength(1);
    expect(runs.filter((r) => r.endsWith(':other'))).toHaveLength(1);
    expect(claimed.flat().sort()).toEqual(['test.once', 'test.other']);
    // Not due again for an hour.
    expect((await Promise.all(workers.map((w) => w.runDue()))).flat()).toEqual([]);
    const [row] = await db.query<{
      runs: bigint;
      last_status: string;
      leased_by: string | null;
      due_in: number;
    }>(
      `SELECT runs, last_status, leased_by, extract(epoch FROM next_run_at - now())::float8 AS due_in
       FROM platform.jobs WHERE name = 'test.once'`,
    );
    expect(row).toMatchObject({ last_status: 'ok', leased_by: null });
    expect(Number(row!.runs)).toBe(1);
    expect(row!.due_in).toBeGreaterThan(3500);
    await Promise.all(workers.map((w) => w.stop()));
  });

  it('leaves a job alone while another worker holds it, and takes it over once the lease has run out', async () => {
    let runs = 0;
    const job: Job = { name: 'test.lease', everySeconds: 60, run: async () => void runs++ };
    const scheduler = startScheduler({ db, jobs: [job], log, poll: false });
    await scheduler.runDue();
    expect(runs).toBe(1);
    // Due again, but a worker (since gone) holds it.
    await db.query(
      `UPDATE platform.jobs SET next_run_at = now() - interval '1 second', leased_by = 'gone:1',
         leased_until = now() + interval '1 hour' WHERE name = 'test.lease'`,
    );
    expect(await scheduler.runDue()).toEqual([]);
    await db.query(
      `UPDATE platform.jobs SET leased_until = now() - interval '1 second' WHERE name = 'test.lease'`,
    );
    expect(await scheduler.runDue()).toEqual(['test.lease']);
    expect(runs).toBe(2);
    await scheduler.stop();
  });

  it('records and counts a failed run and keeps the schedule', async () => {
    const metrics = createMetrics();
    const scheduler = startScheduler({
      db,
      jobs: [
        {
          name: 'test.fails',
          everySeconds: 60,
          run: async () => Promise.reject(new Error('no luck')),
        },
      ],
      log,
      metrics,
      poll: false,
    });
    expect(await scheduler.runDue()).toEqual(['test.fails']);
    const [row] = await db.query<{ last_status: string; last_error: string; failures: bigint }>(
      `SELECT last_status, last_error, failures FROM platform.jobs WHERE name = 'test.fails'`,
    );
    expect(row).toMatchObject({ last_status: 'failed', last_error: 'no luck' });
    expect(Number(row!.failures)).toBe(1);
    const { samples } = parseExposition(await metrics.registry.metrics());
    expect(
      sampleValue(samples, 'ibet_job_runs_total', { job: 'test.fails', outcome: 'failed' }),
    ).toBe(1);
    expect(await scheduler.runDue()).toEqual([]); // next attempt in a minute
    await scheduler.stop();
  });
});

describe('the ledger check job', () => {
  const t = useTestApp();

  it('exports ibet_ledger_check_ok: 1 while the ledger holds, 0 when it does not', async () => {
    const player = await t.player();
    await t.deposit(player, 1_000n);
    const ok = async () => {
      await t.app.runJobs();
      const { samples } = parseExposition(await t.app.metrics.registry.metrics());
      return sampleValue(samples, 'ibet_ledger_check_ok');
    };
    expect(await ok()).toBe(1);
    await t.db.query(
      `UPDATE wallet.accounts SET balance = balance + 1 WHERE owner_id = $1 AND kind = 'player_cash'`,
      [player.id],
    );
    try {
      expect(await ok()).toBe(0);
    } finally {
      await t.db.query(
        `UPDATE wallet.accounts SET balance = balance - 1 WHERE owner_id = $1 AND kind = 'player_cash'`,
        [player.id],
      );
    }
    expect(await ok()).toBe(1);
  });
});
