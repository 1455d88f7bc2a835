// Unit tests of the Lambda handlers' logic, with iBet and AWS replaced by recorded answers
// (a Lambda cannot reach a real iBet or AWS account from CI).
import { createHash, generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ArchiveManifest,
  type ArchiveRecord,
  GENESIS_HASH,
  manifestText,
  parseArchiveKey,
  verifyArchive,
} from './audit-archive.ts';
import { parsePublicKey, verifyRecentArchives } from './audit-verify.ts';
import { checkLedger } from './ledger-check.ts';
import { authorize, stageWildcard, UNAUTHORIZED } from './partner-authorizer.ts';
import { clusterCopyId, copySnapshots, planCopies, planPrunes } from './snapshot-copy.ts';
import { hotp, totp } from './totp.ts';

const KEY = `ibet_${'a'.repeat(12)}_${'b'.repeat(64)}`;
const ARN = 'arn:aws:execute-api:eu-west-1:111122223333:abc123/live/GET/api/v1/b2b/odds';
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('partner authorizer', () => {
  const calls: { url: string; key: string | null }[] = [];
  const fetchAs = (status: number, body: unknown) => async (url: string, init?: RequestInit) => {
    calls.push({ url, key: new Headers(init?.headers).get('x-api-key') });
    return json(status, body);
  };
  const deps = (status: number, body: unknown) => ({
    fetch: fetchAs(status, body),
    apiUrl: 'https://ibet.example.com',
    timeoutMs: 1000,
  });

  it('allows a key iBet knows, for every method of the stage (the answer is cached per key)', async () => {
    const result = await authorize(
      { type: 'REQUEST', methodArn: ARN, headers: { 'X-Api-Key': KEY } },
      deps(200, { partnerId: 'p-1', keyId: 'k-1', scopes: ['odds:read', 'reports:read'] }),
    );
    expect(calls.at(-1)).toEqual({ url: 'https://ibet.example.com/api/v1/b2b/me', key: KEY });
    expect(result.principalId).toBe('partner:p-1');
    expect(result.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: 'arn:aws:execute-api:eu-west-1:111122223333:abc123/live/*/*',
      },
    ]);
    expect(result.context).toEqual({
      partnerId: 'p-1',
      keyId: 'k-1',
      scopes: 'odds:read reports:read',
    });
  });

  it('answers 401 to a key iBet refuses', async () => {
    for (const status of [401, 403]) {
      await expect(
        authorize(
          { type: 'REQUEST', methodArn: ARN, headers: { 'x-api-key': KEY } },
          deps(status, {}),
        ),
      ).rejects.toThrow(UNAUTHORIZED);
    }
  });

  it('refuses a missing or malformed key without asking iBet', async () => {
    const before = calls.length;
    for (const headers of [{}, { 'x-api-key': 'nope' }, { 'x-api-key': `${KEY}x` }, null]) {
      await expect(
        authorize({ type: 'REQUEST', methodArn: ARN, headers }, deps(200, {})),
      ).rejects.toThrow(UNAUTHORIZED);
    }
    expect(calls.length).toBe(before);
  });

  it('fails (500, nothing cached) when iBet errs or answers without an identity', async () => {
    const event = { type: 'REQUEST' as const, methodArn: ARN, headers: { 'x-api-key': KEY } };
    await expect(authorize(event, deps(503, {}))).rejects.toThrow(/503/);
    await expect(authorize(event, deps(200, { partnerId: 'p' }))).rejects.toThrow(/partnerId/);
  });

  it('scopes the policy to the stage of the called method', () => {
    expect(stageWildcard('arn:aws:execute-api:us-east-1:1:api/dev/POST/a/b')).toBe(
      'arn:aws:execute-api:us-east-1:1:api/dev/*/*',
    );
    expect(() => stageWildcard('arn:aws:s3:::bucket')).toThrow();
  });
});

describe('TOTP', () => {
  it('matches the RFC 4226 and RFC 6238 test vectors', () => {
    const key = Buffer.from('12345678901234567890');
    expect([0, 1, 2].map((c) => hotp(key, c))).toEqual(['755224', '287082', '359152']);
    // "12345678901234567890" in base32; T = 59 s → 94287082 (8 digits).
    expect(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59_000, 8)).toBe('94287082');
    expect(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 1_111_111_109_000, 8)).toBe('07081804');
  });
});

describe('nightly ledger check', () => {
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  const iBet =
    (report: unknown, seen: string[] = []) =>
    async (url: string, init?: RequestInit) => {
      const path = new URL(url).pathname;
      seen.push(
        `${init?.method ?? 'GET'} ${path} ${init?.body ?? new Headers(init?.headers).get('authorization') ?? ''}`,
      );
      if (path === '/api/v1/staff/auth/login')
        return json(200, { mfaRequired: true, mfaToken: 'mt', expiresIn: 300 });
      if (path === '/api/v1/staff/auth/login/mfa')
        return json(200, {
          accessToken: 'at',
          refreshToken: 'rt',
          expiresIn: 900,
          tokenType: 'Bearer',
        });
      if (path === '/api/v1/admin/ledger/check') return json(200, report);
      return json(404, {});
    };
  const deps = (report: unknown, seen: string[], metrics: Record<string, number>[]) => ({
    fetch: iBet(report, seen),
    apiUrl: 'https://ibet.example.com',
    credentials: async () => ({
      email: 'auto@ibet.example.com',
      password: 'p'.repeat(20),
      totpSecret: secret,
    }),
    now: () => 59_000,
    timeoutMs: 1000,
    metrics: (m: Record<string, number>) => metrics.push(m),
  });

  it('signs in with the second factor and passes when the ledger holds', async () => {
    const seen: string[] = [];
    const metrics: Record<string, number>[] = [];
    await expect(
      checkLedger(deps({ ok: true, currencies: [] }, seen, metrics)),
    ).resolves.toMatchObject({ ok: true });
    expect(seen[1]).toContain('"code":"287082"');
    expect(seen[2]).toBe('GET /api/v1/admin/ledger/check Bearer at');
    expect(metrics).toEqual([{ LedgerImbalanced: 0 }]);
  });

  it('fails, with the imbalance metric, when the ledger does not hold', async () => {
    const metrics: Record<string, number>[] = [];
    await expect(checkLedger(deps({ ok: false, drift: [{}] }, [], metrics))).rejects.toThrow(
      /does not hold/,
    );
    expect(metrics).toEqual([{ LedgerImbalanced: 1 }]);
  });

  it('fails when iBet cannot be asked', async () => {
    const failing = { ...deps({ ok: true }, [], []), fetch: async () => json(503, {}) };
    await expect(checkLedger(failing)).rejects.toThrow(/503/);
  });
});

describe('audit archive verification', () => {
  // Archives made with iBet's own code (src/modules/audit), so that this verifier and the
  // archiver cannot drift apart. Imported by a computed path: the deploy package's typecheck
  // stays within deploy/.
  const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
  type AppChain = {
    linkHash(prev: Buffer, record: Omit<ArchiveRecord, 'prevHash' | 'hash'>): Buffer;
    GENESIS: Buffer;
  };
  type AppArchive = { manifestText(m: ArchiveManifest): string; ARCHIVE_FORMAT: string };
  type AppSigning = { parseSigningKey(value: string): { sign(message: string): string } };
  let app: { chain: AppChain; archive: AppArchive; signing: AppSigning };
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const signingKey = `ed25519:${privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')}`;
  const trusted = `ed25519:${publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}`;

  beforeAll(async () => {
    const load = (p: string) => import(path.join(ROOT, p));
    app = {
      chain: await load('src/modules/audit/chain.ts'),
      archive: await load('src/modules/audit/archive.ts'),
      signing: await load('src/modules/audit/signing.ts'),
    };
  });

  /** One archive as iBet writes it: records, gzip file, signed sidecar. */
  function archive(
    chain: number,
    from: number,
    count: number,
    firstPrevHash: string,
    key = signingKey,
  ) {
    const records: ArchiveRecord[] = [];
    let prev: Buffer = Buffer.from(firstPrevHash, 'hex');
    for (let seq = from; seq < from + count; seq++) {
      const fields = {
        chain,
        seq: String(seq),
        id: String(1000 + seq),
        at: `2026-11-25T10:00:${String(seq % 60).padStart(2, '0')}.123456Z`,
        actorId: seq % 2 ? '2f1b1c8e-2a52-4cf0-9c59-9e1c1e0f0a11' : null,
        actorKind: seq % 2 ? 'staff' : null,
        action: 'wallet.adjust',
        targetType: 'account',
        targetId: `acc-${seq}`,
        outcome: 'ok',
        ip: '203.0.113.7',
        requestId: `req-${seq}`,
        details: `{"amount": "${seq}00", "note": "caf\u00e9 \\"x\\""}`,
      };
      const hash = app.chain.linkHash(prev, fields);
      records.push({ ...fields, prevHash: prev.toString('hex'), hash: hash.toString('hex') });
      prev = hash;
    }
    const gzip = gzipSync(Buffer.from(`${records.map((r) => JSON.stringify(r)).join('\n')}\n`));
    const manifest: ArchiveManifest = {
      format: app.archive.ARCHIVE_FORMAT,
      chain,
      fromSeq: String(from),
      toSeq: String(from + count - 1),
      firstPrevHash,
      lastHash: prev.toString('hex'),
      records: count,
      sha256: createHash('sha256').update(gzip).digest('hex'),
      algorithm: key.startsWith('hmac:') ? 'hmac-sha256' : 'ed25519',
    };
    const signature = app.signing.parseSigningKey(key).sign(app.archive.manifestText(manifest));
    const sidecar = `${JSON.stringify({ ...manifest, signature }, null, 2)}\n`;
    return { records, gzip, manifest, sidecar };
  }

  it('verifies archives that iBet signs, from the genesis on', () => {
    const a = archive(3, 1, 40, GENESIS_HASH);
    expect(app.chain.GENESIS.toString('hex')).toBe(GENESIS_HASH);
    expect(manifestText(a.manifest)).toBe(app.archive.manifestText(a.manifest));
    const check = verifyArchive(a.gzip, a.sidecar, parsePublicKey(trusted), GENESIS_HASH);
    expect(check).toMatchObject({ ok: true, problems: [] });
    expect(check.manifest?.lastHash).toBe(a.records.at(-1)!.hash);
  });

  it('finds an edited record, a dropped record, a swapped file, a broken link and a foreign key', () => {
    const key = parsePublicKey(trusted);
    const a = archive(0, 1, 5, GENESIS_HASH);
    const rewrite = (edit: (r: ArchiveRecord[]) => void) => {
      const records = structuredClone(a.records);
      edit(records);
      return gzipSync(Buffer.from(`${records.map((r) => JSON.stringify(r)).join('\n')}\n`));
    };
    // A file changed after signing no longer has the signed digest…
    const edited = rewrite((r) => {
      r[2]!.action = 'wallet.void';
    });
    expect(verifyArchive(edited, a.sidecar, key).problems).toEqual([
      'the file differs from the one signed (SHA-256)',
    ]);
    // …and a manifest rewritten to match it no longer has a valid signature.
    const forged = JSON.stringify({
      ...JSON.parse(a.sidecar),
      sha256: createHash('sha256').update(edited).digest('hex'),
    });
    expect(verifyArchive(edited, forged, key).problems).toEqual([
      'the signature does not verify with the trusted key',
    ]);
    // Signed content that does not chain is found link by link.
    const signedEdit = (edit: (r: ArchiveRecord[]) => void) => {
      const gzip = rewrite(edit);
      const manifest = { ...a.manifest, sha256: createHash('sha256').update(gzip).digest('hex') };
      const signature = app.signing
        .parseSigningKey(signingKey)
        .sign(app.archive.manifestText(manifest));
      return verifyArchive(gzip, JSON.stringify({ ...manifest, signature }), key).problems;
    };
    expect(
      signedEdit((r) => {
        r[2]!.outcome = 'denied';
      }),
    ).toEqual(['link 3: the record does not match its hash']);
    expect(
      signedEdit((r) => {
        r.splice(1, 1);
      }),
    ).toEqual(['link 2: found chain 0 link 3 instead']);
    const next = archive(0, 6, 5, 'ab'.repeat(32));
    expect(verifyArchive(next.gzip, next.sidecar, key, a.manifest.lastHash).problems).toEqual([
      'it does not continue the previous archive of its chain',
    ]);
    const stranger = parsePublicKey(
      `ed25519:${generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}`,
    );
    expect(verifyArchive(a.gzip, a.sidecar, stranger).problems).toEqual([
      'the signature does not verify with the trusted key',
    ]);
  });

  it('refuses HMAC-signed archives: whoever could check them could forge them', () => {
    const h = archive(1, 1, 2, GENESIS_HASH, `hmac:${'s'.repeat(40)}`);
    expect(verifyArchive(h.gzip, h.sidecar, parsePublicKey(trusted)).problems).toEqual([
      'signed with hmac-sha256: only ed25519 archives verify here',
    ]);
  });

  it('checks the recent archives of every chain, each continuing the one before', async () => {
    const day = 86_400_000;
    const now = Date.parse('2026-11-26T04:30:00Z');
    const a1 = archive(0, 1, 10, GENESIS_HASH);
    const a2 = archive(0, 11, 10, a1.manifest.lastHash);
    const b1 = archive(1, 1, 5, GENESIS_HASH);
    const files = new Map<string, { body: Uint8Array; at: number; readable: boolean }>();
    const put = (key: string, a: ReturnType<typeof archive>, at: number, readable = true) => {
      files.set(`audit/${key}`, { body: a.gzip, at, readable });
      files.set(`audit/${key}.sig.json`, { body: Buffer.from(a.sidecar), at, readable });
    };
    put('chain-00/000000000001-000000000010.jsonl.gz', a1, now - 40 * day);
    put('chain-00/000000000011-000000000020.jsonl.gz', a2, now - day);
    put('chain-01/000000000001-000000000005.jsonl.gz', b1, now - 100 * day, false);
    const bucket = {
      list: async (prefix: string) =>
        [...files]
          .filter(([k]) => k.startsWith(prefix))
          .map(([key, f]) => ({ key, lastModified: f.at, readable: f.readable })),
      get: async (k: string) => files.get(k)!.body,
    };
    const metrics: Record<string, number>[] = [];
    const deps = {
      bucket,
      prefix: 'audit/',
      publicKey: parsePublicKey(trusted),
      lookbackDays: 2,
      now: () => now,
      metrics: (m: Record<string, number>) => metrics.push(m),
    };
    await expect(verifyRecentArchives(deps)).resolves.toEqual({ verified: 1 });
    // A recent archive that does not continue its predecessor fails the run.
    const stray = archive(0, 21, 3, 'cd'.repeat(32));
    put('chain-00/000000000021-000000000023.jsonl.gz', stray, now - 3600_000);
    await expect(verifyRecentArchives(deps)).rejects.toThrow(/does not continue/);
    expect(metrics.at(-1)).toEqual({ AuditArchiveBroken: 1, AuditArchivesVerified: 2 });
  });

  it('reads archive keys as iBet names them', () => {
    expect(parseArchiveKey('audit/chain-07/000000000101-000000000200.jsonl.gz')).toEqual({
      chain: 7,
      from: 101n,
    });
    expect(
      parseArchiveKey('audit/chain-07/000000000101-000000000200.jsonl.gz.sig.json'),
    ).toBeUndefined();
  });
});

describe('snapshot copy to the DR region', () => {
  const h = 3_600_000;
  const now = 1_000 * h;

  it('copies recent sources that have no copy yet, newest first, at most five', () => {
    const sources = Array.from({ length: 8 }, (_, i) => ({
      id: `snap-${i}`,
      createdAt: now - i * h,
    }));
    const copies = [{ id: 'c0', sourceId: 'snap-0', createdAt: now }];
    expect(planCopies(sources, copies, now, 48).map((s) => s.id)).toEqual([
      'snap-1',
      'snap-2',
      'snap-3',
      'snap-4',
      'snap-5',
    ]);
    expect(planCopies([{ id: 'old', createdAt: now - 49 * h }], [], now, 48)).toEqual([]);
  });

  it('prunes copies past the retention but never the newest', () => {
    const copies = [
      { id: 'a', sourceId: 'x', createdAt: now - 20 * 24 * h },
      { id: 'b', sourceId: 'y', createdAt: now - 15 * 24 * h },
      { id: 'c', sourceId: 'z', createdAt: now - 1 * h },
    ];
    expect(planPrunes(copies, now, 14).map((c) => c.id)).toEqual(['a', 'b']);
    expect(planPrunes(copies.slice(0, 1), now, 14)).toEqual([]);
  });

  it('names Aurora copies after their source, so a second run finds them', () => {
    expect(clusterCopyId('ibet-prod', 'rds:ibet-prod-2026-11-26-03-05')).toBe(
      'ibet-prod-dr-ibet-prod-2026-11-26-03-05',
    );
  });

  it('acts on the plan and reports the age of the newest copy', async () => {
    const done: string[] = [];
    const metrics: Record<string, number>[] = [];
    const result = await copySnapshots({
      now: () => now,
      maxAgeHours: 48,
      retentionDays: 14,
      metrics: (m) => metrics.push(m),
      api: {
        ebsSources: async () => [{ id: 'snap-new', createdAt: now - h }],
        ebsCopies: async () => [
          { id: 'old-copy', sourceId: 'snap-old', createdAt: now - 30 * 24 * h },
          { id: 'recent', sourceId: 'snap-r', createdAt: now - 25 * h },
        ],
        copyEbs: async (s) => void done.push(`copy ${s.id}`),
        deleteEbs: async (c) => void done.push(`delete ${c.id}`),
        clusterSources: async () => [],
        clusterCopies: async () => [],
        copyCluster: async (s) => void done.push(`copy ${s.id}`),
        deleteCluster: async (c) => void done.push(`delete ${c.id}`),
      },
    });
    expect(done).toEqual(['copy snap-new', 'delete old-copy']);
    expect(result).toEqual({ ebsCopied: 1, clusterCopied: 0, ebsPruned: 1, clusterPruned: 0 });
    expect(metrics).toEqual([{ SnapshotsCopied: 1, DrCopyAgeHours: 25 }]);
  });
});
