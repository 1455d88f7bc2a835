// Access tokens are short-lived ES256 JWTs signed with a key kept in the database, so every
// pod verifies what any pod issued; the public keys are published as a JWKS. A token names
// its session (`sid`), whether the account has a second factor (`mfa`) and when this session
// last proved it (`mfa_at`). Refresh tokens are opaque random strings stored as SHA-256
// hashes and rotated on every use; presenting one that was already used ends its session
// (a stolen copy is then useless). Sign-in with a second factor first gets a short-lived
// challenge token (audience `ibet-mfa`) that only the MFA step accepts.
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
import {
  createSession,
  type Origin,
  onSessionsEnded,
  type SessionPolicy,
  type SessionRow,
} from './session-store.ts';

const ISSUER = 'ibet';
const AUDIENCE = 'ibet-api';
const CHALLENGE_AUDIENCE = 'ibet-mfa';
const CHALLENGE_SECONDS = 300;
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
  /** The account has a confirmed second factor. */
  mfaEnrolled: boolean;
}

export const challengeRefused = () =>
  new DomainError(
    'mfa_token_invalid',
    'unauthenticated',
    'The sign-in has expired. Sign in again.',
  );

const invalidToken = (detail = 'The access token is invalid or has expired.') =>
  new DomainError('token_invalid', 'unauthenticated', detail);

const KEY_RELOAD_MS = 5_000;
/** Every pod re-reads the keys this often, to sign with a rotated key and drop retired ones. */
const KEY_REFRESH_MS = 60_000;

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

/**
 * Rotates the signing key: a new key signs from now on (each pod picks it up within a
 * minute); the previous one still verifies the tokens it signed; older keys are retired.
 * Returns the new key id.
 */
export async function rotateSigningKey(db: Db): Promise<string> {
  const kid = await createKey(db);
  await db.query(
    `UPDATE identity.signing_keys SET retired_at = now()
     WHERE retired_at IS NULL AND kid NOT IN (
       SELECT kid FROM identity.signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid LIMIT 2)`,
  );
  return kid;
}

async function createKey(db: Db): Promise<string> {
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
  return kid;
}

export type RotateResult =
  | { ok: true; session: SessionRow }
  | { ok: false; reason: 'unknown' | 'ended' }
  | { ok: false; reason: 'reused'; sessionId: string };

export interface TokenService {
  /** Starts a sign-in: a session, its first refresh token and an access token. */
  startSession(
    tx: Tx,
    subject: TokenSubject,
    policy: SessionPolicy,
    origin: Origin & { mfaVerified: boolean },
  ): Promise<TokenPair>;
  /** The next pair of a session whose refresh token was just rotated. */
  continueSession(tx: Tx, subject: TokenSubject, session: SessionRow): Promise<TokenPair>;
  /** An access token alone (after a step-up or an MFA enrolment in the session). */
  accessToken(subject: TokenSubject, session: SessionRow): Promise<string>;
  verify(token: string): Promise<Principal>;
  /**
   * Marks a refresh token used. A token that was used before ends its session; the caller
   * must commit that and then refuse the request.
   */
  rotate(tx: Tx, refreshToken: string): Promise<RotateResult>;
  /** The session a refresh token belongs to, if any (logout). */
  sessionOf(tx: Tx, refreshToken: string): Promise<SessionRow | undefined>;
  /** A short-lived, single-use token that lets its holder finish a sign-in with a second factor. */
  challenge(
    tx: Tx,
    subject: { id: string; kind: AccountKind },
  ): Promise<{ mfaToken: string; expiresIn: number }>;
  verifyChallenge(token: string): Promise<{ id: string; accountId: string; kind: AccountKind }>;
  /** Uses up a challenge in the caller's transaction; false if it was used or has expired. */
  consumeChallenge(tx: Tx, challengeId: string): Promise<boolean>;
  /** Lifetime of access tokens for a kind of account, in seconds. */
  accessSecondsFor(kind: AccountKind): number;
  jwks(): { keys: JWK[] };
}

const KINDS: readonly string[] = ['player', 'staff', 'partner'];

/** How long this process trusts what it read of a session (revocation, second factor). */
const SESSION_CHECK_MS = 10_000;

interface SessionState {
  accountId: string;
  alive: boolean;
  mfaEnrolled: boolean;
  mfaVerifiedAt: number | null;
  checkedAt: number;
}

/** How many verified access tokens a process remembers (a few MB). */
const VERIFIED_TOKENS = 10_000;

type Claims = Record<string, unknown> & { sub?: string; exp?: number };

/**
 * The claims of access tokens whose signature this process has checked, until each token's
 * expiry: a player sends many requests with one token, and the ES256 check is the costly part
 * of authenticating them. Only the signature check is skipped; the session check still runs
 * on every request. An entry counts only while the key that signed it is still current (a
 * retired key's tokens are refused at once). Least recently used entries go first.
 */
function verifiedTokens() {
  const entries = new Map<string, { kid: string; claims: Claims }>();
  return {
    get(token: string, kid: string): Claims | undefined {
      const entry = entries.get(token);
      if (!entry) return undefined;
      entries.delete(token);
      const exp = entry.claims.exp;
      if (entry.kid !== kid || typeof exp !== 'number' || exp * 1000 <= Date.now())
        return undefined;
      entries.set(token, entry);
      return entry.claims;
    },
    set(token: string, kid: string, claims: Claims): void {
      // Tokens without an expiry are not remembered (ours always have one).
      if (typeof claims.exp !== 'number') return;
      if (entries.size >= VERIFIED_TOKENS) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      entries.set(token, { kid, claims });
    },
  };
}

export async function createTokenService(
  db: Db,
  ttl: { accessSeconds: number; staffIdleSeconds: number },
): Promise<TokenService> {
  // Staff tokens live at most a third of the staff idle time, so that an active staff
  // member refreshes (and so stays signed in) well before the session would idle out.
  const accessSecondsFor = (kind: AccountKind) =>
    kind === 'staff'
      ? Math.min(ttl.accessSeconds, Math.floor(ttl.staffIdleSeconds / 3))
      : ttl.accessSeconds;

  // Access tokens are checked against their session at most every few seconds per process:
  // a revoked or expired session stops its tokens within SESSION_CHECK_MS, and the second
  // factor's state comes from the database, not only from the token.
  const sessions = new Map<string, SessionState>();
  async function sessionState(sessionId: string): Promise<SessionState> {
    const cached = sessions.get(sessionId);
    if (cached && Date.now() - cached.checkedAt < SESSION_CHECK_MS) return cached;
    const [row] = await db.query<{
      account_id: string;
      alive: boolean;
      mfa_enrolled: boolean;
      mfa_verified_at: Date | null;
    }>(
      `SELECT s.account_id, s.mfa_verified_at,
              (s.revoked_at IS NULL AND s.expires_at > now()
               AND s.last_seen_at + make_interval(secs => s.idle_seconds) > now()) AS alive,
              EXISTS (SELECT 1 FROM identity.totp t WHERE t.account_id = s.account_id AND t.confirmed_at IS NOT NULL)
                AS mfa_enrolled
       FROM identity.sessions s WHERE s.id = $1`,
      [sessionId],
    );
    const state: SessionState = {
      accountId: row?.account_id ?? '',
      alive: row?.alive ?? false,
      mfaEnrolled: row?.mfa_enrolled ?? false,
      mfaVerifiedAt: row?.mfa_verified_at ? Math.floor(row.mfa_verified_at.getTime() / 1000) : null,
      checkedAt: Date.now(),
    };
    if (sessions.size >= 100_000) sessions.clear(); // bounded memory
    sessions.set(sessionId, state);
    return state;
  }
  onSessionsEnded(({ sessionId, accountId }) => {
    if (sessionId) sessions.delete(sessionId);
    if (accountId)
      for (const [id, state] of sessions) if (state.accountId === accountId) sessions.delete(id);
  });
  const verified = verifiedTokens();
  let keys = await loadKeys(db);
  if (keys.length === 0) {
    await createKey(db);
    keys = await loadKeys(db);
  }
  let keysLoadedAt = Date.now();

  // Signing happens inside callers' transactions, where reading the keys from the database
  // would need a second connection (and the embedded database has one): keys are refreshed
  // on the verification path instead, which runs before any transaction.
  const signer = () => {
    const key = keys[0];
    if (!key) throw new Error('no signing key');
    return key;
  };

  async function refreshKeys(): Promise<void> {
    if (Date.now() - keysLoadedAt <= KEY_REFRESH_MS) return;
    keysLoadedAt = Date.now();
    const fresh = await loadKeys(db);
    if (fresh.length > 0) keys = fresh;
  }

  async function keyFor(token: string): Promise<SigningKey> {
    await refreshKeys();
    let kid: unknown;
    try {
      kid = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')).kid;
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
    return key;
  }

  async function newRefreshToken(tx: Tx, session: SessionRow): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await tx.query(
      'INSERT INTO identity.refresh_tokens (session_id, account_id, token_hash) VALUES ($1, $2, $3)',
      [session.id, session.accountId, sha256(token)],
    );
    return token;
  }

  async function accessToken(subject: TokenSubject, session: SessionRow): Promise<string> {
    const key = signer();
    const claims: Record<string, unknown> = {
      kind: subject.kind,
      roles: subject.roles,
      sid: session.id,
      mfa: subject.mfaEnrolled,
    };
    if (session.mfaVerifiedAt) claims.mfa_at = Math.floor(session.mfaVerifiedAt.getTime() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: ALG, kid: key.kid, typ: 'JWT' })
      .setSubject(subject.id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${accessSecondsFor(subject.kind)}s`)
      .sign(key.privateKey);
  }

  async function pair(tx: Tx, subject: TokenSubject, session: SessionRow): Promise<TokenPair> {
    return {
      accessToken: await accessToken(subject, session),
      refreshToken: await newRefreshToken(tx, session),
      expiresIn: accessSecondsFor(subject.kind),
      tokenType: 'Bearer',
    };
  }

  return {
    accessSecondsFor,

    async startSession(tx, subject, policy, origin) {
      const session = await createSession(tx, subject.id, policy, origin);
      return pair(tx, subject, session);
    },

    continueSession: pair,
    accessToken,

    async verify(token) {
      const key = await keyFor(token);
      let payload = verified.get(token, key.kid);
      if (!payload) {
        try {
          ({ payload } = await jwtVerify(token, key.publicKey, {
            issuer: ISSUER,
            audience: AUDIENCE,
            algorithms: [ALG],
          }));
        } catch {
          throw invalidToken();
        }
        verified.set(token, key.kid, payload);
      }
      const kind = payload.kind;
      if (typeof payload.sub !== 'string' || typeof kind !== 'string' || !KINDS.includes(kind)) {
        throw invalidToken();
      }
      const roles = Array.isArray(payload.roles)
        ? payload.roles.filter((r) => typeof r === 'string')
        : [];
      if (typeof payload.sid !== 'string') throw invalidToken();
      const session = await sessionState(payload.sid);
      if (!session.alive || session.accountId !== payload.sub) {
        throw new DomainError(
          'session_ended',
          'unauthenticated',
          'This sign-in has ended. Sign in again.',
        );
      }
      const claimedAt = typeof payload.mfa_at === 'number' ? payload.mfa_at : null;
      return {
        accountId: payload.sub,
        kind: kind as AccountKind,
        permissions: kind === 'staff' ? permissionsOf(roles) : new Set(),
        sessionId: payload.sid,
        mfa: {
          enrolled: payload.mfa === true || session.mfaEnrolled,
          verifiedAt:
            claimedAt === null || session.mfaVerifiedAt === null
              ? (claimedAt ?? session.mfaVerifiedAt)
              : Math.max(claimedAt, session.mfaVerifiedAt),
        },
      };
    },

    async rotate(tx, refreshToken) {
      const [row] = await tx.query<{
        id: string;
        used_at: Date | null;
        session_id: string;
        account_id: string;
        mfa_verified_at: Date | null;
        ended: boolean;
      }>(
        `SELECT r.id, r.used_at, s.id AS session_id, s.account_id, s.mfa_verified_at,
                (s.revoked_at IS NOT NULL OR s.expires_at <= now()
                 OR s.last_seen_at + make_interval(secs => s.idle_seconds) <= now()) AS ended
         FROM identity.refresh_tokens r JOIN identity.sessions s ON s.id = r.session_id
         WHERE r.token_hash = $1 FOR UPDATE OF r, s`,
        [sha256(refreshToken)],
      );
      if (!row) return { ok: false, reason: 'unknown' };
      if (row.used_at) {
        // Reuse of a rotated token: someone holds a copy. End the whole session.
        await tx.query(
          `UPDATE identity.sessions SET revoked_at = now(), revoked_reason = 'refresh_token_reused'
           WHERE id = $1 AND revoked_at IS NULL`,
          [row.session_id],
        );
        sessions.delete(row.session_id);
        return { ok: false, reason: 'reused', sessionId: row.session_id };
      }
      if (row.ended) return { ok: false, reason: 'ended' };
      await tx.query('UPDATE identity.refresh_tokens SET used_at = now() WHERE id = $1', [row.id]);
      await tx.query('UPDATE identity.sessions SET last_seen_at = now() WHERE id = $1', [
        row.session_id,
      ]);
      return {
        ok: true,
        session: {
          id: row.session_id,
          accountId: row.account_id,
          mfaVerifiedAt: row.mfa_verified_at,
        },
      };
    },

    async sessionOf(tx, refreshToken) {
      const [row] = await tx.query<{
        session_id: string;
        account_id: string;
        mfa_verified_at: Date | null;
      }>(
        `SELECT s.id AS session_id, s.account_id, s.mfa_verified_at
         FROM identity.refresh_tokens r JOIN identity.sessions s ON s.id = r.session_id
         WHERE r.token_hash = $1`,
        [sha256(refreshToken)],
      );
      return row
        ? { id: row.session_id, accountId: row.account_id, mfaVerifiedAt: row.mfa_verified_at }
        : undefined;
    },

    async challenge(tx, subject) {
      const key = signer();
      const [row] = await tx.query<{ id: string }>(
        `INSERT INTO identity.mfa_challenges (account_id, expires_at)
         VALUES ($1, now() + make_interval(secs => $2)) RETURNING id`,
        [subject.id, CHALLENGE_SECONDS],
      );
      const mfaToken = await new SignJWT({ kind: subject.kind })
        .setProtectedHeader({ alg: ALG, kid: key.kid, typ: 'JWT' })
        .setSubject(subject.id)
        .setJti(row!.id)
        .setIssuer(ISSUER)
        .setAudience(CHALLENGE_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${CHALLENGE_SECONDS}s`)
        .sign(key.privateKey);
      return { mfaToken, expiresIn: CHALLENGE_SECONDS };
    },

    async verifyChallenge(token) {
      let payload: Record<string, unknown> & { sub?: string; jti?: string };
      try {
        const key = await keyFor(token);
        ({ payload } = await jwtVerify(token, key.publicKey, {
          issuer: ISSUER,
          audience: CHALLENGE_AUDIENCE,
          algorithms: [ALG],
        }));
      } catch {
        throw challengeRefused();
      }
      if (
        typeof payload.sub !== 'string' ||
        typeof payload.jti !== 'string' ||
        typeof payload.kind !== 'string' ||
        !KINDS.includes(payload.kind)
      ) {
        throw challengeRefused();
      }
      return { id: payload.jti, accountId: payload.sub, kind: payload.kind as AccountKind };
    },

    async consumeChallenge(tx, challengeId) {
      const used = await tx.query(
        `UPDATE identity.mfa_challenges SET used_at = now()
         WHERE id = $1 AND used_at IS NULL AND expires_at > now() RETURNING 1`,
        [challengeId],
      );
      return used.length > 0;
    },

    jwks: () => ({ keys: keys.map((k) => k.publicJwk) }),
  };
}
