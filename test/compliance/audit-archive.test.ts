// Audit records past their retention leave the database as signed gzip files and stay
// verifiable: the archive round trip, its idempotence, and tampering with an archive file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openArchiveStore,
  parseSigningKey,
  verifyChains,
  verifyWithArchives,
} from '../../src/modules/audit/index.ts';
import { useTestApp } from '../support/app.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ibet-audit-archive-'));
const KEY = 'hmac:an archive signing secret that is long enough';

describe('audit archive', () => {
  const t = useTestApp({
    env: {
      IBET_AUDIT_SIGNING_KEY: KEY,
      IBET_AUDIT_ARCHIVE_LOCATION: dir,
      IBET_AUDIT_RETENTION_DAYS: '90',
    },
  });
  const store = openArchiveStore(dir);
  const signer = parseSigningKey(KEY);
  const OLD = 30;

  beforeAll(async () => {
    // Records from 100 days ago (written with their time, as a migration from an older
    // system would), then recent ones.
    for (let i = 0; i < OLD; i++) {
      await t.db.transaction((tx) =>
        tx.query(
          `INSERT INTO audit.events (at, actor_kind, action, target_type, target_id, details)
           VALUES (now() - interval '100 days' + make_interval(mins => $1), 'system', 'staff.old_action', 'thing', $2, $3::jsonb)`,
          [i, `t-${i}`, JSON.stringify({ n: i, note: 'ünïcødé "quoted"' })],
        ),
      );
    }
    const player = await t.player();
    await t.deposit(player, '2500');
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('moves the records past retention into signed archive files and removes them from the database', async () => {
    const [{ n: recentBefore }] = (await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit.events WHERE at >= now() - interval '90 days'`,
    )) as [{ n: number }];
    await t.app.runJobs();
    const [{ n: old }] = (await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit.events WHERE at < now() - interval '90 days'`,
    )) as [{ n: number }];
    expect(old).toBe(0);
    const [{ n: recentAfter }] = (await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit.events WHERE at >= now() - interval '90 days'`,
    )) as [{ n: number }];
    expect(recentAfter).toBeGreaterThanOrEqual(recentBefore);
    const archives = await t.db.query<{
      object_key: string;
      records: number;
      pruned_at: Date | null;
    }>('SELECT object_key, records, pruned_at FROM audit.archives ORDER BY id');
    expect(archives.reduce((sum, a) => sum + a.records, 0)).toBe(OLD);
    expect(archives.every((a) => a.pruned_at !== null)).toBe(true);
    const first = archives[0]!;
    const lines = gunzipSync(readFileSync(path.join(dir, first.object_key)))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(first.records);
    expect(lines[0]).toMatchObject({
      action: 'staff.old_action',
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const sidecar = JSON.parse(
      readFileSync(path.join(dir, `${first.object_key}.sig.json`), 'utf8'),
    );
    expect(sidecar).toMatchObject({ format: 'ibet-audit-archive/1', algorithm: 'hmac-sha256' });
  });

  it('verifies the archives and the database as one chain, through the admin endpoint too', async () => {
    const report = await verifyWithArchives(t.db, store, signer);
    expect(report).toMatchObject({ ok: true, broken: [], archivedRecords: OLD });
    // The database alone continues from the archives' last hashes.
    expect((await verifyChains(t.db)).ok).toBe(true);
    const compliance = await t.staff(['compliance']);
    const response = await t.api.post('/api/v1/admin/audit/verify?archives=true', undefined, {
      token: compliance.token,
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, archivedRecords: OLD });
  });

  it('archives nothing twice when it runs again', async () => {
    const [{ n: before }] = (await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM audit.archives',
    )) as [{ n: number }];
    await t.app.runJobs();
    const [{ n: after }] = (await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM audit.archives',
    )) as [{ n: number }];
    expect(after).toBe(before);
  });

  it('detects an archive file whose records were changed, and one signed with another key', async () => {
    const [first] = await t.db.query<{ object_key: string; chain: number; from_seq: bigint }>(
      'SELECT object_key, chain, from_seq FROM audit.archives ORDER BY id LIMIT 1',
    );
    const file = path.join(dir, first!.object_key);
    const original = readFileSync(file);
    const altered = gunzipSync(original)
      .toString('utf8')
      .replace('staff.old_action', 'staff.new_action');
    writeFileSync(file, gzipSync(Buffer.from(altered)));
    try {
      const report = await verifyWithArchives(t.db, store, signer);
      expect(report.ok).toBe(false);
      expect(report.broken[0]).toMatchObject({
        chain: first!.chain,
        seq: first!.from_seq.toString(),
        reason: 'archive_mismatch',
      });
      expect(report.broken[0]!.detail).toContain(first!.object_key);
    } finally {
      writeFileSync(file, original);
    }
    const otherKey = parseSigningKey('hmac:some other secret that is also long enough');
    const forged = await verifyWithArchives(t.db, store, otherKey);
    expect(forged.ok).toBe(false);
    expect(forged.broken[0]!.detail).toContain('signature');
    expect((await verifyWithArchives(t.db, store, signer)).ok).toBe(true);
  });

  it('signs with Ed25519 keys as well as HMAC', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('ed25519');
    const der = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    const ed = parseSigningKey(`ed25519:${der}`);
    const signature = ed.sign('manifest');
    expect(ed.algorithm).toBe('ed25519');
    expect(ed.verify('manifest', signature)).toBe(true);
    expect(ed.verify('manifest!', signature)).toBe(false);
  });
});
