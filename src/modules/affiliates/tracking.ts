// Tracking links, clicks and attribution. A link's code is 128 random bits: a code that is not
// in the table is a forgery, records nothing and credits nobody. A click stores the visitor's
// id (a random id the visitor's browser keeps in a cookie); at registration the player is
// credited to the first or last click of that visitor within the cookie window
// (IBET_AFFILIATE_ATTRIBUTION, IBET_AFFILIATE_COOKIE_DAYS). Attribution happens once per
// player and never changes.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Db, Queryable, Tx } from '../../platform/db/db.ts';
import { DomainError, notFound } from '../../platform/errors.ts';
import { isUuid } from '../../platform/uuid.ts';
import { audit, type RequestContext } from '../audit/index.ts';

export const VISITOR_COOKIE = 'ibet_ref';
const CODE = /^[A-Za-z0-9_-]{22}$/;
/** A landing page on this site: a path, never another host (no open redirect). */
const LANDING = /^\/(?![/\\])[\x21-\x7e]{0,500}$/;

export interface LinkView {
  id: string;
  code: string;
  name: string;
  landingPath: string;
  /** The link to share: <public URL>/r/<code>. */
  url: string;
  status: 'active' | 'disabled';
  createdAt: string;
}

interface LinkRow {
  id: string;
  code: string;
  name: string;
  landing_path: string;
  disabled_at: Date | null;
  created_at: Date;
}

const presentLink =
  (publicUrl: string) =>
  (row: LinkRow): LinkView => ({
    id: row.id,
    code: row.code,
    name: row.name,
    landingPath: row.landing_path,
    url: `${publicUrl.replace(/\/+$/, '')}/r/${row.code}`,
    status: row.disabled_at ? 'disabled' : 'active',
    createdAt: row.created_at.toISOString(),
  });

const MAX_LINKS = 200;

export async function createLink(
  db: Db,
  partner: { id: string; context?: RequestContext | undefined },
  input: { name: string; landingPath?: string | undefined },
  publicUrl: string,
): Promise<LinkView> {
  const landingPath = input.landingPath ?? '/';
  if (!LANDING.test(landingPath)) {
    throw new DomainError(
      'invalid_landing_path',
      'invalid',
      'The landing page is a path on this site, e.g. /sports/football.',
      { field: 'landingPath' },
    );
  }
  const name = input.name.trim();
  if (!name || /\p{Cc}/u.test(name)) {
    throw new DomainError('invalid_name', 'invalid', 'A link name needs a visible character.', {
      field: 'name',
    });
  }
  return db.transaction(async (tx) => {
    const [partnerRow] = await tx.query<{ type: string }>(
      'SELECT type FROM identity.partners WHERE account_id = $1 FOR UPDATE',
      [partner.id],
    );
    if (partnerRow?.type !== 'affiliate') {
      throw new DomainError('not_an_affiliate', 'forbidden', 'Tracking links are for affiliates.');
    }
    const [count] = await tx.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM affiliates.links WHERE partner_id = $1 AND disabled_at IS NULL',
      [partner.id],
    );
    if (count!.n >= MAX_LINKS) {
      throw new DomainError('link_limit_reached', 'conflict', `At most ${MAX_LINKS} active links.`);
    }
    const [row] = await tx.query<LinkRow>(
      `INSERT INTO affiliates.links (partner_id, code, name, landing_path) VALUES ($1, $2, $3, $4)
       RETURNING id, code, name, landing_path, disabled_at, created_at`,
      [partner.id, randomBytes(16).toString('base64url'), name, landingPath],
    );
    await audit(tx, {
      actor: { id: partner.id, kind: 'partner' },
      action: 'affiliate_link.created',
      target: { type: 'affiliate_link', id: row!.id },
      details: { name, landingPath },
      context: partner.context,
    });
    return presentLink(publicUrl)(row!);
  });
}

export async function listLinks(q: Queryable, partnerId: string, publicUrl: string) {
  const rows = await q.query<LinkRow>(
    `SELECT id, code, name, landing_path, disabled_at, created_at FROM affiliates.links
     WHERE partner_id = $1 ORDER BY created_at DESC, id`,
    [partnerId],
  );
  return rows.map(presentLink(publicUrl));
}

export async function disableLink(
  db: Db,
  partner: { id: string; context?: RequestContext | undefined },
  linkId: string,
  publicUrl: string,
): Promise<LinkView> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<LinkRow>(
      `UPDATE affiliates.links SET disabled_at = COALESCE(disabled_at, now())
       WHERE id = $1 AND partner_id = $2
       RETURNING id, code, name, landing_path, disabled_at, created_at`,
      [linkId, partner.id],
    );
    if (!row) throw notFound('affiliate_link');
    await audit(tx, {
      actor: { id: partner.id, kind: 'partner' },
      action: 'affiliate_link.disabled',
      target: { type: 'affiliate_link', id: linkId },
      context: partner.context,
    });
    return presentLink(publicUrl)(row);
  });
}

export interface Click {
  /** Where to send the visitor. */
  landingPath: string;
  /** The visitor id to keep in the cookie. */
  visitorId: string;
}

/**
 * Records a click on a link. Returns undefined for a code that is not a live link (forged,
 * mistyped or disabled): nothing is recorded and the visitor simply lands on the home page.
 */
export async function recordClick(
  db: Db,
  code: string,
  visitor: {
    visitorId?: string | undefined;
    referrer?: string | undefined;
    userAgent?: string | undefined;
  },
): Promise<Click | undefined> {
  if (!CODE.test(code)) return undefined;
  const visitorId = isUuid(visitor.visitorId) ? visitor.visitorId : randomUUID();
  const [row] = await db.query<{ landing_path: string }>(
    `WITH link AS (
       SELECT id, landing_path FROM affiliates.links WHERE code = $1 AND disabled_at IS NULL
     ), click AS (
       INSERT INTO affiliates.clicks (link_id, visitor_id, referrer, user_agent)
       SELECT id, $2, $3, $4 FROM link RETURNING link_id
     )
     SELECT landing_path FROM link`,
    [
      code,
      visitorId,
      visitor.referrer?.slice(0, 500) ?? null,
      visitor.userAgent?.slice(0, 300) ?? null,
    ],
  );
  return row ? { landingPath: row.landing_path, visitorId } : undefined;
}

/**
 * Credits a newly registered player to an affiliate from the visitor's clicks. Changes nothing
 * when the visitor id is unknown, its clicks are outside the window, or the player already
 * has a referrer. Returns the partner credited, if any.
 */
export async function attributeRegistration(
  db: Db,
  playerId: string,
  visitorId: string | undefined,
  options: { attribution: 'first_click' | 'last_click'; cookieDays: number },
): Promise<string | undefined> {
  if (!isUuid(visitorId)) return undefined;
  const order = options.attribution === 'first_click' ? 'ASC' : 'DESC';
  return db.transaction(async (tx) => {
    const [click] = await tx.query<{ id: bigint; link_id: string; partner_id: string }>(
      `SELECT c.id, c.link_id, l.partner_id FROM affiliates.clicks c
       JOIN affiliates.links l ON l.id = c.link_id
       JOIN identity.accounts a ON a.id = l.partner_id AND a.status = 'active'
       WHERE c.visitor_id = $1 AND c.clicked_at >= now() - make_interval(days => $2)
       ORDER BY c.clicked_at ${order}, c.id ${order} LIMIT 1`,
      [visitorId, options.cookieDays],
    );
    if (!click) return undefined;
    const inserted = await tx.query(
      `INSERT INTO affiliates.referrals (player_id, partner_id, link_id, click_id, model)
       SELECT $1, $2, $3, $4, $5 FROM identity.accounts WHERE id = $1 AND kind = 'player'
       ON CONFLICT (player_id) DO NOTHING RETURNING 1`,
      [playerId, click.partner_id, click.link_id, click.id, options.attribution],
    );
    if (inserted.length === 0) return undefined;
    await audit(tx, {
      actor: null,
      action: 'affiliate.player_attributed',
      target: { type: 'account', id: playerId },
      details: { partnerId: click.partner_id, linkId: click.link_id, model: options.attribution },
    });
    return click.partner_id;
  });
}

/** The affiliate who referred a player, if one did (the webhooks of bets use it). */
/** The partner who referred each of the players that were referred, by player. */
export async function referrersOf(
  q: Queryable | Tx,
  playerIds: readonly string[],
): Promise<Map<string, string>> {
  const rows = await q.query<{ player_id: string; partner_id: string }>(
    'SELECT player_id, partner_id FROM affiliates.referrals WHERE player_id = ANY($1::uuid[])',
    [playerIds],
  );
  return new Map(rows.map((r) => [r.player_id, r.partner_id]));
}

/** The visitor id from a Cookie header. */
export function visitorFromCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === VISITOR_COOKIE) {
      const id = value.join('=');
      return isUuid(id) ? id : undefined;
    }
  }
  return undefined;
}
