// Verifying the audit chains. Every audit record is sealed at commit into one of 16 chains
// (migration 0014): hash = sha256(prev_hash || canonical JSON of the record). The verifier
// recomputes every hash from the stored fields, in sequence order, and names the first link
// that does not hold: a changed record (hash mismatch), a removed one (a gap in the
// sequence, or a link whose record is gone), or records moved between positions.
import { createHash } from 'node:crypto';
import type { Queryable } from '../../platform/db/db.ts';

export const CHAINS = 16;
export const GENESIS = Buffer.alloc(32);

/** A record as the chain covers it: every field as the text the database hashed. */
export interface ChainRecord {
  chain: number;
  seq: string;
  id: string;
  /** UTC, microseconds: 2026-01-31T12:00:00.123456Z */
  at: string;
  actorId: string | null;
  actorKind: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  ip: string | null;
  requestId: string | null;
  /** The details as the database prints its jsonb. */
  details: string;
  prevHash: string;
  hash: string;
}

const str = (s: string | null) => (s === null ? 'null' : JSON.stringify(s));

/** The canonical JSON of a record, byte for byte as audit.canonical() builds it. */
export function canonical(r: Omit<ChainRecord, 'prevHash' | 'hash'>): string {
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

export function linkHash(prevHash: Buffer, record: Omit<ChainRecord, 'prevHash' | 'hash'>): Buffer {
  return createHash('sha256').update(prevHash).update(canonical(record), 'utf8').digest();
}

export interface BrokenLink {
  chain: number;
  /** Position in the chain where the first problem is. */
  seq: string;
  /** The audit record there, when there is one. */
  eventId: string | null;
  reason:
    | 'hash_mismatch'
    | 'prev_hash_mismatch'
    | 'sequence_gap'
    | 'record_missing'
    | 'head_mismatch'
    | 'unsealed_record'
    | 'archive_mismatch';
  detail: string;
}

export interface ChainReport {
  ok: boolean;
  /** Records checked in the database (and in archives, when asked). */
  records: number;
  archivedRecords: number;
  chains: { chain: number; from: string | null; to: string; records: number }[];
  /** The first broken link of each broken chain, in chain order. */
  broken: BrokenLink[];
}

/** Where a chain's remaining rows must start: after its last pruned archive. */
export interface ChainStart {
  seq: bigint;
  prevHash: Buffer;
}

export type RecordRow = {
  chain: number;
  seq: bigint;
  id: bigint | null;
  at: string | null;
  actor_id: string | null;
  actor_kind: string | null;
  action: string | null;
  target_type: string | null;
  target_id: string | null;
  outcome: string | null;
  ip: string | null;
  request_id: string | null;
  details: string | null;
  prev_hash: Buffer;
  hash: Buffer;
  event_id: bigint;
};

export const RECORD_COLUMNS = `l.chain, l.seq, l.event_id, e.id,
  to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
  e.actor_id::text AS actor_id, e.actor_kind, e.action, e.target_type, e.target_id, e.outcome,
  e.ip, e.request_id, e.details::text AS details, l.prev_hash, l.hash`;

export function toChainRecord(r: RecordRow): ChainRecord | undefined {
  if (r.id === null || r.at === null || r.action === null || r.outcome === null) return undefined;
  return {
    chain: r.chain,
    seq: r.seq.toString(),
    id: r.id.toString(),
    at: r.at,
    actorId: r.actor_id,
    actorKind: r.actor_kind,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    outcome: r.outcome,
    ip: r.ip,
    requestId: r.request_id,
    details: r.details ?? '{}',
    prevHash: Buffer.from(r.prev_hash).toString('hex'),
    hash: Buffer.from(r.hash).toString('hex'),
  };
}

/**
 * Walks one chain's records in sequence order from `start`; returns the first broken link,
 * or the last hash and position reached.
 */
export function walk(
  chain: number,
  start: ChainStart,
  records: Iterable<{ seq: string; eventId: string; record: ChainRecord | undefined }>,
): { broken: BrokenLink | undefined; seq: bigint; hash: Buffer; count: number } {
  let expectedSeq = start.seq + 1n;
  let prev = start.prevHash;
  let count = 0;
  for (const { seq, eventId, record } of records) {
    const at = BigInt(seq);
    if (at !== expectedSeq) {
      return {
        broken: {
          chain,
          seq: expectedSeq.toString(),
          eventId: null,
          reason: 'sequence_gap',
          detail: `link ${expectedSeq} is missing (next present: ${seq})`,
        },
        seq: expectedSeq - 1n,
        hash: prev,
        count,
      };
    }
    if (!record) {
      return {
        broken: {
          chain,
          seq,
          eventId,
          reason: 'record_missing',
          detail: `audit record ${eventId} sealed at this link is gone`,
        },
        seq: at - 1n,
        hash: prev,
        count,
      };
    }
    if (record.prevHash !== prev.toString('hex')) {
      return {
        broken: {
          chain,
          seq,
          eventId: record.id,
          reason: 'prev_hash_mismatch',
          detail: 'the link does not continue the previous one',
        },
        seq: at - 1n,
        hash: prev,
        count,
      };
    }
    const hash = linkHash(prev, record);
    if (hash.toString('hex') !== record.hash) {
      return {
        broken: {
          chain,
          seq,
          eventId: record.id,
          reason: 'hash_mismatch',
          detail: `audit record ${record.id} differs from what was sealed`,
        },
        seq: at - 1n,
        hash: prev,
        count,
      };
    }
    prev = hash;
    expectedSeq = at + 1n;
    count++;
  }
  return { broken: undefined, seq: expectedSeq - 1n, hash: prev, count };
}

const PAGE = 5000;

/** Reads one chain from the database from `start` onwards, page by page, and walks it. */
export async function verifyStoredChain(
  q: Queryable,
  chain: number,
  start: ChainStart,
): Promise<{ broken: BrokenLink | undefined; seq: bigint; hash: Buffer; count: number }> {
  let state = { seq: start.seq, prevHash: start.prevHash };
  let total = 0;
  for (;;) {
    const rows = await q.query<RecordRow>(
      `SELECT ${RECORD_COLUMNS}
       FROM audit.chain_links l LEFT JOIN audit.events e ON e.id = l.event_id
       WHERE l.chain = $1 AND l.seq > $2 ORDER BY l.seq LIMIT $3`,
      [chain, state.seq, PAGE],
    );
    const result = walk(
      chain,
      state,
      rows.map((r) => ({
        seq: r.seq.toString(),
        eventId: r.event_id.toString(),
        record: toChainRecord(r),
      })),
    );
    total += result.count;
    if (result.broken || rows.length < PAGE) return { ...result, count: total };
    state = { seq: result.seq, prevHash: result.hash };
  }
}

/** Verifies every chain in the database (from each chain's last pruned archive onwards). */
export async function verifyChains(q: Queryable): Promise<ChainReport> {
  const starts = await chainStarts(q);
  const heads = await q.query<{ chain: number; seq: bigint; hash: Buffer }>(
    'SELECT chain, seq, hash FROM audit.chains ORDER BY chain',
  );
  const report: ChainReport = { ok: true, records: 0, archivedRecords: 0, chains: [], broken: [] };
  for (const head of heads) {
    const start = starts.get(head.chain) ?? { seq: 0n, prevHash: GENESIS };
    const result = await verifyStoredChain(q, head.chain, start);
    report.records += result.count;
    report.chains.push({
      chain: head.chain,
      from: result.count > 0 ? (start.seq + 1n).toString() : null,
      to: result.seq.toString(),
      records: result.count,
    });
    if (result.broken) {
      report.broken.push(result.broken);
      continue;
    }
    // The head is written by the same seal as the last link: a removed tail shows here.
    if (result.seq !== head.seq || !result.hash.equals(Buffer.from(head.hash))) {
      report.broken.push({
        chain: head.chain,
        seq: (result.seq + 1n).toString(),
        eventId: null,
        reason: 'head_mismatch',
        detail: `the chain ends at ${result.seq} but its head is at ${head.seq}`,
      });
    }
  }
  // A record with no link was inserted around the seal (with triggers disabled).
  const [unsealed] = await q.query<{ id: bigint }>(
    `SELECT e.id FROM audit.events e
     WHERE NOT EXISTS (SELECT 1 FROM audit.chain_links l WHERE l.event_id = e.id)
     ORDER BY e.id LIMIT 1`,
  );
  if (unsealed) {
    report.broken.push({
      chain: -1,
      seq: '0',
      eventId: unsealed.id.toString(),
      reason: 'unsealed_record',
      detail: `audit record ${unsealed.id} belongs to no chain`,
    });
  }
  report.ok = report.broken.length === 0;
  return report;
}

/** For each chain, the position and hash its database rows continue from. */
export async function chainStarts(q: Queryable): Promise<Map<number, ChainStart>> {
  const rows = await q.query<{ chain: number; to_seq: bigint; last_hash: Buffer }>(
    `SELECT DISTINCT ON (chain) chain, to_seq, last_hash FROM audit.archives
     WHERE pruned_at IS NOT NULL ORDER BY chain, to_seq DESC`,
  );
  return new Map(
    rows.map((r) => [r.chain, { seq: BigInt(r.to_seq), prevHash: Buffer.from(r.last_hash) }]),
  );
}
