// Signing in, the second factor, refreshing and signing out. Each door (player, staff,
// partner) signs in only its own kind of account; a wrong address and a wrong password get
// the same answer in the same time; failures are throttled per address and per IP; every
// attempt, successful or not, is in the audit log.
import type { Config } from '../../platform/config.ts';
import type { Db, Tx } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import { emit } from '../../platform/events/outbox.ts';
import type { AccountKind } from '../../platform/http/access.ts';
import { audit, type RequestContext } from '../audit/index.ts';
import {
  type AccountRow,
  findAccount,
  findByEmail,
  gatedPlayer,
  setPasswordHash,
} from './accounts.ts';
import { burnVerification, hashPassword, needsRehash, verifyPassword } from './passwords.ts';
import type { PlayerGate } from './player-gate.ts';
import {
  markMfaVerified,
  type Origin,
  policyFor,
  revokeSession,
  type SessionRow,
} from './session-store.ts';
import { checkThrottle, clearFailures, recordFailure, type ThrottleRule } from './throttle.ts';
import {
  challengeRefused,
  type TokenPair,
  type TokenService,
  type TokenSubject,
} from './tokens.ts';
import { type SecondFactor, verifySecondFactor } from './totp.ts';

export interface SignInDeps {
  db: Db;
  tokens: TokenService;
  config: Pick<Config, 'argon2' | 'sessions' | 'throttle'>;
  /** Responsible-gambling checks of a player's sign-in (see player-gate.ts). */
  gate?: PlayerGate | undefined;
}

export type SignInContext = RequestContext & Origin;

export interface MfaChallenge {
  mfaRequired: true;
  mfaToken: string;
  expiresIn: number;
}

const badCredentials = () =>
  new DomainError(
    'invalid_credentials',
    'unauthenticated',
    'The email address or password is wrong.',
  );

const accountDisabled = () =>
  new DomainError('account_disabled', 'forbidden', 'This account is suspended or closed.');

const refused = () =>
  new DomainError(
    'refresh_token_invalid',
    'unauthenticated',
    'The refresh token is invalid, expired or already used. Sign in again.',
  );

const wrongCode = () =>
  new DomainError('mfa_invalid', 'unauthenticated', 'The code is wrong, expired or already used.');

export const subjectOf = (account: AccountRow): TokenSubject => ({
  id: account.id,
  kind: account.kind,
  roles: account.roles,
  mfaEnrolled: account.mfa_enrolled,
});

function loginRules(
  deps: SignInDeps,
  kind: AccountKind,
  email: string,
  ip: string | null,
): ThrottleRule[] {
  const { throttle } = deps.config;
  const rules: ThrottleRule[] = [
    {
      key: `login:${kind}:${email.trim().toLowerCase()}`,
      perHour: kind === 'staff' ? throttle.staffPerHour : throttle.accountPerHour,
      backoffAfter: 5,
    },
  ];
  if (ip) rules.push({ key: `ip:${ip}`, perHour: throttle.ipPerHour });
  return rules;
}

const mfaRule = (accountId: string): ThrottleRule => ({
  key: `mfa:${accountId}`,
  perHour: 20,
  backoffAfter: 3,
});

/** Records a refused attempt (and its audit record) in a transaction of its own. */
async function refuse(
  deps: SignInDeps,
  rules: ThrottleRule[],
  entry: { account: AccountRow | undefined; action: string; reason: string; email?: string },
  context: SignInContext,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const reached = await recordFailure(tx, rules);
    await audit(tx, {
      actor: entry.account ? { id: entry.account.id, kind: entry.account.kind } : null,
      action: entry.action,
      target: entry.account ? { type: 'account', id: entry.account.id } : undefined,
      outcome: 'failure',
      details: { reason: entry.reason, ...(entry.email ? { email: entry.email } : {}) },
      context,
    });
    // Tell the owner once, when the address or the codes are locked out: someone is guessing.
    if (
      entry.account &&
      reached.some((key) => key.startsWith('login:') || key.startsWith('mfa:'))
    ) {
      await emit(tx, {
        type: 'identity.sign_in_locked',
        aggregateId: entry.account.id,
        payload: {
          accountId: entry.account.id,
          email: entry.account.email,
          displayName: entry.account.display_name,
        },
      });
    }
  });
}

/** Like checkThrottle, but a refused code attempt is audited, as refused sign-ins are. */
async function checkCodeThrottle(
  deps: SignInDeps,
  rules: ThrottleRule[],
  entry: { account: AccountRow; action: string },
  context: SignInContext,
): Promise<void> {
  try {
    await checkThrottle(deps.db, rules);
  } catch (error) {
    await deps.db.transaction((tx) =>
      audit(tx, {
        actor: { id: entry.account.id, kind: entry.account.kind },
        action: entry.action,
        target: { type: 'account', id: entry.account.id },
        outcome: 'failure',
        details: { reason: 'throttled' },
        context,
      }),
    );
    throw error;
  }
}

async function startSession(
  tx: Tx,
  deps: SignInDeps,
  account: AccountRow,
  context: SignInContext,
  mfaVerified: boolean,
): Promise<TokenPair> {
  if (account.kind === 'player') await deps.gate?.signedIn(tx, gatedPlayer(account));
  const pair = await deps.tokens.startSession(
    tx,
    subjectOf(account),
    policyFor(account.kind, deps.config.sessions),
    {
      ip: context.ip,
      userAgent: context.userAgent,
      mfaVerified,
    },
  );
  await audit(tx, {
    actor: { id: account.id, kind: account.kind },
    action: 'auth.login',
    target: { type: 'account', id: account.id },
    details: { mfa: mfaVerified },
    context,
  });
  return pair;
}

export async function login(
  deps: SignInDeps,
  kind: AccountKind,
  credentials: { email: string; password: string },
  context: SignInContext,
): Promise<TokenPair | MfaChallenge> {
  const { db } = deps;
  const rules = loginRules(deps, kind, credentials.email, context.ip);
  try {
    await checkThrottle(db, rules);
  } catch (error) {
    const account = await findByEmail(db, kind, credentials.email.trim());
    await db.transaction((tx) =>
      audit(tx, {
        actor: account ? { id: account.id, kind } : null,
        action: 'auth.login',
        outcome: 'failure',
        details: { reason: 'throttled', email: credentials.email },
        context,
      }),
    );
    throw error;
  }
  const account = await findByEmail(db, kind, credentials.email.trim());
  if (!account) {
    await burnVerification(credentials.password, deps.config.argon2);
    await refuse(
      deps,
      rules,
      { account, action: 'auth.login', reason: 'unknown_account', email: credentials.email },
      context,
    );
    throw badCredentials();
  }
  if (!(await verifyPassword(account.password_hash, credentials.password))) {
    await refuse(deps, rules, { account, action: 'auth.login', reason: 'wrong_password' }, context);
    throw badCredentials();
  }
  if (account.status !== 'active') {
    await refuse(deps, [], { account, action: 'auth.login', reason: 'account_disabled' }, context);
    throw accountDisabled();
  }
  // Hash with the current parameters while the password is at hand.
  const rehash = needsRehash(account.password_hash, deps.config.argon2)
    ? await hashPassword(credentials.password, deps.config.argon2)
    : undefined;
  return db.transaction(async (tx) => {
    await clearFailures(tx, rules[0]!.key);
    if (rehash) await setPasswordHash(tx, account.id, rehash);
    if (account.mfa_enrolled) {
      await audit(tx, {
        actor: { id: account.id, kind: account.kind },
        action: 'auth.mfa_challenged',
        target: { type: 'account', id: account.id },
        context,
      });
      return { mfaRequired: true as const, ...(await deps.tokens.challenge(tx, account)) };
    }
    return startSession(tx, deps, account, context, false);
  });
}

/** The second step of a sign-in with a second factor. */
export async function completeMfaLogin(
  deps: SignInDeps,
  kind: AccountKind,
  input: { mfaToken: string } & SecondFactor,
  context: SignInContext,
): Promise<TokenPair> {
  const { db } = deps;
  const challenge = await deps.tokens.verifyChallenge(input.mfaToken);
  if (challenge.kind !== kind) throw challengeRefused();
  const account = await findAccount(db, challenge.accountId);
  if (!account) throw challengeRefused();
  if (account.status !== 'active') throw accountDisabled();
  const rules = [mfaRule(account.id)];
  await checkCodeThrottle(deps, rules, { account, action: 'auth.mfa' }, context);
  const pair = await db.transaction(async (tx) => {
    if (!(await verifySecondFactor(tx, account.id, input))) return undefined;
    // The challenge works once: a second sign-in needs the password again (rolls back).
    if (!(await deps.tokens.consumeChallenge(tx, challenge.id))) throw challengeRefused();
    await clearFailures(tx, rules[0]!.key);
    return startSession(tx, deps, account, context, true);
  });
  if (!pair) {
    await refuse(deps, rules, { account, action: 'auth.mfa', reason: 'wrong_code' }, context);
    throw wrongCode();
  }
  return pair;
}

export async function refresh(
  deps: SignInDeps,
  kind: AccountKind,
  refreshToken: string,
  context: SignInContext,
): Promise<TokenPair> {
  const outcome = await deps.db.transaction(async (tx) => {
    const rotated = await deps.tokens.rotate(tx, refreshToken);
    if (!rotated.ok) {
      if (rotated.reason === 'reused') {
        await audit(tx, {
          actor: null,
          action: 'auth.refresh_reused',
          outcome: 'failure',
          details: { reason: 'a rotated refresh token came back; its session is ended' },
          context,
        });
      }
      return rotated;
    }
    const account = await findAccount(tx, rotated.session.accountId);
    if (!account || account.kind !== kind) throw refused(); // rolls back: the token stays usable
    if (account.status !== 'active') throw accountDisabled();
    return {
      ok: true as const,
      pair: await deps.tokens.continueSession(tx, subjectOf(account), rotated.session),
    };
  });
  // A refused token is refused after the commit, so that ending a reused session sticks.
  if (!outcome.ok) throw refused();
  return outcome.pair;
}

/**
 * Ends the session of a refresh token presented at its own door. Unknown tokens, and tokens
 * of another door, change nothing (and get the same answer).
 */
export async function logout(
  deps: SignInDeps,
  kind: AccountKind,
  refreshToken: string,
  context: SignInContext,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const session = await deps.tokens.sessionOf(tx, refreshToken);
    if (!session) return;
    const account = await findAccount(tx, session.accountId);
    if (!account || account.kind !== kind) return;
    if (await revokeSession(tx, session.accountId, session.id, 'logout')) {
      await audit(tx, {
        actor: { id: account.id, kind: account.kind },
        action: 'auth.logout',
        target: { type: 'session', id: session.id },
        context,
      });
    }
  });
}

/** Proves the second factor again inside a sign-in; returns a fresh access token. */
export async function stepUp(
  deps: SignInDeps,
  principal: { accountId: string; sessionId: string | null },
  factor: SecondFactor,
  context: SignInContext,
): Promise<{ accessToken: string; expiresIn: number }> {
  const { db } = deps;
  const account = await findAccount(db, principal.accountId);
  if (!account || !principal.sessionId) throw refused();
  if (!account.mfa_enrolled) {
    throw new DomainError(
      'mfa_not_enrolled',
      'conflict',
      'Enrol a second factor first (POST /api/v1/mfa/totp).',
    );
  }
  const rules = [mfaRule(account.id)];
  await checkCodeThrottle(deps, rules, { account, action: 'auth.step_up' }, context);
  const sessionId = principal.sessionId;
  const token = await db.transaction(async (tx) => {
    if (!(await verifySecondFactor(tx, account.id, factor))) return undefined;
    await clearFailures(tx, rules[0]!.key);
    const verifiedAt = await markMfaVerified(tx, sessionId);
    if (!verifiedAt) throw refused();
    const session: SessionRow = { id: sessionId, accountId: account.id, mfaVerifiedAt: verifiedAt };
    await audit(tx, {
      actor: { id: account.id, kind: account.kind },
      action: 'auth.step_up',
      target: { type: 'session', id: sessionId },
      context,
    });
    return deps.tokens.accessToken(subjectOf(account), session);
  });
  if (!token) {
    await refuse(deps, rules, { account, action: 'auth.step_up', reason: 'wrong_code' }, context);
    throw wrongCode();
  }
  return { accessToken: token, expiresIn: deps.tokens.accessSecondsFor(account.kind) };
}
