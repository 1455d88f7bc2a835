// The fault suite's world: its own PostgreSQL cluster (never the machine's server), migrated
// once into a template every scenario copies, the run's seed (IBET_FAULT_SEED, else random;
// printed so a failing run replays) and profile, and the teardown that stops every process
// the scenarios started and the cluster, and removes the run's Redis keys.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/platform/db/migrate.ts';
import { openPostgres } from '../../src/platform/db/postgres.ts';
import { createCluster, waitForCluster } from './harness/cluster.ts';
import type { FaultRun } from './harness/context.ts';
import { REDIS_URL } from './harness/processes.ts';

function killRecorded(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  for (const line of readFileSync(pidFile, 'utf8').split('\n')) {
    const pid = Number(line);
    if (!pid) continue;
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

export default async function setup(project: TestProject) {
  const seed = process.env.IBET_FAULT_SEED
    ? Number(process.env.IBET_FAULT_SEED) >>> 0
    : randomBytes(4).readUInt32BE(0);
  const profile = process.env.IBET_FAULT_PROFILE === 'long' ? 'long' : 'short';
  const port = Number(process.env.IBET_FAULT_PG_PORT ?? 5498);
  process.stdout.write(
    `\n[faults] seed ${seed} (replay: npm run test:faults -- --seed ${seed}${profile === 'long' ? ' --profile long' : ''})\n`,
  );
  const cluster = createCluster(port);
  const pidFile = path.join(cluster.dir, 'pids');
  writeFileSync(pidFile, '');
  const redisPrefix = `ibet-faults-${process.pid}-${randomBytes(3).toString('hex')}`;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    killRecorded(pidFile);
    cluster.destroy();
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    } catch {
      // Redis gone: nothing to clean
    } finally {
      redis.disconnect();
    }
  };
  const onSignal = () => {
    killRecorded(pidFile);
    cluster.destroy();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    cluster.start();
    await waitForCluster(cluster.url());
    const template = 'ibet_template';
    const admin = new pg.Client({ connectionString: cluster.url() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${template}`);
    await admin.end();
    const db = await openPostgres({ url: cluster.url(template), poolSize: 1 });
    await migrate(db);
    await db.close();
    const run: FaultRun = { dir: cluster.dir, port, template, seed, profile, pidFile, redisPrefix };
    project.provide('faultRun', run);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  };
}
