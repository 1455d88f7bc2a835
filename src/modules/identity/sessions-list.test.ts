import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, type Player, useTestApp } from '../../../test/support/app.ts';
import {
  auditMark,
  auditRecord,
  auditSince,
  countWrites,
} from '../../../test/support/identity-flows.ts';
import { expectProblem, staffSession } from '../../../test/support/identity-helpers.ts';

const sidOf = (token: string): string =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid;

describe('my sessions', () => {
  const t = useTestApp();
  let player: Player;

  beforeAll(async () => {
    player = await t.player();
  });

  /** Another sign-in of `who`, from a browser that names itself. */
  async function signIn(who: Player, userAgent = 'Test Browser/1.0') {
    const response = await t.api.post(
      '/api/v1/auth/login',
      { email: who.email, password: PASSWORD },
      { headers: { 'user-agent': userAgent } },
    );
    expect(response.status).toBe(200);
    return response.body as { accessToken: string; refreshToken: string };
  }

  const list = (token: string) => t.api.get('/api/v1/sessions', { token });
  const revoke = (token: string, id: string) =>
    t.api.request('DELETE', `/api/v1/sessions/${id}`, undefined, { token });
  const refresh = (refreshToken: string) => t.api.post('/api/v1/auth/refresh', { refreshToken });

  it('lists my live sessions, newest first, and marks the one I am using', async () => {
    const who = await t.player();
    const phone = await signIn(who, 'Phone Browser/2.0');
    const response = await list(phone.accessToken);
    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([
      {
        id: sidOf(phone.accessToken),
        createdAt: expect.any(String),
        lastSeenAt: expect.any(String),
        expiresAt: expect.any(String),
        ip: '127.0.0.1',
        userAgent: 'Phone Browser/2.0',
        mfaVerifiedAt: null,
        current: true,
      },
      expect.objectContaining({ id: sidOf(who.token), current: false }),
    ]);
    // A player's sign-in lasts at most 30 days.
    const [newest] = response.body.items;
    const days = (Date.parse(newest.expiresAt) - Date.parse(newest.createdAt)) / 86_400_000;
    expect(days).toBeCloseTo(30, 3);
  });

  it("never lists another account's sessions", async () => {
    const other = await t.player();
    const ids = (await list(player.token)).body.items.map((s: { id: string }) => s.id);
    expect(ids).not.toContain(sidOf(other.token));
  });

  it('ends another of my sessions: its refresh token stops working, and it is audited', async () => {
    const who = await t.player();
    const laptop = await signIn(who);
    const mark = await auditMark(t.db);
    expect((await revoke(laptop.accessToken, sidOf(who.token))).status).toBe(204);
    expect(await auditSince(t.db, mark)).toEqual([
      auditRecord({
        actor_id: who.id,
        actor_kind: 'player',
        action: 'auth.session_revoked',
        outcome: 'success',
        target_type: 'session',
        target_id: sidOf(who.token),
      }),
    ]);
    expectProblem(await refresh(who.refreshToken), 401, 'refresh_token_invalid');
    const [row] = await t.db.query<{ revoked_reason: string }>(
      'SELECT revoked_reason FROM identity.sessions WHERE id = $1',
      [sidOf(who.token)],
    );
    expect(row!.revoked_reason).toBe('revoked_by_owner');
    const ids = (await list(laptop.accessToken)).body.items.map((s: { id: string }) => s.id);
    expect(ids).toEqual([sidOf(laptop.accessToken)]);
    // The session I used to end the other one goes on.
    expect((await refresh(laptop.refreshToken)).status).toBe(200);
  });

  it('ends the session I am using when I ask: it cannot be refreshed any more', async () => {
    const who = await t.player();
    expect((await revoke(who.token, sidOf(who.token))).status).toBe(204);
    expectProblem(await refresh(who.refreshToken), 401, 'refresh_token_invalid');
  });

  it("answers 404 session_not_found for someone else's session and leaves it alone", async () => {
    const victim = await t.player();
    const before = await countWrites(t.db);
    expectProblem(await revoke(player.token, sidOf(victim.token)), 404, 'session_not_found');
    expect(await countWrites(t.db)).toEqual(before);
    expect((await refresh(victim.refreshToken)).status).toBe(200);
  });

  it('answers an unknown session and an already ended one the same way', async () => {
    const who = await t.player();
    const spare = await signIn(who);
    await revoke(who.token, sidOf(spare.accessToken));
    const before = await countWrites(t.db);
    const ended = await revoke(who.token, sidOf(spare.accessToken));
    const unknown = await revoke(who.token, randomUUID());
    expectProblem(ended, 404, 'session_not_found');
    expect(unknown.body).toEqual(ended.body);
    expect(await countWrites(t.db)).toEqual(before);
  });

  it.each([
    ['GET', '/api/v1/sessions'],
    ['DELETE', `/api/v1/sessions/${randomUUID()}`],
  ])('refuses %s %s without a token', async (method, url) => {
    expectProblem(await t.api.request(method, url), 401, 'unauthenticated');
  });

  it.each(['not-a-uuid', '123', `${randomUUID()}x`])(
    'refuses the session id %s with validation_failed',
    async (id) => {
      const before = await countWrites(t.db);
      expectProblem(await revoke(player.token, id), 400, 'validation_failed');
      expect(await countWrites(t.db)).toEqual(before);
    },
  );
});

describe('session lifetimes', () => {
  const t = useTestApp();

  async function setSession(id: string, sql: string) {
    await t.db.query(`UPDATE identity.sessions SET ${sql} WHERE id = $1`, [id]);
  }

  async function lifetimes(id: string) {
    const [row] = await t.db.query<{ idle_seconds: number; max_seconds: number }>(
      `SELECT idle_seconds, round(EXTRACT(EPOCH FROM expires_at - created_at))::int AS max_seconds
       FROM identity.sessions WHERE id = $1`,
      [id],
    );
    return row!;
  }

  /** The session's access tokens stop working too (this process re-reads it, see tokens.ts). */
  const refusedNow = async (token: string) =>
    expectProblem(await t.api.get('/api/v1/sessions', { token }), 401, 'session_ended');

  it('gives a player sign-in 7 days of idleness and 30 days in all', async () => {
    const player = await t.player();
    expect(await lifetimes(sidOf(player.token))).toEqual({
      idle_seconds: 7 * 86400,
      max_seconds: 30 * 86400,
    });
  });

  it('gives a staff sign-in 15 minutes of idleness and 12 hours in all', async () => {
    const staff = await staffSession(t.db, t.api, ['support']);
    expect(await lifetimes(sidOf(staff.token))).toEqual({
      idle_seconds: 900,
      max_seconds: 12 * 3600,
    });
  });

  it('keeps an idle player session for up to 7 days, a refresh resetting the clock', async () => {
    const player = await t.player();
    const sid = sidOf(player.token);
    await setSession(sid, `last_seen_at = now() - interval '6 days 23 hours'`);
    const refreshed = await t.api.post('/api/v1/auth/refresh', {
      refreshToken: player.refreshToken,
    });
    expect(refreshed.status).toBe(200);
    const [row] = await t.db.query<{ fresh: boolean }>(
      `SELECT last_seen_at > now() - interval '1 minute' AS fresh FROM identity.sessions WHERE id = $1`,
      [sid],
    );
    expect(row!.fresh).toBe(true);
  });

  it('ends a player session idle for more than 7 days', async () => {
    const player = await t.player();
    const sid = sidOf(player.token);
    await setSession(sid, `last_seen_at = now() - interval '7 days 1 minute'`);
    const before = await countWrites(t.db);
    expectProblem(
      await t.api.post('/api/v1/auth/refresh', { refreshToken: player.refreshToken }),
      401,
      'refresh_token_invalid',
    );
    expect(await countWrites(t.db)).toEqual(before);
    await refusedNow(player.token);
  });

  it('ends a session at its absolute end however active it is', async () => {
    const player = await t.player();
    const sid = sidOf(player.token);
    await setSession(sid, `expires_at = now() - interval '1 second', last_seen_at = now()`);
    expectProblem(
      await t.api.post('/api/v1/auth/refresh', { refreshToken: player.refreshToken }),
      401,
      'refresh_token_invalid',
    );
    await refusedNow(player.token);
  });

  it('ends a staff session idle for more than 15 minutes, and keeps one idle for 14', async () => {
    const idle = await staffSession(t.db, t.api, ['support']);
    const busy = await staffSession(t.db, t.api, ['support']);
    await setSession(sidOf(idle.token), `last_seen_at = now() - interval '15 minutes 1 second'`);
    await setSession(sidOf(busy.token), `last_seen_at = now() - interval '14 minutes'`);
    expectProblem(
      await t.api.post('/api/v1/staff/auth/refresh', { refreshToken: idle.refreshToken }),
      401,
      'refresh_token_invalid',
    );
    await refusedNow(idle.token);
    const kept = await t.api.post('/api/v1/staff/auth/refresh', {
      refreshToken: busy.refreshToken,
    });
    expect(kept.status).toBe(200);
  });

  it('ends a staff session 12 hours after the sign-in, even if refreshed a minute ago', async () => {
    const staff = await staffSession(t.db, t.api, ['support']);
    await setSession(
      sidOf(staff.token),
      `created_at = now() - interval '12 hours', expires_at = now() - interval '1 second',
       last_seen_at = now() - interval '1 minute'`,
    );
    expectProblem(
      await t.api.post('/api/v1/staff/auth/refresh', { refreshToken: staff.refreshToken }),
      401,
      'refresh_token_invalid',
    );
  });

  it('shows when a staff session proved its second factor', async () => {
    const staff = await staffSession(t.db, t.api, ['support']);
    const [mine] = (await t.api.get('/api/v1/sessions', { token: staff.token })).body.items;
    expect(mine).toMatchObject({ id: sidOf(staff.token), current: true });
    expect(Date.parse(mine.mfaVerifiedAt)).toBeGreaterThan(Date.now() - 120_000);
  });
});

describe('session lifetimes from the configuration', () => {
  const t = useTestApp({
    env: {
      IBET_PLAYER_SESSION_IDLE: '3600',
      IBET_PLAYER_SESSION_MAX: '86400',
      IBET_STAFF_SESSION_IDLE: '600',
      IBET_STAFF_SESSION_MAX: '7200',
      IBET_ACCESS_TOKEN_TTL: '300',
    },
  });

  it('takes idle and absolute lifetimes per kind of account from the environment', async () => {
    const player = await t.player();
    const staff = await staffSession(t.db, t.api, ['support']);
    const rows = await t.db.query<{ idle_seconds: number; max_seconds: number }>(
      `SELECT idle_seconds, round(EXTRACT(EPOCH FROM expires_at - created_at))::int AS max_seconds
       FROM identity.sessions WHERE id = ANY($1::uuid[]) ORDER BY idle_seconds DESC`,
      [[sidOf(player.token), sidOf(staff.token)]],
    );
    expect(rows).toEqual([
      { idle_seconds: 3600, max_seconds: 86400 },
      { idle_seconds: 600, max_seconds: 7200 },
    ]);
  });
});
