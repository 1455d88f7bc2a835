// Tampering with the audit trail as a database superuser (who can bypass the append-only
// triggers) is detected: `npm run audit:verify` and verifyChains name the first broken link.
// On PostgreSQL the application's role (ibet_app) cannot even try: it has INSERT and SELECT
// only on the audit table.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { verifyChains } from '../../src/modules/audit/index.ts';
import { openPlayerAccounts, sandboxProvider } from '../../src/modules/wallet/index.ts';
import { deposit } from '../../src/modules/wallet/payments.ts';
import { loadConfig } from '../../src/platform/config.ts';
import type { Db } from '../../src/platform/db/db.ts';
import { openPglite } from '../../src/platform/db/pglite.ts';
import { openPostgres } from '../../src/platform/db/postgres.ts';
import { databaseUrl, engine, postgresUrl } from '../support/engine.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function cli(args: string[], env: Record<string, string>) {
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    LOG_LEVEL: 'silent',
    ...env,
  };
  if (!env.DATABASE_URL) delete childEnv.DATABASE_URL;
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', ...args],
      { cwd: ROOT, env: childEnv, timeout: 150_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface Target {
  env: Record<string, string>;
  open(): Promise<Db>;
  cleanup(): Promise<void>;
}

async function prepareTarget(): Promise<Target> {
  if (postgresUrl) {
    const runId = process.env.VITEST_POOL_ID ? process.ppid : process.pid;
    const name = `ibet_t_${runId}_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('template')}`);
    const url = databaseUrl(postgresUrl, name);
    return {
      env: { DATABASE_URL: url },
      open: () => openPostgres({ url, poolSize: 2 }),
      async cleanup() {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'ibet-audit-cli-'));
  const env = { IBET_DATA_DIR: dir };
  const migrated = await cli(['migrate'], env);
  expect(migrated, migrated.stderr).toMatchObject({ code: 0 });
  return {
    env,
    open: () => openPglite({ dataDir: path.join(dir, 'pglite') }),
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs SQL as the superuser with the append-only triggers out of the way. */
async function tamper(db: Db, ...statements: string[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SET LOCAL session_replication_role = replica');
    for (const sql of statements) await tx.query(sql);
  });
}

interface Link {
  event_id: bigint;
  chain: number;
  seq: bigint;
}

describe(`audit chain tampering (${engine})`, () => {
  let target: Target;
  let db: Db;
  let links: Link[];

  beforeAll(async () => {
    target = await prepareTarget();
    db = await target.open();
    const { limits } = loadConfig({});
    // Several money moves, each audited in its own transaction.
    for (let i = 0; i < 12; i++) {
      const ownerId = randomUUID();
      await db.transaction((tx) => openPlayerAccounts(tx, ownerId, 'EUR'));
      await deposit(
        { db, provider: sandboxProvider, limits },
        {
          scope: ownerId,
          idempotencyKey: randomUUID(),
          input: { ownerId, amount: 1_000n + BigInt(i) },
        },
      );
    }
    // A chain with at least three links, so that one can be removed from its middle.
    const [busy] = await db.query<{ chain: number }>(
      'SELECT chain FROM audit.chain_links GROUP BY chain HAVING count(*) >= 3 ORDER BY count(*) DESC LIMIT 1',
    );
    if (!busy) {
      // Few transactions may land in different chains: add records until one has three.
      for (let i = 0; i < 200; i++) {
        await db.transaction((tx) =>
          tx.query(`INSERT INTO audit.events (action, details) VALUES ('test.filler', '{}')`),
        );
        const [c] = await db.query<{ chain: number }>(
          'SELECT chain FROM audit.chain_links GROUP BY chain HAVING count(*) >= 3 LIMIT 1',
        );
        if (c) break;
      }
    }
    const [chain] = await db.query<{ chain: number }>(
      'SELECT chain FROM audit.chain_links GROUP BY chain HAVING count(*) >= 3 ORDER BY count(*) DESC LIMIT 1',
    );
    links = await db.query<Link>(
      'SELECT event_id, chain, seq FROM audit.chain_links WHERE chain = $1 ORDER BY seq',
      [chain!.chain],
    );
  }, 180_000);

  afterAll(async () => {
    await db?.close();
    await target?.cleanup();
  });

  it('verifies an untouched trail, through npm run audit:verify too', async () => {
    expect(await verifyChains(db)).toMatchObject({ ok: true, broken: [] });
    await db.close();
    const run = await cli(['audit:verify'], target.env);
    db = await target.open();
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, broken: [] });
  }, 180_000);

  it('detects an altered record and names it', async () => {
    const victim = links[1]!;
    const [original] = await db.query<{ details: string }>(
      'SELECT details::text AS details FROM audit.events WHERE id = $1',
      [victim.event_id],
    );
    await tamper(
      db,
      `UPDATE audit.events SET details = jsonb_set(details, '{tampered}', 'true') WHERE id = ${victim.event_id}`,
    );
    const report = await verifyChains(db);
    expect(report.ok).toBe(false);
    expect(report.broken[0]).toMatchObject({
      chain: victim.chain,
      seq: victim.seq.toString(),
      eventId: victim.event_id.toString(),
      reason: 'hash_mismatch',
    });
    await db.close();
    const run = await cli(['audit:verify'], target.env);
    db = await target.open();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `chain ${victim.chain} at link ${victim.seq} (record ${victim.event_id})`,
    );
    // Putting the record back as it was makes the chain hold again.
    await tamper(
      db,
      `UPDATE audit.events SET details = '${original!.details.replaceAll("'", "''")}'::jsonb WHERE id = ${victim.event_id}`,
    );
    expect((await verifyChains(db)).ok).toBe(true);
  }, 180_000);

  it('detects a deleted record, with or without its link', async () => {
    const victim = links[1]!;
    const [saved] = await db.query<Record<string, unknown>>(
      `SELECT id, at::text AS at, actor_id, actor_kind, action, target_type, target_id, outcome, ip, request_id, details::text AS details
       FROM audit.events WHERE id = $1`,
      [victim.event_id],
    );
    await tamper(db, `DELETE FROM audit.events WHERE id = ${victim.event_id}`);
    expect((await verifyChains(db)).broken[0]).toMatchObject({
      chain: victim.chain,
      seq: victim.seq.toString(),
      reason: 'record_missing',
    });
    await tamper(db, `DELETE FROM audit.chain_links WHERE event_id = ${victim.event_id}`);
    expect((await verifyChains(db)).broken[0]).toMatchObject({
      chain: victim.chain,
      seq: victim.seq.toString(),
      reason: 'sequence_gap',
    });
    // Restore both, as they were.
    await db.transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query(
        `INSERT INTO audit.events (id, at, actor_id, actor_kind, action, target_type, target_id, outcome, ip, request_id, details)
         OVERRIDING SYSTEM VALUE VALUES ($1, $2::text::timestamptz, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)`,
        [
          saved!.id,
          saved!.at,
          saved!.actor_id,
          saved!.actor_kind,
          saved!.action,
          saved!.target_type,
          saved!.target_id,
          saved!.outcome,
          saved!.ip,
          saved!.request_id,
          saved!.details,
        ],
      );
    });
    await restoreLink(victim);
    expect(await verifyChains(db)).toMatchObject({ ok: true });
  }, 180_000);

  async function restoreLink(victim: Link) {
    // The chain's neighbours carry the hashes the removed link had.
    const [prev] = await db.query<{ hash: Buffer }>(
      'SELECT hash FROM audit.chain_links WHERE chain = $1 AND seq = $2',
      [victim.chain, victim.seq - 1n],
    );
    const [next] = await db.query<{ prev_hash: Buffer }>(
      'SELECT prev_hash FROM audit.chain_links WHERE chain = $1 AND seq = $2',
      [victim.chain, victim.seq + 1n],
    );
    await db.transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query(
        'INSERT INTO audit.chain_links (event_id, chain, seq, prev_hash, hash) VALUES ($1, $2, $3, $4, $5)',
        [
          victim.event_id,
          victim.chain,
          victim.seq,
          Buffer.from(prev!.hash),
          Buffer.from(next!.prev_hash),
        ],
      );
    });
  }

  it('detects reordered records', async () => {
    const [a, b] = [links[0]!, links[1]!];
    // Swap the two records' positions in the chain.
    await tamper(
      db,
      `UPDATE audit.chain_links SET seq = -seq WHERE event_id IN (${a.event_id}, ${b.event_id})`,
      `UPDATE audit.chain_links SET seq = CASE WHEN event_id = ${a.event_id} THEN ${b.seq} ELSE ${a.seq} END
       WHERE event_id IN (${a.event_id}, ${b.event_id})`,
    );
    const report = await verifyChains(db);
    expect(report.ok).toBe(false);
    expect(report.broken[0]).toMatchObject({ chain: a.chain, seq: a.seq.toString() });
    expect(['hash_mismatch', 'prev_hash_mismatch']).toContain(report.broken[0]!.reason);
    await tamper(
      db,
      `UPDATE audit.chain_links SET seq = -seq WHERE event_id IN (${a.event_id}, ${b.event_id})`,
      `UPDATE audit.chain_links SET seq = CASE WHEN event_id = ${a.event_id} THEN ${a.seq} ELSE ${b.seq} END
       WHERE event_id IN (${a.event_id}, ${b.event_id})`,
    );
    expect((await verifyChains(db)).ok).toBe(true);
  }, 180_000);

  it('detects a record slipped in without a link, and a removed tail', async () => {
    await tamper(db, `INSERT INTO audit.events (action, details) VALUES ('staff.backdated', '{}')`);
    const report = await verifyChains(db);
    expect(report.broken.at(-1)).toMatchObject({ reason: 'unsealed_record', chain: -1 });
    await tamper(db, `DELETE FROM audit.events WHERE action = 'staff.backdated'`);
    const last = links.at(-1)!;
    await tamper(db, `DELETE FROM audit.chain_links WHERE event_id = ${last.event_id}`);
    expect((await verifyChains(db)).broken[0]).toMatchObject({
      chain: last.chain,
      seq: last.seq.toString(),
      reason: 'head_mismatch',
    });
  }, 180_000);

  it.runIf(engine === 'postgres')(
    'gives the application role INSERT and SELECT only on the audit table',
    async () => {
      const [row] = await db.query<{ id: bigint }>('SELECT id FROM audit.events LIMIT 1');
      const asApp = async (sql: string) =>
        db.transaction(async (tx) => {
          await tx.query('SET LOCAL ROLE ibet_app');
          return tx.query(sql);
        });
      for (const sql of [
        `UPDATE audit.events SET action = 'auth.nothing' WHERE id = ${row!.id}`,
        `DELETE FROM audit.events WHERE id = ${row!.id}`,
        'TRUNCATE audit.events',
        `UPDATE audit.chain_links SET seq = seq WHERE event_id = ${row!.id}`,
        `INSERT INTO audit.chain_links VALUES (0, 0, 0, '\\x00', '\\x00')`,
        'UPDATE audit.chains SET seq = 0',
      ]) {
        await expect(asApp(sql), sql).rejects.toMatchObject({ code: '42501' });
      }
      // It may append (and the record is sealed as the owner at commit) and read.
      await asApp(`INSERT INTO audit.events (action, details) VALUES ('test.as_app', '{}')`);
      const [read] = await asApp(
        `SELECT count(*)::int AS n FROM audit.events e JOIN audit.chain_links l ON l.event_id = e.id
         WHERE e.action = 'test.as_app'`,
      );
      expect(read).toEqual({ n: 1 });
      // And the wallet tables it needs stay writable.
      await asApp('SELECT count(*) FROM wallet.transfers');
      await expect(
        asApp(`SELECT set_config('ibet.audit_pruning', 'on', true); DELETE FROM audit.events`),
      ).rejects.toBeDefined();
    },
    60_000,
  );
});
