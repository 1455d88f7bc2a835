// Daily: the audit-chain archives that iBet wrote in the last days verify (format and rules
// in audit-archive.ts) — each on its own, each continuing the archive before it in its
// chain. Older archives were verified on their day and move to Glacier (the bucket's
// lifecycle); S3 Object Lock keeps them from being replaced. Fails — which alarms — on any
// broken archive; the metric AuditArchiveBroken counts them.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { GENESIS_HASH, parseArchiveKey, verifyArchive } from './audit-archive.ts';
import { emitMetrics, requiredEnv } from './shared.ts';

export interface ListedObject {
  key: string;
  lastModified: number;
  /** STANDARD objects can be read; archived ones (GLACIER) cannot. */
  readable: boolean;
}

export interface ArchiveBucket {
  list(prefix: string): Promise<ListedObject[]>;
  get(key: string): Promise<Uint8Array>;
}

export interface AuditVerifyDeps {
  bucket: ArchiveBucket;
  prefix: string;
  publicKey: KeyObject;
  lookbackDays: number;
  now: () => number;
  metrics?: (values: Record<string, number>) => void;
}

/** The trusted key: `ed25519:<base64 SPKI DER public key>`, or a PEM public key. */
export function parsePublicKey(value: string): KeyObject {
  const key = value.startsWith('ed25519:')
    ? createPublicKey({
        key: Buffer.from(value.slice('ed25519:'.length), 'base64'),
        format: 'der',
        type: 'spki',
      })
    : createPublicKey(value);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the audit key is not Ed25519');
  return key;
}

export async function verifyRecentArchives(deps: AuditVerifyDeps) {
  const metrics = deps.metrics ?? ((values) => emitMetrics(values, { Check: 'audit-archive' }));
  const since = deps.now() - deps.lookbackDays * 86_400_000;
  const byChain = new Map<number, { from: bigint; object: ListedObject }[]>();
  for (const object of await deps.bucket.list(deps.prefix)) {
    const parsed = parseArchiveKey(object.key);
    if (!parsed) continue;
    const list = byChain.get(parsed.chain) ?? [];
    list.push({ from: parsed.from, object });
    byChain.set(parsed.chain, list);
  }
  const broken: { key: string; problems: string[] }[] = [];
  let verified = 0;
  for (const [, archives] of [...byChain].sort(([a], [b]) => a - b)) {
    archives.sort((a, b) => (a.from < b.from ? -1 : 1));
    let previousLastHash: string | undefined;
    for (const [i, { from, object }] of archives.entries()) {
      const recent = object.lastModified >= since;
      const next = archives[i + 1];
      // An older archive is read only for the hash the first recent one must continue.
      const needed = recent || (next !== undefined && next.object.lastModified >= since);
      if (!needed) continue;
      if (!object.readable) {
        previousLastHash = undefined;
        continue;
      }
      const expected = from === 1n ? GENESIS_HASH : previousLastHash;
      try {
        const [gzip, sidecar] = await Promise.all([
          deps.bucket.get(object.key),
          deps.bucket.get(`${object.key}.sig.json`),
        ]);
        const check = verifyArchive(
          gzip,
          Buffer.from(sidecar).toString('utf8'),
          deps.publicKey,
          recent ? expected : undefined,
        );
        if (recent) {
          verified++;
          if (!check.ok) broken.push({ key: object.key, problems: check.problems });
        }
        previousLastHash = check.manifest?.lastHash;
      } catch (error) {
        if (recent) broken.push({ key: object.key, problems: [(error as Error).message] });
        previousLastHash = undefined;
      }
    }
  }
  metrics({ AuditArchiveBroken: broken.length, AuditArchivesVerified: verified });
  if (broken.length > 0) {
    throw new Error(`audit archive does not verify: ${JSON.stringify(broken)}`);
  }
  return { verified };
}

export async function handler() {
  const { S3Client, ListObjectsV2Command, GetObjectCommand } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({});
  const name = requiredEnv('IBET_AUDIT_BUCKET');
  return verifyRecentArchives({
    prefix: process.env.IBET_AUDIT_PREFIX ?? 'audit/',
    publicKey: parsePublicKey(requiredEnv('IBET_AUDIT_PUBLIC_KEY')),
    lookbackDays: Number(process.env.IBET_AUDIT_LOOKBACK_DAYS ?? 2),
    now: Date.now,
    bucket: {
      async list(prefix) {
        const objects: ListedObject[] = [];
        let token: string | undefined;
        do {
          const page = await s3.send(
            new ListObjectsV2Command({ Bucket: name, Prefix: prefix, ContinuationToken: token }),
          );
          for (const o of page.Contents ?? []) {
            if (!o.Key) continue;
            objects.push({
              key: o.Key,
              lastModified: o.LastModified?.getTime() ?? 0,
              readable: !o.StorageClass || o.StorageClass === 'STANDARD',
            });
          }
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
        return objects;
      },
      async get(key) {
        const out = await s3.send(new GetObjectCommand({ Bucket: name, Key: key }));
        if (!out.Body) throw new Error(`${key} is empty`);
        return out.Body.transformToByteArray();
      },
    },
  });
}
