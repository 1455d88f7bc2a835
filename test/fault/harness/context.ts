// A scenario's world: a fresh database on the fault cluster (a copy of the migrated
// template), a control app in the test process for setting things up and reading the truth
// (staff, events, players; never on the path under test), real iBet processes, the seeded
// randomness, and at the end the figures: written, printed, and every process stopped and the
// database dropped whatever happened.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { Db } from '../../../src/platform/db/db.ts';
import { openPostgres } from '../../../src/platform/db/postgres.ts';
import { startTestApp, type TestApp } from '../../support/app.ts';
import { type Cluster, clusterAt } from './cluster.ts';
import { IbetProcess, type ProcessOptions } from './processes.ts';
import { nonZero, type ScenarioRecord, writeRecord } from './report.ts';
import { createRng, type Rng, scenarioSeed } from './rng.ts';

export interface FaultRun {
  dir: string;
  port: number;
  template: string;
  seed: number;
  profile: 'short' | 'long';
  pidFile: string;
  redisPrefix: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    faultRun: FaultRun;
  }
}

export interface Scenario {
  name: string;
  seed: number;
  rng: Rng;
  long: boolean;
  cluster: Cluster;
  run: FaultRun;
  /** The scenario's database, directly (not through any proxy). */
  url: string;
  db: Db;
  t: TestApp;
  processes: IbetProcess[];
  start(
    name: string,
    options: Partial<ProcessOptions> & { role: ProcessOptions['role'] },
  ): Promise<IbetProcess>;
  /** Writes and prints the record of `scenario` (default: the world's name); returns the
   * figures that are not 0. */
  report(
    operations: number,
    figures: Record<string, number>,
    measures?: Record<string, number | string>,
    scenario?: string,
  ): Record<string, number>;
  close(): Promise<void>;
}

export async function openScenario(name: string, number: number): Promise<Scenario> {
  const run = inject('faultRun');
  const cluster = clusterAt(run.dir, run.port);
  const seed = scenarioSeed(run.seed, number);
  const database = `ibet_f${number}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: cluster.url() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database} TEMPLATE ${run.template}`);
  await admin.end();
  const url = cluster.url(database);
  // The control connection reconciles whole databases on a busy machine: it is not what the
  // scenarios test, so it waits as long as a reconciliation takes.
  const db = await openPostgres({ url, poolSize: 4, timeoutSeconds: 600 });
  const t = await startTestApp({ db });
  let began = performance.now();
  const processes: IbetProcess[] = [];
  const s: Scenario = {
    name,
    seed,
    rng: createRng(seed),
    long: run.profile === 'long',
    cluster,
    run,
    url,
    db,
    t,
    processes,
    async start(procName, options) {
      const proc = new IbetProcess(
        procName,
        {
          databaseUrl: url,
          redisPrefix: `${run.redisPrefix}:${number}`,
          ...options,
        },
        run.pidFile,
      );
      processes.push(proc);
      return proc.start();
    },
    report(operations, figures, measures = {}, scenario = name) {
      const record: ScenarioRecord = {
        suite: 'faults',
        scenario,
        seed: run.seed,
        profile: run.profile,
        operations,
        figures,
        measures,
        seconds: Math.round((performance.now() - began) / 100) / 10,
        at: new Date().toISOString(),
      };
      writeRecord(record);
      began = performance.now();
      return nonZero(figures);
    },
    async close() {
      await Promise.all(processes.map((p) => p.kill('SIGKILL')));
      await t.close().catch(() => {});
      const drop = new pg.Client({
        connectionString: cluster.url(),
        connectionTimeoutMillis: 5000,
      });
      // The cluster may be down or restarting after a scenario: an error must not crash the run.
      drop.on('error', () => {});
      await drop
        .connect()
        .then(() => drop.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`))
        .catch(() => {});
      await drop.end().catch(() => {});
    },
  };
  return s;
}
