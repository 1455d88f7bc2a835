// Access tokens are short-lived ES256 JWTs signed with a key kept in the database, so every
// pod verifies what any pod issued; the public keys are published as a JWKS. Refresh tokens
// are opaque random strings stored as SHA-256 hashes and rotated on every use; presenting
// one that was already used revokes its whole family (a stolen token is then useless).
import { createHash, randomBytes } from 'node:crypto';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import type { Db, Tx } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import type { AccountKind, Principal } from '../../platform/http/access.ts';
import { permissionsOf } from './permissions.ts';

const ISSUER = 'ibet';
const AUDIENCE = 'ibet-api';
const ALG = 'ES256';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

export interface TokenSubject {
  id: string;
  kind: AccountKind;
  roles: string[];
}

const invalidToken = (detail = 'The access token is invalid or has expired.') =>
  new DomainError('token_invalid', 'unauthenticated', detail);

const KEY_RELOAD_MS = 5_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function loadKeys(db: Db): Promise<SigningKey[]> {
  const rows = await db.query<{ kid: string; public_jwk: JWK; private_jwk: JWK }>(
    'SELECT kid, public_jwk, private_jwk FROM identity.signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid',
  );
  return Promise.all(
    rows.map(async (r) => ({
      kid: r.kid,
      privateKey: (await importJWK(r.private_jwk, ALG)) as CryptoKey,
      publicKey: (await importJWK(r.public_jwk, ALG)) as CryptoKey,
      publicJwk: r.public_jwk,
    })),
  );
}

async function createKey(db: Db): Promise<void> {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  await db.query(
    `INSERT INTO identity.signing_keys (kid, public_jwk, private_jwk) VALUES ($1, $2, $3)
     ON CONFLICT (kid) DO NOTHING`,
    [
      kid,
      { ...publicJwk, kid, alg: ALG, use: 'sig' },
      { ...(await exportJWK(privateKey)), kid, alg: ALG },
    ],
  );
}

export type RotateResult =
  | { ok: true; accountId: string; familyId: string }
  | { ok: false; reason: 'unknown' | 'expired' | 'reused' };

export interface TokenService {
  /** Signs an access token and stores a new refresh token (in `familyId` when rotating). */
  issue(tx: Tx, subject: TokenSubject, familyId?: string): Promise<TokenPair>;
  verify(token: string): Promise<Principal>;
  /**
   * Marks a refresh token used. A token that was used before revokes its family; the
   * caller must commit that and then refuse the request.
   */
  rotate(tx: Tx, refreshToken: string): Promise<RotateResult>;
  /** Ends the sign-in a refresh token belongs to (its whole family). */
  revoke(tx: Tx, refreshToken: string): Promise<void>;
  jwks(): { keys: JWK[] };
}

export async function createTokenService(
  db: Db,
  ttl: { accessSeconds: number; refreshSeconds: number },
): Promise<TokenService> {
  let keys = await loadKeys(db);
  if (keys.length === 0) {
    await createKey(db);
    keys = await loadKeys(db);
  }
  let keysLoadedAt = Date.now();

  const signer = () => {
    const key = keys[0];
    if (!key) throw new Error('no signing key');
    return key;
  };

  async function newRefreshToken(
    tx: Tx,
    accountId: string,
    familyId: string | null,
  ): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await tx.query(
      `INSERT INTO identity.refresh_tokens (account_id, family_id, token_hash, expires_at)
       VALUES ($1, COALESCE($2::uuid, gen_random_uuid()), $3, now() + make_interval(secs => $4))`,
      [accountId, familyId, sha256(token), ttl.refreshSeconds],
    );
    return token;
  }

  return {
    async issue(tx, subject, familyId) {
      const key = signer();
      const accessToken = await new SignJWT({ kind: subject.kind, roles: subject.roles })
        .setProtectedHeader({ alg: ALG, kid: key.kid, typ: 'JWT' })
        .setSubject(subject.id)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttl.accessSeconds}s`)
        .sign(key.privateKey);
      return {
        accessToken,
        refreshToken: await newRefreshToken(tx, subject.id, familyId ?? null),
        expiresIn: ttl.accessSeconds,
        tokenType: 'Bearer',
      };
    },

    async verify(token) {
      const header = token.split('.')[0] ?? '';
      let kid: string | undefined;
      try {
        kid = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')).kid;
      } catch {
        throw invalidToken();
      }
      let key = keys.find((k) => k.kid === kid);
      // Another pod may have added a key. Look at most every few seconds, so that tokens with
      // made-up key ids cannot turn into a database query each.
      if (!key && typeof kid === 'string' && Date.now() - keysLoadedAt > KEY_RELOAD_MS) {
        keys = await loadKeys(db);
        keysLoadedAt = Date.now();
        key = keys.find((k) => k.kid === kid);
      }
      if (!key) throw invalidToken();
      try {
        const { payload } = await jwtVerify(token, key.publicKey, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: [ALG],
        });
        const kind = payload.kind;
        if (
          typeof payload.sub !== 'string' ||
          (kind !== 'player' && kind !== 'staff' && kind !== 'partner')
        ) {
          throw invalidToken();
        }
        const roles = Array.isArray(payload.roles)
          ? payload.roles.filter((r) => typeof r === 'string')
          : [];
        return {
          accountId: payload.sub,
          kind,
          permissions: kind === 'staff' ? permissionsOf(roles) : new Set(),
        };
      } catch (error) {
        if (error instanceof DomainError) throw error;
        throw invalidToken();
      }
    },

    async rotate(tx, refreshToken) {
      const [row] = await tx.query<{
        id: string;
        account_id: string;
        family_id: string;
        used_at: Date | null;
        revoked_at: Date | null;
        expired: boolean;
      }>(
        `SELECT id, account_id, family_id, used_at, revoked_at, expires_at <= now() AS expired
         FROM identity.refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
        [sha256(refreshToken)],
      );
      if (!row) return { ok: false, reason: 'unknown' };
      if (row.used_at) {
        // Reuse of a rotated token: someone holds a copy. End the whole family.
        await tx.query(
          'UPDATE identity.refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL',
          [row.family_id],
        );
        return { ok: false, reason: 'reused' };
      }
      if (row.revoked_at || row.expired) return { ok: false, reason: 'expired' };
      await tx.query('UPDATE identity.refresh_tokens SET used_at = now() WHERE id = $1', [row.id]);
      return { ok: true, accountId: row.account_id, familyId: row.family_id };
    },

    async revoke(tx, refreshToken) {
      await tx.query(
        `UPDATE identity.refresh_tokens SET revoked_at = now()
         WHERE revoked_at IS NULL
           AND family_id = (SELECT family_id FROM identity.refresh_tokens WHERE token_hash = $1)`,
        [sha256(refreshToken)],
      );
    },

    jwks: () => ({ keys: keys.map((k) => k.publicJwk) }),
  };
}
