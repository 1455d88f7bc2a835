// Deposit, loss and session limits: the lowest binds, exactly at the limit is allowed and one
// minor unit over is refused (changing nothing, leaving an audit record), tightening binds at
// once, loosening waits out the cooling-off, periods roll over on the compliance clock.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  advanceComplianceClock,
  resetComplianceClock,
} from '../../src/modules/compliance/index.ts';
import { type Player, type TestApp, useTestApp } from '../support/app.ts';
import { legOn, placeBet, resultMarket } from '../support/betting-helpers.ts';
import { expectProblem } from '../support/identity-helpers.ts';
import { expectUnchanged, postDeposit, snapshot } from '../support/wallet-helpers.ts';

const HOUR = 3600;

function setLimit(t: TestApp, player: Player, kind: string, period: string, amount: string | null) {
  return t.api.put('/api/v1/me/limits', { kind, period, amount }, { token: player.token });
}

async function limitSet(
  t: TestApp,
  player: Player,
  kind: string,
  period: string,
  amount: string | null,
) {
  const response = await setLimit(t, player, kind, period, amount);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

async function deposited(t: TestApp, player: Player, amount: string) {
  const response = await postDeposit(t, player, amount);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
}

async function refusals(t: TestApp, player: Player, code: string): Promise<number> {
  const [row] = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit.events
     WHERE action = 'responsible.refused' AND actor_id = $1 AND details->>'code' = $2`,
    [player.id, code],
  );
  return row!.n;
}

describe('deposit limits', () => {
  const t = useTestApp();
  afterEach(() => resetComplianceClock());

  it('prompts a new player to set limits until they set one or decline', async () => {
    const player = await t.player();
    const first = await t.api.get('/api/v1/me/responsible-gambling', { token: player.token });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      jurisdiction: { id: 'default' },
      limits: [],
      limitsPrompt: true,
      exclusion: null,
      kyc: { status: 'none', requiredBeforeDeposit: false, requiredBeforeBet: false },
    });
    const declined = await t.api.post(
      '/api/v1/me/limits/prompt/decline',
      {},
      { token: player.token },
    );
    expect(declined.status).toBe(204);
    const after = await t.api.get('/api/v1/me/responsible-gambling', { token: player.token });
    expect(after.body.limitsPrompt).toBe(false);

    const other = await t.player();
    await limitSet(t, other, 'deposit', 'week', '10000');
    const set = await t.api.get('/api/v1/me/responsible-gambling', { token: other.token });
    expect(set.body.limitsPrompt).toBe(false);
  });

  it('accepts a deposit that reaches the limit exactly and refuses one minor unit more, changing nothing', async () => {
    const player = await t.player();
    expect(await limitSet(t, player, 'deposit', 'day', '10000')).toEqual({
      effect: 'immediate',
      limit: { kind: 'deposit', period: 'day', amount: '10000', pending: null },
    });
    await deposited(t, player, '6000');
    await deposited(t, player, '4000');
    const before = await snapshot(t, player);
    const refused = await postDeposit(t, player, '100');
    expect(expectProblem(refused, 422, 'deposit_limit_exceeded')).toMatchObject({
      period: 'day',
      limit: '10000',
      remaining: '0',
    });
    await expectUnchanged(t, player, before);
    expect(await refusals(t, player, 'deposit_limit_exceeded')).toBe(1);
  });

  it('counts one minor unit over the remaining room as over the limit', async () => {
    const player = await t.player();
    await limitSet(t, player, 'deposit', 'day', '10000');
    await deposited(t, player, '5000');
    const over = await postDeposit(t, player, '5001');
    expect(expectProblem(over, 422, 'deposit_limit_exceeded').remaining).toBe('5000');
    await deposited(t, player, '5000');
  });

  it('binds the lowest of the daily, weekly and monthly limits', async () => {
    const player = await t.player();
    await limitSet(t, player, 'deposit', 'day', '50000');
    await limitSet(t, player, 'deposit', 'week', '20000');
    await limitSet(t, player, 'deposit', 'month', '30000');
    await deposited(t, player, '20000');
    const refused = await postDeposit(t, player, '100');
    expect(expectProblem(refused, 422, 'deposit_limit_exceeded')).toMatchObject({
      period: 'week',
      limit: '20000',
    });
  });

  it('lets a daily limit roll over after 24 hours on the compliance clock, not before', async () => {
    const player = await t.player();
    await limitSet(t, player, 'deposit', 'day', '5000');
    await deposited(t, player, '5000');
    advanceComplianceClock(24 * HOUR - 60);
    expectProblem(await postDeposit(t, player, '100'), 422, 'deposit_limit_exceeded');
    advanceComplianceClock(61);
    await deposited(t, player, '5000');
  });

  it('lowers a limit at once, and raises it only after the cooling-off', async () => {
    const player = await t.player();
    await limitSet(t, player, 'deposit', 'month', '20000');
    expect(await limitSet(t, player, 'deposit', 'month', '10000')).toMatchObject({
      effect: 'immediate',
      limit: { amount: '10000', pending: null },
    });
    await deposited(t, player, '10000');
    const raised = await limitSet(t, player, 'deposit', 'month', '15000');
    expect(raised).toMatchObject({
      effect: 'pending',
      limit: { amount: '10000', pending: { amount: '15000', from: expect.any(String) } },
    });
    const from = Date.parse(raised.limit.pending.from);
    expect(Math.abs(from - (Date.now() + 24 * HOUR * 1000))).toBeLessThan(60_000);
    expectProblem(await postDeposit(t, player, '100'), 422, 'deposit_limit_exceeded');

    advanceComplianceClock(24 * HOUR + 1);
    await deposited(t, player, '5000');
    expectProblem(await postDeposit(t, player, '100'), 422, 'deposit_limit_exceeded');
  });

  it('refuses a second loosening during the cooling-off, audited, and lets a tightening cancel it', async () => {
    const player = await t.player();
    await limitSet(t, player, 'deposit', 'week', '10000');
    await limitSet(t, player, 'deposit', 'week', '20000');
    const [before] = await t.db.query(
      `SELECT amount, pending_amount, pending_from FROM compliance.limits WHERE player_id = $1`,
      [player.id],
    );
    for (const amount of ['30000', null]) {
      const again = await setLimit(t, player, 'deposit', 'week', amount);
      expect(expectProblem(again, 409, 'limit_cooling_off').pendingFrom).toEqual(
        expect.any(String),
      );
    }
    const [after] = await t.db.query(
      `SELECT amount, pending_amount, pending_from FROM compliance.limits WHERE player_id = $1`,
      [player.id],
    );
    expect(after).toEqual(before);
    expect(await refusals(t, player, 'limit_cooling_off')).toBe(2);

    expect(await limitSet(t, player, 'deposit', 'week', '8000')).toMatchObject({
      effect: 'immediate',
      limit: { amount: '8000', pending: null },
    });
    advanceComplianceClock(25 * HOUR);
    const overview = await t.api.get('/api/v1/me/responsible-gambling', { token: player.token });
    expect(overview.body.limits).toEqual([
      { kind: 'deposit', period: 'week', amount: '8000', pending: null },
    ]);
  });

  it('removes a limit only after the cooling-off, and the worker then applies it and announces it', async () => {
    const player = await t.player();
    await limitSet(t, player, 'deposit', 'day', '1000');
    await deposited(t, player, '1000');
    expect(await limitSet(t, player, 'deposit', 'day', null)).toMatchObject({
      effect: 'pending',
      limit: { amount: '1000', pending: { amount: null } },
    });
    expectProblem(await postDeposit(t, player, '100'), 422, 'deposit_limit_exceeded');
    advanceComplianceClock(24 * HOUR + 5);
    await t.app.runJobs();
    expect(
      await t.db.query('SELECT 1 FROM compliance.limits WHERE player_id = $1', [player.id]),
    ).toEqual([]);
    const events = await t.db.query<{ payload: any }>(
      `SELECT payload FROM platform.outbox WHERE type = 'responsible.limit_changed' AND aggregate_id = $1 ORDER BY id`,
      [player.id],
    );
    expect(events.map((e) => e.payload.limit)).toEqual([
      { kind: 'deposit', period: 'day', amount: '1000', currency: 'EUR' },
      {
        kind: 'deposit',
        period: 'day',
        amount: null,
        effectiveAt: expect.any(String),
        currency: 'EUR',
      },
      { kind: 'deposit', period: 'day', amount: null, currency: 'EUR' },
    ]);
    await deposited(t, player, '50000');
  });

  it('mails the player when a limit changes', async () => {
    const player = await t.player();
    await limitSet(t, player, 'deposit', 'month', '25000');
    await t.app.relay!.drain();
    const mail = await t.db.query<{ subject: string; body: string }>(
      `SELECT subject, body FROM notifications.deliveries
       WHERE recipient = $1 AND template = 'limit_changed' ORDER BY id DESC LIMIT 1`,
      [player.email],
    );
    expect(mail[0]?.subject).toBe('Your limit has changed');
    expect(mail[0]?.body).toContain('250.00');
  });

  it('accepts a deposit exactly when it fits under the lowest limit, whatever the limits and amounts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 100, max: 6000 }),
        fc.integer({ min: 100, max: 6000 }),
        fc.array(fc.integer({ min: 100, max: 3000 }), { minLength: 1, maxLength: 6 }),
        async (day, week, amounts) => {
          const player = await t.player();
          await limitSet(t, player, 'deposit', 'day', String(day));
          await limitSet(t, player, 'deposit', 'week', String(week));
          const lowest = Math.min(day, week);
          let total = 0;
          for (const amount of amounts) {
            const response = await postDeposit(t, player, String(amount));
            const fits = total + amount <= lowest;
            expect(response.status, `${total}+${amount} under ${lowest}`).toBe(fits ? 201 : 422);
            if (fits) total += amount;
            else expect(response.body.remaining).toBe(String(lowest - total));
          }
          expect(total).toBeLessThanOrEqual(lowest);
        },
      ),
      { numRuns: 8 },
    );
  });

  it('refuses a period the jurisdiction does not offer and a session limit over a day', async () => {
    const player = await t.player();
    expectProblem(await setLimit(t, player, 'deposit', 'session', '10'), 422, 'invalid_limit');
    expectProblem(await setLimit(t, player, 'session', 'session', '1441'), 422, 'invalid_limit');
    expectProblem(await setLimit(t, player, 'session', 'day', '60'), 422, 'invalid_limit');
  });
});

describe('loss limits', () => {
  const t = useTestApp();
  afterEach(() => resetComplianceClock());

  async function market() {
    const event = await t.event();
    return event.markets[0];
  }

  it('accepts a stake that reaches the loss limit exactly and refuses one minor unit more', async () => {
    const player = await t.player();
    await deposited(t, player, '100000');
    await limitSet(t, player, 'loss', 'day', '3000');
    const m = await market();
    const leg = legOn(m.selections[0]);
    expect((await placeBet(t, player, { stake: '2000', legs: [leg] })).status).toBe(201);
    const before = await snapshot(t, player);
    const over = await placeBet(t, player, { stake: '1001', legs: [leg] });
    expect(expectProblem(over, 422, 'loss_limit_exceeded')).toMatchObject({
      period: 'day',
      limit: '3000',
      remaining: '1000',
    });
    await expectUnchanged(t, player, before);
    expect((await placeBet(t, player, { stake: '1000', legs: [leg] })).status).toBe(201);
    expect(await refusals(t, player, 'loss_limit_exceeded')).toBe(1);
  });

  it('counts what a settled bet paid back, so winnings make room again', async () => {
    const player = await t.player();
    await deposited(t, player, '100000');
    await limitSet(t, player, 'loss', 'week', '2000');
    const m = await market();
    const winner = m.selections[0];
    expect((await placeBet(t, player, { stake: '2000', legs: [legOn(winner)] })).status).toBe(201);
    expectProblem(
      await placeBet(t, player, { stake: '100', legs: [legOn(winner)] }),
      422,
      'loss_limit_exceeded',
    );
    expect((await resultMarket(t, m.id, { winners: [winner.id] })).status).toBeLessThan(300);
    // Won at 2.10: 4200 back for 2000 staked, a net win of 2200 — room for 4200 more.
    const next = (await market()).selections[0];
    expect((await placeBet(t, player, { stake: '4200', legs: [legOn(next)] })).status).toBe(201);
    expectProblem(
      await placeBet(t, player, { stake: '10', legs: [legOn(next)] }),
      422,
      'loss_limit_exceeded',
    );
  });

  it('lets stakes roll out of a daily loss limit after 24 hours', async () => {
    const player = await t.player();
    await deposited(t, player, '100000');
    await limitSet(t, player, 'loss', 'day', '1000');
    const leg = legOn((await market()).selections[1]);
    expect((await placeBet(t, player, { stake: '1000', legs: [leg] })).status).toBe(201);
    expectProblem(
      await placeBet(t, player, { stake: '10', legs: [leg] }),
      422,
      'loss_limit_exceeded',
    );
    advanceComplianceClock(24 * HOUR + 1);
    expect((await placeBet(t, player, { stake: '1000', legs: [leg] })).status).toBe(201);
  });
});

describe('session time limits', () => {
  const t = useTestApp();
  afterEach(() => resetComplianceClock());

  it('ends a session once it has lasted the chosen minutes', async () => {
    const player = await t.player();
    await limitSet(t, player, 'session', 'session', '30');
    advanceComplianceClock(29 * 60);
    await t.app.runJobs();
    expect((await t.api.get('/api/v1/me', { token: player.token })).status).toBe(200);
    advanceComplianceClock(2 * 60);
    await t.app.runJobs();
    expect((await t.api.get('/api/v1/me', { token: player.token })).status).toBe(401);
    const refreshed = await t.api.post('/api/v1/auth/refresh', {
      refreshToken: player.refreshToken,
    });
    expect(refreshed.status).toBe(401);
    const [audited] = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit.events WHERE action = 'responsible.session_limit_reached' AND target_id = $1`,
      [player.id],
    );
    expect(audited!.n).toBe(1);
  });
});
