// Signing in and refreshing. Each door (player, staff) signs in only its own kind of
// account; a wrong address and a wrong password give the same answer in the same time.
import type { Db } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import type { AccountKind } from '../../platform/http/access.ts';
import { findAccount, findByEmail } from './accounts.ts';
import { burnVerification, verifyPassword } from './passwords.ts';
import type { TokenPair, TokenService } from './tokens.ts';

const badCredentials = () =>
  new DomainError(
    'invalid_credentials',
    'unauthenticated',
    'The email address or password is wrong.',
  );

const refused = () =>
  new DomainError(
    'refresh_token_invalid',
    'unauthenticated',
    'The refresh token is invalid, expired or already used. Sign in again.',
  );

const accountDisabled = () =>
  new DomainError('account_disabled', 'forbidden', 'This account is suspended or closed.');

export async function login(
  db: Db,
  tokens: TokenService,
  kind: AccountKind,
  credentials: { email: string; password: string },
): Promise<TokenPair> {
  const account = await findByEmail(db, kind, credentials.email.trim());
  if (!account) {
    await burnVerification(credentials.password);
    throw badCredentials();
  }
  if (!(await verifyPassword(account.password_hash, credentials.password))) throw badCredentials();
  if (account.status !== 'active') throw accountDisabled();
  return db.transaction((tx) =>
    tokens.issue(tx, { id: account.id, kind: account.kind, roles: account.roles }),
  );
}

export async function refresh(
  db: Db,
  tokens: TokenService,
  kind: AccountKind,
  refreshToken: string,
): Promise<TokenPair> {
  const outcome = await db.transaction(async (tx) => {
    const rotated = await tokens.rotate(tx, refreshToken);
    if (!rotated.ok) return rotated;
    const account = await findAccount(tx, rotated.accountId);
    if (!account || account.kind !== kind) throw refused(); // rolls back: the token stays usable
    if (account.status !== 'active') throw accountDisabled();
    const pair = await tokens.issue(
      tx,
      { id: account.id, kind: account.kind, roles: account.roles },
      rotated.familyId,
    );
    return { ok: true as const, pair };
  });
  // A refused token is refused after the commit, so that revoking a reused family sticks.
  if (!outcome.ok) throw refused();
  return outcome.pair;
}
