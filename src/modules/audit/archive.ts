// Archiving old audit records. Records older than the retention period leave the database
// for object storage as signed gzip files of whole chain ranges, and stay verifiable: each
// file holds its records with their links, its manifest is signed, and its first link
// continues the previous file (or the genesis) while the database continues its last.
// Order of a run, safe to repeat at any point: write the file, record the archive, read the
// file back and check it, and only then remove the rows (audit.prune_archived).
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Db, Queryable } from '../../platform/db/db.ts';
import type { ArchiveStore } from './archive-store.ts';
import {
  type BrokenLink,
  CHAINS,
  type ChainRecord,
  GENESIS,
  RECORD_COLUMNS,
  type RecordRow,
  toChainRecord,
  verifyChains,
  walk,
} from './chain.ts';
import type { Signer } from './signing.ts';

export const ARCHIVE_FORMAT = 'ibet-audit-archive/1';
/** Records per archive file at most. */
const FILE_RECORDS = 20_000;

export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  chain: number;
  fromSeq: string;
  toSeq: string;
  firstPrevHash: string;
  lastHash: string;
  records: number;
  /** SHA-256 of the gzip file. */
  sha256: string;
  algorithm: Signer['algorithm'];
}

/** The signed text: every manifest field in a fixed order. */
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

const fileKey = (chain: number, from: bigint, to: bigint) =>
  `chain-${String(chain).padStart(2, '0')}/${String(from).padStart(12, '0')}-${String(to).padStart(12, '0')}.jsonl.gz`;

export interface ArchiveDeps {
  db: Db;
  store: ArchiveStore;
  signer: Signer;
  retentionDays: number;
}

export interface ArchiveRun {
  files: { key: string; chain: number; records: number }[];
  records: number;
}

/** Archives every whole range of records older than the retention period; returns what it wrote. */
export async function archiveAudit(deps: ArchiveDeps): Promise<ArchiveRun> {
  const run: ArchiveRun = { files: [], records: 0 };
  // Archives recorded by an interrupted run are checked and pruned first.
  for (const pending of await deps.db.query<{ id: bigint; object_key: string }>(
    'SELECT id, object_key FROM audit.archives WHERE pruned_at IS NULL ORDER BY id',
  )) {
    await checkAndPrune(deps, pending.id, pending.object_key);
  }
  for (let chain = 0; chain < CHAINS; chain++) {
    for (;;) {
      const written = await archiveNext(deps, chain);
      if (!written) break;
      run.files.push(written);
      run.records += written.records;
    }
  }
  return run;
}

async function archiveNext(
  deps: ArchiveDeps,
  chain: number,
): Promise<{ key: string; chain: number; records: number } | undefined> {
  const { db } = deps;
  const [last] = await db.query<{ to_seq: bigint; last_hash: Buffer }>(
    'SELECT to_seq, last_hash FROM audit.archives WHERE chain = $1 ORDER BY to_seq DESC LIMIT 1',
    [chain],
  );
  const startSeq = last ? BigInt(last.to_seq) : 0n;
  const startHash = last ? Buffer.from(last.last_hash) : GENESIS;
  // The old records at the start of the chain, up to the first recent one.
  const rows = await db.query<RecordRow>(
    `SELECT ${RECORD_COLUMNS}
     FROM audit.chain_links l LEFT JOIN audit.events e ON e.id = l.event_id
     WHERE l.chain = $1 AND l.seq > $2 AND l.seq <= $2 + $3
       AND l.seq < coalesce((
         SELECT min(l2.seq) FROM audit.chain_links l2 JOIN audit.events e2 ON e2.id = l2.event_id
         WHERE l2.chain = $1 AND l2.seq > $2 AND e2.at >= now() - make_interval(days => $4)
       ), (SELECT seq + 1 FROM audit.chains WHERE chain = $1))
     ORDER BY l.seq`,
    [chain, startSeq, FILE_RECORDS, deps.retentionDays],
  );
  if (rows.length === 0) return undefined;
  const entries = rows.map((r) => ({
    seq: r.seq.toString(),
    eventId: r.event_id.toString(),
    record: toChainRecord(r),
  }));
  const walked = walk(chain, { seq: startSeq, prevHash: startHash }, entries);
  // A broken chain is not archived: the evidence stays where the verifier reports it.
  if (walked.broken)
    throw new Error(
      `audit chain ${chain} is broken at ${walked.broken.seq}: ${walked.broken.detail}`,
    );
  const records = entries.map((e) => e.record as ChainRecord);
  const from = startSeq + 1n;
  const to = walked.seq;
  const body = gzipSync(Buffer.from(`${records.map((r) => JSON.stringify(r)).join('\n')}\n`), {
    level: 9,
  });
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT,
    chain,
    fromSeq: from.toString(),
    toSeq: to.toString(),
    firstPrevHash: startHash.toString('hex'),
    lastHash: walked.hash.toString('hex'),
    records: records.length,
    sha256: createHash('sha256').update(body).digest('hex'),
    algorithm: deps.signer.algorithm,
  };
  const signature = deps.signer.sign(manifestText(manifest));
  const key = fileKey(chain, from, to);
  await deps.store.put(key, body, 'application/gzip');
  await deps.store.put(
    `${key}.sig.json`,
    Buffer.from(`${JSON.stringify({ ...manifest, signature }, null, 2)}\n`),
    'application/json',
  );
  const [recorded] = await db.query<{ id: bigint }>(
    `SELECT audit.record_archive($1::smallint, $2::bigint, $3::bigint, $4::bytea, $5::bytea, $6::int, $7, $8, $9) AS id`,
    [chain, from, to, startHash, walked.hash, records.length, key, manifest.sha256, signature],
  );
  await checkAndPrune(deps, recorded!.id, key);
  return { key, chain, records: records.length };
}

async function checkAndPrune(deps: ArchiveDeps, id: bigint, key: string): Promise<void> {
  const [row] = await deps.db.query<ArchiveRow>(`${ARCHIVE_SELECT} WHERE id = $1`, [id]);
  const problem = await checkArchive(deps.store, deps.signer, row!, undefined);
  if (problem) throw new Error(`audit archive ${key} does not verify: ${problem.detail}`);
  await deps.db.query('SELECT audit.prune_archived($1::bigint)', [id]);
}

interface ArchiveRow {
  id: bigint;
  chain: number;
  from_seq: bigint;
  to_seq: bigint;
  first_prev_hash: Buffer;
  last_hash: Buffer;
  records: number;
  object_key: string;
  sha256: string;
  signature: string;
}

const ARCHIVE_SELECT = `SELECT id, chain, from_seq, to_seq, first_prev_hash, last_hash, records, object_key,
  sha256, signature FROM audit.archives`;

/** Reads an archive back and checks signature, digest and every link; undefined when it holds. */
async function checkArchive(
  store: ArchiveStore,
  signer: Signer,
  row: ArchiveRow,
  prev: Buffer | undefined,
): Promise<BrokenLink | undefined> {
  const at = (reason: BrokenLink['reason'], detail: string): BrokenLink => ({
    chain: row.chain,
    seq: row.from_seq.toString(),
    eventId: null,
    reason,
    detail: `${row.object_key}: ${detail}`,
  });
  let body: Buffer;
  let sidecar: ArchiveManifest & { signature: string };
  try {
    body = await store.get(row.object_key);
    sidecar = JSON.parse((await store.get(`${row.object_key}.sig.json`)).toString('utf8'));
  } catch (error) {
    return at('archive_mismatch', `cannot be read (${(error as Error).message})`);
  }
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT,
    chain: row.chain,
    fromSeq: row.from_seq.toString(),
    toSeq: row.to_seq.toString(),
    firstPrevHash: Buffer.from(row.first_prev_hash).toString('hex'),
    lastHash: Buffer.from(row.last_hash).toString('hex'),
    records: row.records,
    sha256: row.sha256,
    algorithm: signer.algorithm,
  };
  if (!signer.verify(manifestText(manifest), row.signature) || sidecar.signature !== row.signature)
    return at('archive_mismatch', 'the signature does not match the archive manifest');
  if (createHash('sha256').update(body).digest('hex') !== row.sha256)
    return at('archive_mismatch', 'the file differs from the one archived (SHA-256)');
  if (prev && !prev.equals(Buffer.from(row.first_prev_hash)))
    return at('archive_mismatch', 'it does not continue the previous archive of its chain');
  let records: ChainRecord[];
  try {
    records = gunzipSync(body)
      .toString('utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as ChainRecord);
  } catch (error) {
    return at('archive_mismatch', `cannot be read (${(error as Error).message})`);
  }
  const walked = walk(
    row.chain,
    { seq: BigInt(row.from_seq) - 1n, prevHash: Buffer.from(row.first_prev_hash) },
    records.map((r) => ({
      seq: r.seq,
      eventId: r.id,
      record: r.chain === row.chain ? r : undefined,
    })),
  );
  if (walked.broken)
    return { ...walked.broken, detail: `${row.object_key}: ${walked.broken.detail}` };
  if (
    walked.count !== row.records ||
    walked.seq !== BigInt(row.to_seq) ||
    !walked.hash.equals(Buffer.from(row.last_hash))
  )
    return at('archive_mismatch', 'its records do not end where the manifest says');
  return undefined;
}

/** Verifies the archived ranges of every chain, in order, then the database. */
export async function verifyWithArchives(
  q: Queryable,
  store: ArchiveStore,
  signer: Signer,
): Promise<Awaited<ReturnType<typeof verifyChains>>> {
  const report = await verifyChains(q);
  const rows = await q.query<ArchiveRow>(`${ARCHIVE_SELECT} ORDER BY chain, from_seq`);
  const last = new Map<number, ArchiveRow>();
  const archiveBroken: BrokenLink[] = [];
  for (const row of rows) {
    if (archiveBroken.some((b) => b.chain === row.chain)) continue;
    const before = last.get(row.chain);
    const expectedFrom = before ? BigInt(before.to_seq) + 1n : 1n;
    if (BigInt(row.from_seq) !== expectedFrom) {
      archiveBroken.push({
        chain: row.chain,
        seq: expectedFrom.toString(),
        eventId: null,
        reason: 'sequence_gap',
        detail: `no archive holds link ${expectedFrom}`,
      });
      continue;
    }
    const problem = await checkArchive(
      store,
      signer,
      row,
      before ? Buffer.from(before.last_hash) : GENESIS,
    );
    if (problem) archiveBroken.push(problem);
    else report.archivedRecords += row.records;
    last.set(row.chain, row);
  }
  // Archive problems come first: they are earlier in their chain than anything in the database.
  report.broken = [...archiveBroken, ...report.broken];
  report.ok = report.broken.length === 0;
  return report;
}
