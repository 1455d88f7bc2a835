// Links sent by mail (email verification, password reset) carry a random token; only its
// hash is stored, it expires, and it works once.
import { createHash, randomBytes } from 'node:crypto';
import type { Tx } from '../../platform/db/db.ts';

export type Purpose = 'verify_email' | 'reset_password';

const LIFETIME_SECONDS: Record<Purpose, number> = {
  verify_email: 7 * 86400,
  reset_password: 3600,
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A new token; earlier unused tokens of the same purpose stop working. */
export async function issueToken(tx: Tx, accountId: string, purpose: Purpose): Promise<string> {
  await tx.query(
    `UPDATE identity.one_time_tokens SET used_at = now()
     WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL`,
    [accountId, purpose],
  );
  const token = randomBytes(32).toString('base64url');
  await tx.query(
    `INSERT INTO identity.one_time_tokens (account_id, purpose, token_hash, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
    [accountId, purpose, sha256(token), LIFETIME_SECONDS[purpose]],
  );
  return token;
}

/** Uses a token; returns its account, or undefined if it is unknown, used or expired. */
export async function consumeToken(
  tx: Tx,
  token: string,
  purpose: Purpose,
): Promise<string | undefined> {
  const [row] = await tx.query<{ account_id: string }>(
    `UPDATE identity.one_time_tokens SET used_at = now()
     WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
     RETURNING account_id`,
    [sha256(token), purpose],
  );
  return row?.account_id;
}
