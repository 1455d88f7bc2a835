// Partner accounts: affiliates and B2B API clients. Staff with `partners:manage` create them
// with an initial password (held to the partner password rules); the partner signs in at
// the partner door and manages their own API keys.
import type { Config } from '../../platform/config.ts';
import { cursorTime, decodeCursor, encodeCursor } from '../../platform/cursor.ts';
import type { Db, Queryable } from '../../platform/db/db.ts';
import { notFound } from '../../platform/errors.ts';
import { audit } from '../audit/index.ts';
import { insertPreparedAccount, prepareAccount } from './accounts.ts';
import type { Actor } from './escalation.ts';

export const PARTNER_TYPES = ['affiliate', 'b2b'] as const;
export type PartnerType = (typeof PARTNER_TYPES)[number];

export interface PartnerView {
  id: string;
  email: string;
  type: PartnerType;
  companyName: string;
  status: string;
  createdAt: string;
}

interface PartnerRow {
  id: string;
  email: string;
  type: PartnerType;
  company_name: string;
  status: string;
  created_at: Date;
}

const presentPartner = (row: PartnerRow): PartnerView => ({
  id: row.id,
  email: row.email,
  type: row.type,
  companyName: row.company_name,
  status: row.status,
  createdAt: row.created_at.toISOString(),
});

const COLUMNS = 'a.id, a.email, p.type, p.company_name, a.status, p.created_at';
const FROM = 'identity.partners p JOIN identity.accounts a ON a.id = p.account_id';

export interface NewPartner {
  email: string;
  password: string;
  type: PartnerType;
  companyName: string;
}

/** Creates a partner account and its profile (`email_taken` if a partner has the address). */
export async function createPartner(
  db: Db,
  config: Pick<Config, 'argon2'>,
  actor: Actor,
  input: NewPartner,
): Promise<PartnerView> {
  const prepared = await prepareAccount(
    'partner',
    { email: input.email, password: input.password, displayName: input.companyName },
    config.argon2,
  );
  return db.transaction(async (tx) => {
    const account = await insertPreparedAccount(tx, prepared);
    const [row] = await tx.query<{ created_at: Date }>(
      `INSERT INTO identity.partners (account_id, type, company_name, created_by)
       VALUES ($1, $2, $3, $4) RETURNING created_at`,
      [account.id, input.type, prepared.displayName, actor.id],
    );
    await audit(tx, {
      actor: { id: actor.id, kind: actor.kind },
      action: 'partner.created',
      target: { type: 'account', id: account.id },
      details: { type: input.type, companyName: prepared.displayName },
      context: actor.context,
    });
    return presentPartner({
      id: account.id,
      email: account.email,
      type: input.type,
      company_name: prepared.displayName,
      status: account.status,
      created_at: row!.created_at,
    });
  });
}

/** Partners, oldest first, keyset-paginated; optionally of one type. */
export async function listPartners(
  q: Queryable,
  query: { limit: number; cursor?: string | undefined; type?: PartnerType | undefined },
): Promise<{ items: PartnerView[]; nextCursor: string | null }> {
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const rows = await q.query<PartnerRow & { cursor_at: string }>(
    `SELECT ${COLUMNS}, ${cursorTime('p.created_at')} AS cursor_at FROM ${FROM}
     WHERE ($1::text IS NULL OR p.type = $1)
       AND ($2::text IS NULL OR (p.created_at, p.account_id) > ($2::text::timestamptz, $3::uuid))
     ORDER BY p.created_at, p.account_id LIMIT $4`,
    [query.type ?? null, after?.time ?? null, after?.id ?? null, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(presentPartner),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.cursor_at, last.id) : null,
  };
}

/** A partner's own profile. */
export async function getPartner(q: Queryable, id: string): Promise<PartnerView> {
  const [row] = await q.query<PartnerRow>(
    `SELECT ${COLUMNS} FROM ${FROM} WHERE p.account_id = $1`,
    [id],
  );
  if (!row) throw notFound('partner');
  return presentPartner(row);
}
