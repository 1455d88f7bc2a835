// Partner API keys for the B2B routes. A key is `ibet_<prefix>_<secret>`: the 12 hex digits
// of the prefix are public (they name the key in lists and logs and find its row), the 64 hex
// digits of the secret are 256 random bits. The key is shown once, when it is made; only its
// SHA-256 is stored (a slow password hash buys nothing against a secret that cannot be
// guessed). Keys carry scopes; a partner creates, lists, rotates and revokes their own.
// Rotation issues a new key with the same name and scopes and lets the old one work on for a
// grace period the partner chooses (default none), so a running integration can switch over.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { cursorTime, decodeCursor, encodeCursor } from '../../platform/cursor.ts';
import type { Db, Queryable, Tx } from '../../platform/db/db.ts';
import { DomainError, notFound } from '../../platform/errors.ts';
import type { ApiClient } from '../../platform/http/access.ts';
import { audit } from '../audit/index.ts';
import type { Actor } from './escalation.ts';

export const API_KEY_SCOPES = ['odds:read', 'webhooks:manage', 'reports:read'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Keys a partner may have working at once (active or in a rotation's grace period). */
export const MAX_LIVE_KEYS = 20;
/** The longest grace period of a rotated key. */
export const MAX_GRACE_SECONDS = 7 * 24 * 3600;
/** `last_used_at` is written at most this often per key: a key in use costs no write per request. */
const TOUCH_EVERY_SECONDS = 60;

const KEY_PATTERN = /^ibet_([0-9a-f]{12})_([0-9a-f]{64})$/;

export interface ApiKeyView {
  id: string;
  name: string;
  /** The public part, `ibet_<prefix>_…`, to tell keys apart. */
  prefix: string;
  scopes: ApiKeyScope[];
  /** `expiring`: rotated, still working until `revokedAt`. */
  status: 'active' | 'expiring' | 'revoked';
  createdAt: string;
  lastUsedAt: string | null;
  /** When the key stopped (or, while expiring, stops) working. */
  revokedAt: string | null;
  /** The key that replaced this one in a rotation. */
  replacedBy: string | null;
}

/** A new key: its description, and the key itself, which is never shown again. */
export interface IssuedApiKey {
  apiKey: ApiKeyView;
  key: string;
}

interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  status: ApiKeyView['status'];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  replaced_by: string | null;
}

const COLUMNS = `id, name, prefix, scopes, created_at, last_used_at, revoked_at, replaced_by,
  CASE WHEN revoked_at IS NULL THEN 'active' WHEN revoked_at > now() THEN 'expiring' ELSE 'revoked' END
    AS status`;

const present = (row: ApiKeyRow): ApiKeyView => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  scopes: API_KEY_SCOPES.filter((s) => row.scopes.includes(s)),
  status: row.status,
  createdAt: row.created_at.toISOString(),
  lastUsedAt: row.last_used_at?.toISOString() ?? null,
  revokedAt: row.revoked_at?.toISOString() ?? null,
  replacedBy: row.replaced_by,
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function generateKey(): { prefix: string; key: string } {
  const prefix = randomBytes(6).toString('hex');
  return { prefix, key: `ibet_${prefix}_${randomBytes(32).toString('hex')}` };
}

const keyNotFound = () => notFound('api_key');
const actorOf = (partner: Actor) => ({ id: partner.id, kind: partner.kind });

/** Locks the partner's profile: key limits and rotations of one partner run one at a time. */
async function lockPartner(tx: Tx, partnerId: string): Promise<void> {
  const [row] = await tx.query('SELECT 1 FROM identity.partners WHERE account_id = $1 FOR UPDATE', [
    partnerId,
  ]);
  if (!row) throw notFound('partner');
}

async function insertKey(
  tx: Tx,
  partnerId: string,
  name: string,
  scopes: readonly string[],
): Promise<IssuedApiKey> {
  const { prefix, key } = generateKey();
  const [row] = await tx.query<ApiKeyRow>(
    `INSERT INTO identity.api_keys (partner_id, name, prefix, key_hash, scopes)
     VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
    [partnerId, name, prefix, sha256(key), API_KEY_SCOPES.filter((s) => scopes.includes(s))],
  );
  return { apiKey: present(row!), key };
}

export interface NewApiKey {
  name: string;
  scopes: string[];
}

/** Creates a key for the signed-in partner (`api_key_limit_reached` past MAX_LIVE_KEYS). */
export async function createApiKey(
  db: Db,
  partner: Actor,
  input: NewApiKey,
): Promise<IssuedApiKey> {
  const unknown = input.scopes.filter((s) => !(API_KEY_SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw new DomainError('unknown_scope', 'invalid', `Unknown scopes: ${unknown.join(', ')}.`, {
      field: 'scopes',
      scopes: unknown,
    });
  }
  const name = input.name.trim();
  if (name.length === 0 || /\p{Cc}/u.test(name)) {
    throw new DomainError(
      'invalid_name',
      'invalid',
      'A key name needs a visible character and no control characters.',
      { field: 'name' },
    );
  }
  return db.transaction(async (tx) => {
    await lockPartner(tx, partner.id);
    const [live] = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM identity.api_keys
       WHERE partner_id = $1 AND (revoked_at IS NULL OR revoked_at > now())`,
      [partner.id],
    );
    if (live!.n >= MAX_LIVE_KEYS) {
      throw new DomainError(
        'api_key_limit_reached',
        'conflict',
        `A partner may have ${MAX_LIVE_KEYS} working keys; revoke one first.`,
        { max: MAX_LIVE_KEYS },
      );
    }
    const issued = await insertKey(tx, partner.id, name, input.scopes);
    await audit(tx, {
      actor: actorOf(partner),
      action: 'api_key.created',
      target: { type: 'api_key', id: issued.apiKey.id },
      details: { name, prefix: issued.apiKey.prefix, scopes: issued.apiKey.scopes },
      context: partner.context,
    });
    return issued;
  });
}

async function lockKey(tx: Tx, partnerId: string, keyId: string): Promise<ApiKeyRow> {
  const [row] = await tx.query<ApiKeyRow>(
    `SELECT ${COLUMNS} FROM identity.api_keys WHERE id = $1 AND partner_id = $2 FOR UPDATE`,
    [keyId, partnerId],
  );
  if (!row) throw keyNotFound(); // another partner's key does not exist for this one
  return row;
}

/**
 * Replaces a working key with a new one of the same name and scopes; the old key keeps
 * working for `graceSeconds` (0: it stops now). A revoked or already rotated key cannot be.
 */
export async function rotateApiKey(
  db: Db,
  partner: Actor,
  keyId: string,
  options: { graceSeconds?: number | undefined } = {},
): Promise<IssuedApiKey> {
  const graceSeconds = options.graceSeconds ?? 0;
  return db.transaction(async (tx) => {
    await lockPartner(tx, partner.id);
    const old = await lockKey(tx, partner.id, keyId);
    if (old.status !== 'active') {
      throw new DomainError(
        'api_key_not_active',
        'conflict',
        'This key was revoked or already rotated; rotate its replacement or create a key.',
        { keyStatus: old.status, replacedBy: old.replaced_by },
      );
    }
    const issued = await insertKey(tx, partner.id, old.name, old.scopes);
    await tx.query(
      `UPDATE identity.api_keys SET revoked_at = now() + make_interval(secs => $2), replaced_by = $3
       WHERE id = $1`,
      [old.id, graceSeconds, issued.apiKey.id],
    );
    await audit(tx, {
      actor: actorOf(partner),
      action: 'api_key.rotated',
      target: { type: 'api_key', id: old.id },
      details: {
        prefix: old.prefix,
        newKeyId: issued.apiKey.id,
        newPrefix: issued.apiKey.prefix,
        graceSeconds,
      },
      context: partner.context,
    });
    return issued;
  });
}

/** Stops a key now (also one in a rotation's grace period). Revoking it again changes nothing. */
export async function revokeApiKey(db: Db, partner: Actor, keyId: string): Promise<ApiKeyView> {
  return db.transaction(async (tx) => {
    const key = await lockKey(tx, partner.id, keyId);
    if (key.status === 'revoked') return present(key);
    const [row] = await tx.query<ApiKeyRow>(
      `UPDATE identity.api_keys SET revoked_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [key.id],
    );
    await audit(tx, {
      actor: actorOf(partner),
      action: 'api_key.revoked',
      target: { type: 'api_key', id: key.id },
      details: { prefix: key.prefix, wasStatus: key.status },
      context: partner.context,
    });
    return present(row!);
  });
}

/** The partner's keys, newest first, keyset-paginated. */
export async function listApiKeys(
  q: Queryable,
  partnerId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<{ items: ApiKeyView[]; nextCursor: string | null }> {
  const before = query.cursor ? decodeCursor(query.cursor) : null;
  const rows = await q.query<ApiKeyRow & { cursor_at: string }>(
    `SELECT ${COLUMNS}, ${cursorTime('created_at')} AS cursor_at FROM identity.api_keys
     WHERE partner_id = $1
       AND ($2::text IS NULL OR (created_at, id) < ($2::text::timestamptz, $3::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $4`,
    [partnerId, before?.time ?? null, before?.id ?? null, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(present),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.cursor_at, last.id) : null,
  };
}

const invalidKey = () =>
  new DomainError('api_key_invalid', 'unauthenticated', 'The API key is not valid.');

/**
 * The `verifyApiKey` of the HTTP server: finds the key by its prefix, compares hashes in
 * constant time, refuses revoked keys and keys of partners who are not active, and notes
 * when the key was last used (at most once a minute per key).
 */
export function createApiKeyVerifier(db: Db): (key: string) => Promise<ApiClient> {
  return async (key) => {
    const match = KEY_PATTERN.exec(key);
    if (!match) throw invalidKey();
    const [row] = await db.query<{
      id: string;
      partner_id: string;
      key_hash: string;
      scopes: string[];
      revoked: boolean;
      partner_status: string;
      touch: boolean;
    }>(
      `SELECT k.id, k.partner_id, k.key_hash, k.scopes, a.status AS partner_status,
              (k.revoked_at IS NOT NULL AND k.revoked_at <= now()) AS revoked,
              (k.last_used_at IS NULL OR k.last_used_at < now() - make_interval(secs => $2)) AS touch
       FROM identity.api_keys k JOIN identity.accounts a ON a.id = k.partner_id
       WHERE k.prefix = $1`,
      [match[1], TOUCH_EVERY_SECONDS],
    );
    if (!row || !timingSafeEqual(Buffer.from(sha256(key)), Buffer.from(row.key_hash))) {
      throw invalidKey();
    }
    if (row.revoked) {
      throw new DomainError(
        'api_key_revoked',
        'unauthenticated',
        'This API key was revoked. Use a current key.',
      );
    }
    if (row.partner_status !== 'active') {
      throw new DomainError(
        'account_disabled',
        'forbidden',
        'This account is suspended or closed.',
      );
    }
    if (row.touch) {
      await db.query(
        `UPDATE identity.api_keys SET last_used_at = now()
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))`,
        [row.id, TOUCH_EVERY_SECONDS],
      );
    }
    return { keyId: row.id, partnerId: row.partner_id, scopes: new Set(row.scopes) };
  };
}
