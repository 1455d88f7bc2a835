// Helpers for the sign-in, MFA, throttling and mail-flow tests: the audit records a request
// wrote, row counts over every table an identity request may touch, a player with an
// enrolled authenticator, and the links iBet mailed.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Queryable } from '../../src/platform/db/db.ts';
import { type Api, PASSWORD, type TestApp } from './app.ts';
import { countAll } from './identity-helpers.ts';
import { totpCode } from './totp.ts';

/**
 * Everything an identity request may write. Audit records are counted without
 * `auth.denied` (refused credentials on protected routes), which has rules of its own.
 */
export const IDENTITY_WRITES = [
  'identity.accounts',
  'identity.sessions',
  'identity.refresh_tokens',
  'identity.totp',
  'identity.recovery_codes',
  'identity.one_time_tokens',
  'identity.auth_failures',
  'wallet.accounts',
  'platform.outbox',
  `(SELECT 1 FROM audit.events WHERE action <> 'auth.denied') AS audited`,
] as const;

type Counted = 'audited' | Exclude<(typeof IDENTITY_WRITES)[number], `(${string}`>;

/** Rows per table of IDENTITY_WRITES; the audit records are under `audited`. */
export async function countWrites(db: Queryable): Promise<Record<string, number>> {
  const counts = await countAll(db, IDENTITY_WRITES);
  return Object.fromEntries(
    Object.entries(counts).map(([table, n]) => [table.startsWith('(') ? 'audited' : table, n]),
  );
}

/** `before` with the named counts raised by the given amounts. */
export function plus(
  before: Record<string, number>,
  changes: Partial<Record<Counted, number>>,
): Record<string, number> {
  const after = { ...before };
  for (const [table, n] of Object.entries(changes)) after[table] = (after[table] ?? 0) + n!;
  return after;
}

export interface AuditRow {
  actor_id: string | null;
  actor_kind: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: 'success' | 'failure';
  ip: string | null;
  details: Record<string, any>;
}

/** The id of the newest audit record: pass it to `auditSince`. */
export async function auditMark(db: Queryable): Promise<string> {
  const [row] = await db.query<{ id: string }>(
    'SELECT coalesce(max(id), 0)::text AS id FROM audit.events',
  );
  return row!.id;
}

/** Audit records written after `mark`, oldest first (without `auth.denied`). */
export function auditSince(db: Queryable, mark: string): Promise<AuditRow[]> {
  return db.query<AuditRow>(
    `SELECT actor_id, actor_kind, action, target_type, target_id, outcome, ip, details
     FROM audit.events WHERE id > $1::bigint AND action <> 'auth.denied' ORDER BY id`,
    [mark],
  );
}

/** An audit record as the tests expect it; unnamed members may be anything. */
export function auditRecord(expected: Partial<AuditRow>): AuditRow {
  return expect.objectContaining(expected) as unknown as AuditRow;
}

export interface MfaPlayer {
  id: string;
  email: string;
  password: string;
  totpSecret: string;
  recoveryCodes: string[];
  /** The access token of the session that enrolled (MFA proved now). */
  token: string;
  refreshToken: string;
}

/** Starts and confirms a TOTP enrolment through the API; returns the secret and codes. */
export async function enrolTotp(
  api: Api,
  token: string,
): Promise<{ totpSecret: string; recoveryCodes: string[]; token: string }> {
  const started = await api.post('/api/v1/mfa/totp', undefined, { token });
  if (started.status !== 201) throw new Error(`enrol: ${JSON.stringify(started.body)}`);
  const totpSecret = started.body.secret as string;
  const confirmed = await api.post(
    '/api/v1/mfa/totp/confirm',
    { code: await totpCode(totpSecret) },
    { token },
  );
  if (confirmed.status !== 200) throw new Error(`confirm: ${JSON.stringify(confirmed.body)}`);
  return {
    totpSecret,
    recoveryCodes: confirmed.body.recoveryCodes,
    token: confirmed.body.accessToken,
  };
}

/** A registered player who enrolled an authenticator app through the API. */
export async function mfaPlayer(t: TestApp): Promise<MfaPlayer> {
  const player = await t.player();
  const enrolled = await enrolTotp(t.api, player.token);
  return {
    id: player.id,
    email: player.email,
    password: PASSWORD,
    ...enrolled,
    refreshToken: player.refreshToken,
  };
}

/** Password, then code: the two steps of a sign-in with a second factor. */
export async function signInWithCode(
  api: Api,
  door: string,
  account: { email: string; password: string; totpSecret: string },
): Promise<{ accessToken: string; refreshToken: string }> {
  const login = await api.post(`${door}/login`, {
    email: account.email,
    password: account.password,
  });
  if (login.status !== 200 || !login.body.mfaRequired) {
    throw new Error(`login: ${JSON.stringify(login.body)}`);
  }
  const second = await api.post(`${door}/login/mfa`, {
    mfaToken: login.body.mfaToken,
    code: await totpCode(account.totpSecret),
  });
  if (second.status !== 200) throw new Error(`login/mfa: ${JSON.stringify(second.body)}`);
  return second.body;
}

export interface CapturedMail {
  to: string;
  subject: string;
  body: string;
}

/** Relays the outbox, then returns the mail captured for `to`, oldest first. */
export async function mailTo(t: TestApp, to: string): Promise<CapturedMail[]> {
  await t.app.relay!.drain();
  return t.db.query<CapturedMail>(
    `SELECT to_address AS "to", subject, body FROM notifications.mail
     WHERE lower(to_address) = lower($1) ORDER BY id`,
    [to],
  );
}

/** The token of the link in a mail. */
export function linkToken(mail: CapturedMail): string {
  const match = /[?&]token=([A-Za-z0-9_-]+)/.exec(mail.body);
  if (!match) throw new Error(`no link in: ${mail.body}`);
  return match[1]!;
}

export const uniqueEmail = (prefix: string) => `${prefix}-${randomUUID()}@example.com`;
