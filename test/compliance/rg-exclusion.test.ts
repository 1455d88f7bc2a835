// Time-outs and self-exclusion: effective at once (every session ends), no deposits and no
// bets while they last (refused, audited, nothing changed), open bets stay and settle,
// withdrawals stay open, no marketing, nothing shortens them; national registers are checked
// at registration and sign-in.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  advanceComplianceClock,
  isExcluded,
  mayReceiveMarketing,
  resetComplianceClock,
} from '../../src/modules/compliance/index.ts';
import { sha256Email } from '../../src/modules/compliance/national-register.ts';
import { PASSWORD, type Player, type TestApp, useTestApp } from '../support/app.ts';
import { legOn, placeBet, resultMarket } from '../support/betting-helpers.ts';
import { expectProblem } from '../support/identity-helpers.ts';
import {
  expectUnchanged,
  postDeposit,
  postWithdrawal,
  snapshot,
} from '../support/wallet-helpers.ts';

async function signIn(t: TestApp, email: string) {
  const login = await t.api.post('/api/v1/auth/login', { email, password: PASSWORD });
  expect(login.status, JSON.stringify(login.body)).toBe(200);
  return login.body as { accessToken: string; refreshToken: string };
}

async function refusals(t: TestApp, player: Player, code: string): Promise<number> {
  const [row] = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit.events
     WHERE action = 'responsible.refused' AND actor_id = $1 AND details->>'code' = $2`,
    [player.id, code],
  );
  return row!.n;
}

describe('time-outs and self-exclusion', () => {
  const t = useTestApp();
  afterEach(() => resetComplianceClock());

  it('ends every session at once and refuses deposits and bets until the break ends, while open bets settle and withdrawals stay open', async () => {
    const player = await t.player();
    await t.deposit(player, 20000n);
    const event = await t.event();
    const market = event.markets[0];
    const open = await placeBet(t, player, { stake: '1000', legs: [legOn(market.selections[0])] });
    expect(open.status).toBe(201);
    const second = await signIn(t, player.email);

    const taken = await t.api.post('/api/v1/me/time-out', { hours: 48 }, { token: player.token });
    expect(taken.status, JSON.stringify(taken.body)).toBe(201);
    expect(taken.body).toMatchObject({
      kind: 'time_out',
      period: '48h',
      endsAt: expect.any(String),
    });
    // Every sign-in ended: access tokens and refresh tokens stop.
    expect((await t.api.get('/api/v1/me', { token: player.token })).status).toBe(401);
    expect((await t.api.get('/api/v1/me', { token: second.accessToken })).status).toBe(401);
    const refresh = await t.api.post('/api/v1/auth/refresh', { refreshToken: second.refreshToken });
    expect(refresh.status).toBe(401);

    // Signing in again reaches the balance, not the bet slip or the cashier.
    const again = await signIn(t, player.email);
    const signedIn = { ...player, token: again.accessToken };
    const before = await snapshot(t, signedIn);
    const deposit = await postDeposit(t, signedIn, '1000');
    expect(expectProblem(deposit, 403, 'time_out_active').until).toBe(taken.body.endsAt);
    const bet = await placeBet(t, signedIn, { stake: '500', legs: [legOn(market.selections[1])] });
    expectProblem(bet, 403, 'time_out_active');
    await expectUnchanged(t, signedIn, before);
    expect(await refusals(t, player, 'time_out_active')).toBe(2);

    const withdrawal = await postWithdrawal(t, signedIn, '2000');
    expect(withdrawal.status, JSON.stringify(withdrawal.body)).toBe(201);
    expect(
      (await resultMarket(t, market.id, { winners: [market.selections[0].id] })).status,
    ).toBeLessThan(300);
    const settled = await t.api.get(`/api/v1/bets/${open.body.id}`, { token: signedIn.token });
    expect(settled.body.status).toBe('won');

    expect(await isExcluded(t.db, player.id)).toBe(true);
    expect(await mayReceiveMarketing(t.db, player.id)).toBe(false);

    advanceComplianceClock(48 * 3600 + 1);
    expect(await isExcluded(t.db, player.id)).toBe(false);
    expect(await mayReceiveMarketing(t.db, player.id)).toBe(true);
    expect((await postDeposit(t, signedIn, '1000')).status).toBe(201);
  });

  it('cannot be shortened, lifted or replaced by a shorter one', async () => {
    const player = await t.player();
    const excluded = await t.api.post(
      '/api/v1/me/self-exclusion',
      { period: '6m' },
      { token: player.token },
    );
    expect(excluded.status).toBe(201);
    const token = (await signIn(t, player.email)).accessToken;
    const shorter = await t.api.post('/api/v1/me/time-out', { hours: 24 }, { token });
    expectProblem(shorter, 409, 'already_excluded');
    // A longer one is accepted (and the shorter stays on record).
    const longer = await t.api.post('/api/v1/me/self-exclusion', { period: '1y' }, { token });
    expect(longer.status).toBe(201);
    // Not even the database lets a row go or change.
    await expect(
      t.db.query('DELETE FROM compliance.exclusions WHERE player_id = $1', [player.id]),
    ).rejects.toThrow(/append-only/);
    await expect(
      t.db.query('UPDATE compliance.exclusions SET ends_at = now() WHERE player_id = $1', [
        player.id,
      ]),
    ).rejects.toThrow(/append-only/);
    expect(await isExcluded(t.db, player.id)).toBe(true);
  });

  it('keeps breaks within the jurisdiction range and exclusions to its periods', async () => {
    const player = await t.player();
    for (const hours of [23, 6 * 7 * 24 + 1]) {
      const refused = await t.api.post('/api/v1/me/time-out', { hours }, { token: player.token });
      expect(expectProblem(refused, 422, 'time_out_out_of_range')).toMatchObject({
        minHours: 24,
        maxHours: 1008,
      });
    }
    const british = await t.player({ country: 'GB', currency: 'GBP' });
    const permanent = await t.api.post(
      '/api/v1/me/self-exclusion',
      { period: 'permanent' },
      { token: british.token },
    );
    expect(expectProblem(permanent, 422, 'exclusion_period_not_offered').offered).toEqual([
      '6m',
      '1y',
      '5y',
    ]);
    expect(await isExcluded(t.db, british.id)).toBe(false);
    expect(await refusals(t, british, 'exclusion_period_not_offered')).toBe(1);
  });
});

// On an app of its own: the mail check drains the outbox of this app only.
describe('self-exclusion confirmation', () => {
  const t = useTestApp();
  afterEach(() => resetComplianceClock());

  it('confirms a self-exclusion by mail and refuses money in until its end, even a year on', async () => {
    const player = await t.player();
    await t.deposit(player, 5000n);
    const excluded = await t.api.post(
      '/api/v1/me/self-exclusion',
      { period: 'permanent' },
      { token: player.token },
    );
    expect(excluded.body).toMatchObject({ kind: 'self_exclusion', endsAt: null });
    await t.app.relay!.drain();
    const [mail] = await t.db.query<{ subject: string }>(
      `SELECT subject FROM notifications.deliveries WHERE recipient = $1 AND template = 'self_exclusion'`,
      [player.email],
    );
    expect(mail?.subject).toBe('Your self-exclusion is confirmed');

    advanceComplianceClock(400 * 86_400);
    const token = (await signIn(t, player.email)).accessToken;
    const signedIn = { ...player, token };
    const event = await t.event();
    expectProblem(await postDeposit(t, signedIn, '1000'), 403, 'self_excluded');
    expectProblem(
      await placeBet(t, signedIn, { stake: '100', legs: [legOn(event.markets[0].selections[0])] }),
      403,
      'self_excluded',
    );
    expect((await postWithdrawal(t, signedIn, '5000')).status).toBe(201);
    const overview = await t.api.get('/api/v1/me/responsible-gambling', { token });
    expect(overview.body.exclusion).toMatchObject({ kind: 'self_exclusion', endsAt: null });
  });
});

describe('the national self-exclusion register', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ibet-register-'));
  const file = path.join(dir, 'register.txt');
  const listed = `listed-${randomUUID()}@example.com`;
  writeFileSync(file, `# national register export\n${listed}\n`);
  const t = useTestApp({ env: { IBET_SELF_EXCLUSION_REGISTER: file } });

  const register = (email: string) =>
    t.api.post('/api/v1/auth/register', {
      email,
      password: PASSWORD,
      displayName: 'Registered Person',
      dateOfBirth: '1985-05-05',
      country: 'GB',
      currency: 'GBP',
    });

  it('refuses to register a person the register lists, and writes nothing', async () => {
    const [before] = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM identity.accounts',
    );
    expectProblem(await register(listed.toUpperCase()), 403, 'nationally_excluded');
    const [after] = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM identity.accounts',
    );
    expect(after).toEqual(before);
    const [audited] = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit.events WHERE action = 'responsible.refused' AND details->>'code' = 'nationally_excluded'`,
    );
    expect(audited!.n).toBe(1);
  });

  it('excludes a player listed after registering at their next sign-in; they still reach their balance', async () => {
    const email = `later-${randomUUID()}@example.com`;
    expect((await register(email)).status).toBe(201);
    const first = await signIn(t, email);
    const player = { id: '', email, token: first.accessToken, refreshToken: first.refreshToken };
    player.id = (await t.api.get('/api/v1/me', { token: player.token })).body.id;
    expect(await isExcluded(t.db, player.id)).toBe(false);

    writeFileSync(file, `${listed}\nsha256:${sha256Email(email)}\n`);
    const second = await signIn(t, email);
    expect(await isExcluded(t.db, player.id)).toBe(true);
    // The earlier session ended; the new one works for the account, not for money in.
    expect((await t.api.get('/api/v1/me', { token: first.accessToken })).status).toBe(401);
    const signedIn = { ...player, token: second.accessToken };
    expectProblem(await postDeposit(t, signedIn, '1000'), 403, 'self_excluded');
    const overview = await t.api.get('/api/v1/me/responsible-gambling', { token: signedIn.token });
    expect(overview.body.exclusion).toMatchObject({ kind: 'national_register' });
  });
});
