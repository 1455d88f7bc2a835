// The support desk's view of players: search by email (prefix), display name (contains) or
// exact id; a player's profile (account, KYC status, exclusion, balances, open bets); and
// support notes, which are append-only and audited in the transaction that writes them; and a
// player's cash movements, read with the very query behind the player's own history listing.
import { cursorTime, decodeCursor, encodeCursor } from '../../platform/cursor.ts';
import type { Db, Queryable } from '../../platform/db/db.ts';
import { notFound } from '../../platform/errors.ts';
import { isUuid } from '../../platform/uuid.ts';
import { audit, type RequestContext } from '../audit/index.ts';
import { activeExclusion } from '../compliance/index.ts';
import { listHistoryTransactions, type Range } from '../history/index.ts';
import { bonusBalance, getWallet } from '../wallet/index.ts';

export type PlayerStatus = 'active' | 'suspended' | 'closed' | 'excluded';

export interface PlayerSummary {
  id: string;
  email: string;
  displayName: string;
  country: string | null;
  currency: string | null;
  createdAt: string;
  emailVerified: boolean;
  /** The account's status; `excluded` while a time-out or self-exclusion is in force. */
  status: PlayerStatus;
  kycStatus: string;
}

export interface SupportNote {
  id: string;
  authorId: string;
  authorName: string | null;
  text: string;
  createdAt: string;
}

export interface PlayerProfile extends PlayerSummary {
  exclusion: { kind: string; endsAt: string | null } | null;
  balances: { currency: string; cash: string; inBets: string; bonus: string } | null;
  openBets: number;
  notes: SupportNote[];
}

interface PlayerRow {
  id: string;
  email: string;
  display_name: string;
  country: string | null;
  currency: string | null;
  created_at: Date;
  email_verified_at: Date | null;
  status: string;
  kyc_status: string | null;
}

const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

const SELECT = `SELECT a.id, a.email, a.display_name, a.country, a.currency, a.created_at,
    a.email_verified_at, a.status, c.kyc_status
  FROM identity.accounts a LEFT JOIN compliance.players c ON c.player_id = a.id`;

async function present(q: Queryable, row: PlayerRow): Promise<PlayerSummary> {
  const excluded = row.status === 'active' && (await activeExclusion(q, row.id)) !== null;
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    country: row.country?.trim() ?? null,
    currency: row.currency?.trim() ?? null,
    createdAt: row.created_at.toISOString(),
    emailVerified: row.email_verified_at !== null,
    status: excluded ? 'excluded' : (row.status as PlayerStatus),
    kycStatus: row.kyc_status ?? 'none',
  };
}

/** Players matching `q` (id exactly, email by prefix, name by substring), newest first. */
export async function searchPlayers(
  q: Queryable,
  query: { q: string; limit: number; cursor?: string | undefined },
): Promise<{ items: PlayerSummary[]; nextCursor: string | null }> {
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const term = query.q.trim();
  const byId = isUuid(term) ? term.toLowerCase() : null;
  const like = likeEscape(term.toLowerCase());
  const rows = await q.query<PlayerRow & { cursor_at: string }>(
    `${SELECT.replace('c.kyc_status', `c.kyc_status, ${cursorTime('a.created_at')} AS cursor_at`)}
     WHERE a.kind = 'player'
       AND (($1::uuid IS NOT NULL AND a.id = $1::uuid)
         OR lower(a.email) LIKE $2 || '%'
         OR lower(a.display_name) LIKE '%' || $2 || '%')
       AND ($3::text IS NULL OR (a.created_at, a.id) < ($3::text::timestamptz, $4::uuid))
     ORDER BY a.created_at DESC, a.id DESC LIMIT $5`,
    [byId, like, after?.time ?? null, after?.id ?? null, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const items: PlayerSummary[] = [];
  for (const row of page) items.push(await present(q, row));
  return {
    items,
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.cursor_at, last.id) : null,
  };
}

const playerNotFound = () => notFound('player');

async function findPlayer(q: Queryable, playerId: string): Promise<PlayerRow> {
  const [row] = await q.query<PlayerRow>(`${SELECT} WHERE a.id = $1 AND a.kind = 'player'`, [
    playerId,
  ]);
  if (!row) throw playerNotFound();
  return row;
}

interface NoteRow {
  id: string;
  author_id: string;
  author_name: string | null;
  text: string;
  created_at: Date;
}

const presentNote = (row: NoteRow): SupportNote => ({
  id: row.id,
  authorId: row.author_id,
  authorName: row.author_name,
  text: row.text,
  createdAt: row.created_at.toISOString(),
});

/** A player's support notes, newest first. */
export async function listNotes(q: Queryable, playerId: string): Promise<SupportNote[]> {
  const rows = await q.query<NoteRow>(
    `SELECT n.id, n.author_id, s.display_name AS author_name, n.text, n.created_at
     FROM support.notes n LEFT JOIN identity.accounts s ON s.id = n.author_id
     WHERE n.player_id = $1 ORDER BY n.created_at DESC, n.id DESC LIMIT 500`,
    [playerId],
  );
  return rows.map(presentNote);
}

/** The support desk's profile of a player. */
export async function playerProfile(q: Queryable, playerId: string): Promise<PlayerProfile> {
  const row = await findPlayer(q, playerId);
  const summary = await present(q, row);
  const exclusion = await activeExclusion(q, playerId);
  const [hasWallet] = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM wallet.accounts WHERE owner_id = $1 AND kind = 'player_cash'`,
    [playerId],
  );
  let balances: PlayerProfile['balances'] = null;
  if (hasWallet && hasWallet.n > 0) {
    const wallet = await getWallet(q, playerId);
    const bonus = await bonusBalance(q, playerId, wallet.currency);
    balances = {
      currency: wallet.currency,
      cash: wallet.balance,
      inBets: wallet.inBets,
      bonus: bonus.toString(),
    };
  }
  const [open] = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM betting.bets WHERE player_id = $1 AND status IN ('open', 'pending')`,
    [playerId],
  );
  return {
    ...summary,
    exclusion: exclusion ? { kind: exclusion.kind, endsAt: exclusion.endsAt } : null,
    balances,
    openBets: open?.n ?? 0,
    notes: await listNotes(q, playerId),
  };
}

/**
 * A player's cash movements in `range`, newest first: the page the player sees in their own
 * history (GET /api/v1/history/transactions). Read-only and not audited, as the profile is.
 * Throws `player_not_found` for an unknown id or a staff account.
 */
export async function playerTransactions(
  q: Queryable,
  playerId: string,
  range: Range,
  options: { cursor?: string | undefined; limit: number },
): ReturnType<typeof listHistoryTransactions> {
  await findPlayer(q, playerId);
  return listHistoryTransactions(q, playerId, range, options);
}

/** Adds a support note to a player's account, audited in the same transaction. */
export async function addNote(
  db: Db,
  author: { id: string; context: RequestContext },
  playerId: string,
  text: string,
): Promise<SupportNote> {
  return db.transaction(async (tx) => {
    await findPlayer(tx, playerId);
    const [row] = await tx.query<NoteRow>(
      `WITH n AS (
         INSERT INTO support.notes (player_id, author_id, text) VALUES ($1, $2, $3)
         RETURNING id, author_id, text, created_at)
       SELECT n.id, n.author_id, s.display_name AS author_name, n.text, n.created_at
       FROM n LEFT JOIN identity.accounts s ON s.id = n.author_id`,
      [playerId, author.id, text],
    );
    const note = presentNote(row!);
    await audit(tx, {
      actor: { id: author.id, kind: 'staff' },
      action: 'support.note_added',
      target: { type: 'account', id: playerId },
      details: { noteId: note.id, length: text.length },
      context: author.context,
    });
    return note;
  });
}
