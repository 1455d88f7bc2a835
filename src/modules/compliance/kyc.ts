// Identity verification (KYC): none → pending (a document was uploaded) → verified or
// rejected (by support or compliance staff, with a note); a rejected player may upload again.
// Documents go to object storage first and are described in the database afterwards; if
// that transaction fails the stored file is removed again. Verifying checks the player's age
// from their date of birth against their jurisdiction's minimum.
import { createHash, randomUUID } from 'node:crypto';
import type { Db, Queryable } from '../../platform/db/db.ts';
import { notFound } from '../../platform/errors.ts';
import { emit } from '../../platform/events/outbox.ts';
import { audit, type RequestContext } from '../audit/index.ts';
import { findAccount } from '../identity/index.ts';
import {
  documentInvalid,
  documentTooLarge,
  documentTypeNotAllowed,
  kycNotReviewable,
  underage,
} from './errors.ts';
import { ageOn } from './gate.ts';
import { type KycStatus, lockPlayer, readPlayer } from './players.ts';
import { type DocumentStore, sniffType } from './storage.ts';

export const DOCUMENT_KINDS = [
  'passport',
  'id_card',
  'driving_licence',
  'proof_of_address',
] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export interface DocumentView {
  id: string;
  kind: DocumentKind;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  uploadedAt: string;
}

export interface ReviewView {
  reviewerId: string;
  decision: 'verified' | 'rejected' | 'note';
  note: string;
  at: string;
}

export interface KycDeps {
  db: Db;
  store: DocumentStore;
  countries: Readonly<Record<string, string>>;
  maxBytes: number;
}

interface DocumentRow {
  id: string;
  kind: DocumentKind;
  content_type: string;
  size_bytes: number;
  sha256: string;
  uploaded_at: Date;
  storage_key: string;
}

const presentDocument = (r: DocumentRow): DocumentView => ({
  id: r.id,
  kind: r.kind,
  contentType: r.content_type,
  sizeBytes: r.size_bytes,
  sha256: r.sha256,
  uploadedAt: r.uploaded_at.toISOString(),
});

async function documentsOf(q: Queryable, playerId: string): Promise<DocumentView[]> {
  const rows = await q.query<DocumentRow>(
    `SELECT id, kind, content_type, size_bytes, sha256, uploaded_at, storage_key
     FROM compliance.kyc_documents WHERE player_id = $1 ORDER BY uploaded_at DESC LIMIT 50`,
    [playerId],
  );
  return rows.map(presentDocument);
}

/** Stores a document and sets the player's verification to pending (unless verified). */
export async function uploadDocument(
  deps: KycDeps,
  playerId: string,
  kind: DocumentKind,
  body: Buffer,
  context?: RequestContext,
): Promise<DocumentView> {
  if (body.length === 0) throw documentInvalid('The document is empty.');
  if (body.length > deps.maxBytes) throw documentTooLarge(deps.maxBytes);
  const contentType = sniffType(body.subarray(0, 8));
  if (!contentType) throw documentTypeNotAllowed();
  const id = randomUUID();
  const key = `${playerId}/${id}`;
  const sha256 = createHash('sha256').update(body).digest('hex');
  await deps.store.put(key, body, contentType);
  try {
    return await deps.db.transaction(async (tx) => {
      const player = await lockPlayer(tx, playerId, deps.countries);
      const [row] = await tx.query<DocumentRow>(
        `INSERT INTO compliance.kyc_documents (id, player_id, kind, content_type, size_bytes, sha256, storage_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING id, kind, content_type, size_bytes, sha256, uploaded_at, storage_key`,
        [id, playerId, kind, contentType, body.length, sha256, key],
      );
      const status: KycStatus = player.kycStatus === 'verified' ? 'verified' : 'pending';
      await tx.query(
        'UPDATE compliance.players SET kyc_status = $2, kyc_updated_at = now() WHERE player_id = $1',
        [playerId, status],
      );
      await audit(tx, {
        actor: { id: playerId, kind: 'player' },
        action: 'kyc.document_uploaded',
        target: { type: 'account', id: playerId },
        details: {
          documentId: id,
          kind,
          contentType,
          sizeBytes: body.length,
          sha256,
          status: { before: player.kycStatus, after: status },
        },
        context,
      });
      return presentDocument(row!);
    });
  } catch (error) {
    await deps.store.delete(key).catch(() => undefined);
    throw error;
  }
}

export interface PlayerKycView {
  status: KycStatus;
  jurisdiction: string;
  required: { beforeDeposit: boolean; beforeBet: boolean };
  documents: DocumentView[];
}

export async function playerKyc(q: Queryable, playerId: string): Promise<PlayerKycView> {
  const player = await readPlayer(q, playerId);
  return {
    status: player.kycStatus,
    jurisdiction: player.jurisdiction,
    required: {
      beforeDeposit: player.pack.kycBeforeDeposit,
      beforeBet: player.pack.kycBeforeBet,
    },
    documents: await documentsOf(q, playerId),
  };
}

export interface StaffKycView extends PlayerKycView {
  playerId: string;
  email: string;
  displayName: string;
  country: string | null;
  dateOfBirth: string | null;
  age: number | null;
  minimumAge: number;
  reviews: ReviewView[];
}

export async function staffKyc(q: Queryable, playerId: string): Promise<StaffKycView> {
  const account = await findAccount(q, playerId);
  if (account?.kind !== 'player') throw notFound('account');
  const view = await playerKyc(q, playerId);
  const reviews = await q.query<{
    reviewer_id: string;
    decision: ReviewView['decision'];
    note: string;
    created_at: Date;
  }>(
    `SELECT reviewer_id, decision, note, created_at FROM compliance.kyc_reviews
     WHERE player_id = $1 ORDER BY id DESC LIMIT 100`,
    [playerId],
  );
  const player = await readPlayer(q, playerId);
  return {
    ...view,
    playerId,
    email: account.email,
    displayName: account.display_name,
    country: account.country,
    dateOfBirth: account.date_of_birth,
    age: account.date_of_birth ? ageOn(account.date_of_birth, new Date()) : null,
    minimumAge: player.pack.minimumAge,
    reviews: reviews.map((r) => ({
      reviewerId: r.reviewer_id,
      decision: r.decision,
      note: r.note,
      at: r.created_at.toISOString(),
    })),
  };
}

export interface KycQueueItem {
  playerId: string;
  status: KycStatus;
  jurisdiction: string;
  updatedAt: string | null;
}

/** Players by verification status, oldest change first (the review queue). */
export async function kycQueue(
  q: Queryable,
  status: KycStatus,
  limit: number,
): Promise<KycQueueItem[]> {
  const rows = await q.query<{
    player_id: string;
    kyc_status: KycStatus;
    jurisdiction: string;
    kyc_updated_at: Date | null;
  }>(
    `SELECT player_id, kyc_status, jurisdiction, kyc_updated_at FROM compliance.players
     WHERE kyc_status = $1 ORDER BY kyc_updated_at NULLS FIRST, player_id LIMIT $2`,
    [status, limit],
  );
  return rows.map((r) => ({
    playerId: r.player_id,
    status: r.kyc_status,
    jurisdiction: r.jurisdiction,
    updatedAt: r.kyc_updated_at?.toISOString() ?? null,
  }));
}

/**
 * A reviewer's decision (`verified`, `rejected`) on a pending verification, or a `note` at
 * any time. Verifying needs a document on file and the jurisdiction's minimum age.
 */
export async function reviewKyc(
  deps: Pick<KycDeps, 'db' | 'countries'>,
  reviewerId: string,
  playerId: string,
  input: { decision: ReviewView['decision']; note: string },
  context?: RequestContext,
): Promise<StaffKycView> {
  const account = await findAccount(deps.db, playerId);
  if (account?.kind !== 'player') throw notFound('account');
  await deps.db.transaction(async (tx) => {
    const player = await lockPlayer(tx, playerId, deps.countries);
    let after = player.kycStatus;
    if (input.decision !== 'note') {
      if (player.kycStatus !== 'pending') throw kycNotReviewable(player.kycStatus);
      if (input.decision === 'verified') {
        const [docs] = await tx.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM compliance.kyc_documents WHERE player_id = $1',
          [playerId],
        );
        if (docs!.n === 0) throw kycNotReviewable('without documents');
        if (
          !account.date_of_birth ||
          ageOn(account.date_of_birth, new Date()) < player.pack.minimumAge
        )
          throw underage(player.pack.minimumAge);
      }
      after = input.decision;
      await tx.query(
        'UPDATE compliance.players SET kyc_status = $2, kyc_updated_at = now() WHERE player_id = $1',
        [playerId, after],
      );
    }
    await tx.query(
      `INSERT INTO compliance.kyc_reviews (player_id, reviewer_id, decision, note) VALUES ($1, $2, $3, $4)`,
      [playerId, reviewerId, input.decision, input.note],
    );
    await audit(tx, {
      actor: { id: reviewerId, kind: 'staff' },
      action: input.decision === 'note' ? 'kyc.note_added' : 'kyc.reviewed',
      target: { type: 'account', id: playerId },
      details: { decision: input.decision, before: player.kycStatus, after },
      context,
    });
    if (input.decision !== 'note') {
      await emit(tx, {
        type: 'responsible.kyc_decided',
        aggregateId: playerId,
        payload: { accountId: playerId, status: after },
      });
    }
  });
  return staffKyc(deps.db, playerId);
}

/** A document's content for a reviewer (each viewing is audited). */
export async function readDocument(
  deps: Pick<KycDeps, 'db' | 'store'>,
  reviewerId: string,
  documentId: string,
  context?: RequestContext,
): Promise<{ contentType: string; body: Buffer; playerId: string }> {
  const [row] = await deps.db.query<DocumentRow & { player_id: string }>(
    `SELECT id, player_id, kind, content_type, size_bytes, sha256, uploaded_at, storage_key
     FROM compliance.kyc_documents WHERE id = $1`,
    [documentId],
  );
  if (!row) throw notFound('document');
  const body = await deps.store.get(row.storage_key);
  await deps.db.transaction((tx) =>
    audit(tx, {
      actor: { id: reviewerId, kind: 'staff' },
      action: 'kyc.document_viewed',
      target: { type: 'account', id: row.player_id },
      details: { documentId },
      context,
    }),
  );
  return { contentType: row.content_type, body, playerId: row.player_id };
}
