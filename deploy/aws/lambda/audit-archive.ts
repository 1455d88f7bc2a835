// Verification of iBet's audit-chain archives, independent of iBet (src/modules/audit):
// a pure function over one archive's bytes, plus the order rules between archives.
//
// The format (`ibet-audit-archive/1`), as iBet's worker writes it under
// IBET_AUDIT_ARCHIVE_LOCATION (s3://<audit archive bucket>/audit):
//   chain-NN/<from seq, 12 digits>-<to seq, 12 digits>.jsonl.gz
//     gzip of JSON lines, one audit record per line in sequence order, each with its
//     `chain`, `seq`, the record's fields, `prevHash` and `hash` (hex), where
//     hash = SHA-256(prevHash bytes || canonical(record)) and canonical is the JSON array
//     [chain, seq, id, at, actorId, actorKind, action, targetType, targetId, outcome, ip,
//     requestId, details] — numbers bare, strings JSON-quoted, null as null, details as
//     the database prints its jsonb — joined with ", ";
//   chain-NN/<…>.jsonl.gz.sig.json
//     the manifest { format, chain, fromSeq, toSeq, firstPrevHash, lastHash, records,
//     sha256 (of the gzip file), algorithm } and `signature`: base64 over the manifest
//     fields joined by "\n" in that order. The first archive of a chain starts at seq 1
//     after 64 zero hex digits; each next one continues the previous one's lastHash.
// This verifier trusts only an Ed25519 public key: a verifier that held an HMAC secret
// could also forge archives.
import { createHash, type KeyObject, verify } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

export const ARCHIVE_FORMAT = 'ibet-audit-archive/1';
export const GENESIS_HASH = '0'.repeat(64);

export interface ArchiveManifest {
  format: string;
  chain: number;
  fromSeq: string;
  toSeq: string;
  firstPrevHash: string;
  lastHash: string;
  records: number;
  sha256: string;
  algorithm: string;
}

export interface ArchiveRecord {
  chain: number;
  seq: string;
  id: string;
  at: string;
  actorId: string | null;
  actorKind: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  ip: string | null;
  requestId: string | null;
  details: string;
  prevHash: string;
  hash: string;
}

export interface ArchiveCheck {
  ok: boolean;
  manifest: ArchiveManifest | undefined;
  problems: string[];
}

export const manifestText = (m: ArchiveManifest): string =>
  [
    m.format,
    m.chain,
    m.fromSeq,
    m.toSeq,
    m.firstPrevHash,
    m.lastHash,
    m.records,
    m.sha256,
    m.algorithm,
  ].join('\n');

const str = (s: string | null) => (s === null ? 'null' : JSON.stringify(s));

export function canonical(r: ArchiveRecord): string {
  return `[${[
    String(r.chain),
    r.seq,
    r.id,
    str(r.at),
    str(r.actorId),
    str(r.actorKind),
    str(r.action),
    str(r.targetType),
    str(r.targetId),
    str(r.outcome),
    str(r.ip),
    str(r.requestId),
    r.details,
  ].join(', ')}]`;
}

export function linkHash(prevHash: string, record: ArchiveRecord): string {
  return createHash('sha256')
    .update(Buffer.from(prevHash, 'hex'))
    .update(canonical(record), 'utf8')
    .digest('hex');
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Checks one archive: its manifest's signature with the trusted key, the file's SHA-256,
 * and every record's sequence, link and hash from firstPrevHash to lastHash. When the
 * previous archive of the chain is known, `expectedPrevHash` is its lastHash.
 */
export function verifyArchive(
  gzip: Uint8Array,
  sidecarText: string,
  publicKey: KeyObject,
  expectedPrevHash?: string,
): ArchiveCheck {
  const problems: string[] = [];
  const fail = (problem: string, manifest?: ArchiveManifest): ArchiveCheck => ({
    ok: false,
    manifest,
    problems: [...problems, problem],
  });
  let sidecar: ArchiveManifest & { signature?: unknown };
  try {
    sidecar = JSON.parse(sidecarText);
  } catch {
    return fail('the signature file is not JSON');
  }
  const { signature, ...fields } = sidecar;
  const manifest = fields as ArchiveManifest;
  if (manifest.format !== ARCHIVE_FORMAT) return fail(`unknown format ${manifest.format}`);
  if (manifest.algorithm !== 'ed25519')
    return fail(`signed with ${manifest.algorithm}: only ed25519 archives verify here`, manifest);
  if (!HEX64.test(manifest.firstPrevHash) || !HEX64.test(manifest.lastHash))
    return fail('the manifest hashes are not 64 hex digits', manifest);
  const signed =
    typeof signature === 'string' &&
    verify(null, Buffer.from(manifestText(manifest)), publicKey, Buffer.from(signature, 'base64'));
  if (!signed) return fail('the signature does not verify with the trusted key', manifest);
  if (createHash('sha256').update(gzip).digest('hex') !== manifest.sha256)
    return fail('the file differs from the one signed (SHA-256)', manifest);
  if (expectedPrevHash !== undefined && manifest.firstPrevHash !== expectedPrevHash)
    problems.push('it does not continue the previous archive of its chain');

  let records: ArchiveRecord[];
  try {
    records = gunzipSync(gzip)
      .toString('utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as ArchiveRecord);
  } catch (error) {
    return fail(`the file cannot be read (${(error as Error).message})`, manifest);
  }
  let seq = BigInt(manifest.fromSeq) - 1n;
  let prev = manifest.firstPrevHash;
  for (const record of records) {
    seq += 1n;
    const where = `link ${seq}`;
    if (record.chain !== manifest.chain || record.seq !== seq.toString()) {
      problems.push(`${where}: found chain ${record.chain} link ${record.seq} instead`);
      break;
    }
    if (record.prevHash !== prev) {
      problems.push(`${where}: prevHash is not the previous link's hash`);
      break;
    }
    if (linkHash(prev, record) !== record.hash) {
      problems.push(`${where}: the record does not match its hash`);
      break;
    }
    prev = record.hash;
  }
  if (problems.length === 0) {
    if (records.length !== manifest.records)
      problems.push(`${records.length} records where the manifest says ${manifest.records}`);
    else if (seq.toString() !== manifest.toSeq || prev !== manifest.lastHash)
      problems.push('the records do not end where the manifest says');
  }
  return { ok: problems.length === 0, manifest, problems };
}

/** `chain-03/000000000101-000000000200.jsonl.gz` → chain 3, from 101. */
export function parseArchiveKey(key: string): { chain: number; from: bigint } | undefined {
  const m = /(?:^|\/)chain-(\d{2})\/(\d{12})-(\d{12})\.jsonl\.gz$/.exec(key);
  return m ? { chain: Number(m[1]), from: BigInt(m[2]!) } : undefined;
}
