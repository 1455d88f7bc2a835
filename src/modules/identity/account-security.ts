// What an account does about its own security: enrol or remove the second factor, renew
// recovery codes, list and end its sessions, verify its email address, reset a forgotten
// password. Every change is audited in its own transaction.
import { DomainError } from '../../platform/errors.ts';
import { emit } from '../../platform/events/outbox.ts';
import type { AccountKind, Principal } from '../../platform/http/access.ts';
import { audit } from '../audit/index.ts';
import {
  findAccount,
  findByEmail,
  MIN_PASSWORD,
  markEmailVerified,
  requestEmailVerification,
  setPasswordHash,
} from './accounts.ts';
import { consumeToken, issueToken } from './one-time-tokens.ts';
import { hashPassword, passwordProblem } from './passwords.ts';
import {
  listSessions,
  markMfaVerified,
  revokeSession,
  revokeSessionsOf,
  type SessionView,
} from './session-store.ts';
import { type SignInContext, type SignInDeps, subjectOf } from './sign-in.ts';
import { checkThrottle, clearFailures, recordFailure } from './throttle.ts';
import {
  confirmEnrolment,
  type Enrolment,
  isEnrolled,
  newRecoveryCodes,
  removeTotp,
  startEnrolment,
} from './totp.ts';

const actorOf = (principal: Principal) => ({ id: principal.accountId, kind: principal.kind });

async function accountOf(deps: SignInDeps, principal: Principal) {
  const account = await findAccount(deps.db, principal.accountId);
  if (!account) throw new DomainError('account_not_found', 'not_found', 'No such account.');
  return account;
}

export async function beginTotpEnrolment(
  deps: SignInDeps,
  principal: Principal,
  context: SignInContext,
): Promise<Enrolment> {
  const account = await accountOf(deps, principal);
  return deps.db.transaction(async (tx) => {
    const enrolment = await startEnrolment(tx, account);
    await audit(tx, {
      actor: actorOf(principal),
      action: 'mfa.enrolment_started',
      target: { type: 'account', id: account.id },
      context,
    });
    return enrolment;
  });
}

/** Confirms enrolment with a first code; the session counts as MFA-verified from now. */
export async function confirmTotpEnrolment(
  deps: SignInDeps,
  principal: Principal,
  code: string,
  context: SignInContext,
): Promise<{ recoveryCodes: string[]; accessToken: string; expiresIn: number }> {
  const account = await accountOf(deps, principal);
  const rule = { key: `mfa:${account.id}`, perHour: 20, backoffAfter: 3 };
  await checkThrottle(deps.db, [rule]);
  const result = await deps.db.transaction(async (tx) => {
    const recoveryCodes = await confirmEnrolment(tx, account.id, code);
    if (!recoveryCodes) return undefined;
    await clearFailures(tx, rule.key);
    const verifiedAt = principal.sessionId
      ? await markMfaVerified(tx, principal.sessionId)
      : undefined;
    await audit(tx, {
      actor: actorOf(principal),
      action: 'mfa.enrolled',
      target: { type: 'account', id: account.id },
      context,
    });
    const accessToken = await deps.tokens.accessToken(
      { ...subjectOf(account), mfaEnrolled: true },
      { id: principal.sessionId ?? '', accountId: account.id, mfaVerifiedAt: verifiedAt ?? null },
    );
    return { recoveryCodes, accessToken, expiresIn: deps.tokens.accessSecondsFor(principal.kind) };
  });
  if (!result) {
    await deps.db.transaction(async (tx) => {
      await recordFailure(tx, [rule]);
      await audit(tx, {
        actor: actorOf(principal),
        action: 'mfa.enrolment_confirmed',
        outcome: 'failure',
        target: { type: 'account', id: account.id },
        details: { reason: 'wrong_code' },
        context,
      });
    });
    throw new DomainError(
      'mfa_invalid',
      'unauthenticated',
      'The code is wrong, expired or already used, or no enrolment was started.',
    );
  }
  return result;
}

const notEnrolled = () =>
  new DomainError(
    'mfa_not_enrolled',
    'conflict',
    'Enrol a second factor first (POST /api/v1/mfa/totp).',
  );

export async function removeSecondFactor(
  deps: SignInDeps,
  principal: Principal,
  context: SignInContext,
): Promise<void> {
  if (principal.kind === 'staff') {
    throw new DomainError('mfa_required', 'forbidden', 'Staff accounts must keep a second factor.');
  }
  await deps.db.transaction(async (tx) => {
    // Nothing to remove is a refusal, not a success in the audit log.
    if (!(await isEnrolled(tx, principal.accountId))) throw notEnrolled();
    await removeTotp(tx, principal.accountId);
    await audit(tx, {
      actor: actorOf(principal),
      action: 'mfa.removed',
      target: { type: 'account', id: principal.accountId },
      context,
    });
  });
}

export async function renewRecoveryCodes(
  deps: SignInDeps,
  principal: Principal,
  context: SignInContext,
): Promise<string[]> {
  if (!principal.mfa.enrolled) throw notEnrolled();
  return deps.db.transaction(async (tx) => {
    const codes = await newRecoveryCodes(tx, principal.accountId);
    await audit(tx, {
      actor: actorOf(principal),
      action: 'mfa.recovery_codes_renewed',
      target: { type: 'account', id: principal.accountId },
      context,
    });
    return codes;
  });
}

export function mySessions(deps: SignInDeps, principal: Principal): Promise<SessionView[]> {
  return listSessions(deps.db, principal.accountId, principal.sessionId);
}

export async function endMySession(
  deps: SignInDeps,
  principal: Principal,
  sessionId: string,
  context: SignInContext,
): Promise<void> {
  const ended = await deps.db.transaction(async (tx) => {
    if (!(await revokeSession(tx, principal.accountId, sessionId, 'revoked_by_owner')))
      return false;
    await audit(tx, {
      actor: actorOf(principal),
      action: 'auth.session_revoked',
      target: { type: 'session', id: sessionId },
      context,
    });
    return true;
  });
  if (!ended) throw new DomainError('session_not_found', 'not_found', 'No such session.');
}

const linkInvalid = () =>
  new DomainError('link_invalid', 'invalid', 'This link is invalid, expired or already used.');

export async function verifyEmail(
  deps: SignInDeps,
  token: string,
  context: SignInContext,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const accountId = await consumeToken(tx, token, 'verify_email');
    if (!accountId) throw linkInvalid();
    const wasVerified = (await findAccount(tx, accountId))?.email_verified_at != null;
    await markEmailVerified(tx, accountId);
    const account = await findAccount(tx, accountId);
    await audit(tx, {
      actor: { id: accountId, kind: account?.kind ?? 'player' },
      action: 'account.email_verified',
      target: { type: 'account', id: accountId },
      context,
    });
    // A player whose address is confirmed is welcomed once (the mail goes to a proven inbox).
    if (account?.kind === 'player' && !wasVerified) {
      await emit(tx, {
        type: 'identity.email_verified',
        aggregateId: accountId,
        payload: { accountId },
      });
    }
  });
}

export async function resendVerification(deps: SignInDeps, principal: Principal): Promise<void> {
  const account = await accountOf(deps, principal);
  if (account.email_verified_at) {
    throw new DomainError('email_already_verified', 'conflict', 'The address is already verified.');
  }
  const rule = { key: `mail:${account.id}`, perHour: 5 };
  await checkThrottle(deps.db, [rule]);
  await deps.db.transaction(async (tx) => {
    await recordFailure(tx, [rule]); // counts mails sent, so that nobody floods an inbox
    await requestEmailVerification(tx, account);
  });
}

/**
 * Mails a reset link if the address has an account of this kind. The answer is the same
 * either way; at most a few mails per address and hour.
 */
export async function requestPasswordReset(
  deps: SignInDeps,
  kind: AccountKind,
  email: string,
  context: SignInContext,
): Promise<void> {
  const account = await findByEmail(deps.db, kind, email.trim());
  if (account?.status !== 'active') return;
  const rule = { key: `reset:${account.id}`, perHour: 5 };
  try {
    await checkThrottle(deps.db, [rule]);
  } catch {
    return;
  }
  await deps.db.transaction(async (tx) => {
    await recordFailure(tx, [rule]);
    const token = await issueToken(tx, account.id, 'reset_password');
    await emit(tx, {
      type: 'identity.password_reset_requested',
      aggregateId: account.id,
      payload: {
        accountId: account.id,
        email: account.email,
        displayName: account.display_name,
        kind,
        token,
      },
    });
    await audit(tx, {
      actor: null,
      action: 'account.password_reset_requested',
      target: { type: 'account', id: account.id },
      context,
    });
  });
}

/** Sets a new password from a reset link; every session of the account ends. */
export async function resetPassword(
  deps: SignInDeps,
  kind: AccountKind,
  input: { token: string; password: string },
  context: SignInContext,
): Promise<void> {
  const weak = passwordProblem(input.password, MIN_PASSWORD[kind]);
  if (weak) throw new DomainError('weak_password', 'invalid', weak, { field: 'password' });
  const passwordHash = await hashPassword(input.password, deps.config.argon2);
  await deps.db.transaction(async (tx) => {
    const accountId = await consumeToken(tx, input.token, 'reset_password');
    const account = accountId ? await findAccount(tx, accountId) : undefined;
    // A link used at another kind's door is refused and stays unused (the rollback).
    if (!account || account.kind !== kind) throw linkInvalid();
    // A link mailed before the account was suspended or closed no longer opens it.
    if (account.status !== 'active') throw linkInvalid();
    const again = passwordProblem(input.password, MIN_PASSWORD[kind], {
      email: account.email,
      displayName: account.display_name,
    });
    if (again) throw new DomainError('weak_password', 'invalid', again, { field: 'password' });
    await setPasswordHash(tx, account.id, passwordHash);
    const ended = await revokeSessionsOf(tx, account.id, 'password_reset');
    await clearFailures(tx, `login:${kind}:${account.email.toLowerCase()}`);
    await audit(tx, {
      actor: { id: account.id, kind },
      action: 'account.password_reset',
      target: { type: 'account', id: account.id },
      details: { sessionsEnded: ended },
      context,
    });
  });
}
