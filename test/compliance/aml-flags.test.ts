// AML thresholds raise flags from deposits, withdrawals and stakes (an outbox consumer), and
// the risk and compliance teams list and resolve them with notes.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Player, useTestApp } from '../support/app.ts';
import { legOn, placeBet } from '../support/betting-helpers.ts';
import { expectProblem } from '../support/identity-helpers.ts';
import { postDeposit, postWithdrawal } from '../support/wallet-helpers.ts';

describe('AML flags', () => {
  const t = useTestApp({
    env: {
      IBET_AML_SINGLE_DEPOSIT: '50000',
      IBET_AML_SINGLE_WITHDRAWAL: '40000',
      IBET_AML_CUMULATIVE_DEPOSITS: '100000',
      IBET_AML_CUMULATIVE_WITHDRAWALS: '90000',
      IBET_AML_PERIOD_DAYS: '30',
      IBET_AML_RAPID_CYCLE_HOURS: '24',
      IBET_AML_RAPID_CYCLE_TURNOVER_PERCENT: '50',
      IBET_AML_STAKE_FACTOR: '5',
      IBET_AML_STAKE_MINIMUM: '1000',
      IBET_AML_STAKE_HISTORY: '10',
    },
  });

  const flagsOf = async (player: Player) => {
    await t.app.relay!.drain();
    return t.db.query<{
      rule: string;
      source: string;
      amount: bigint;
      threshold: bigint;
      status: string;
    }>(
      'SELECT rule, source, amount, threshold, status FROM aml.flags WHERE player_id = $1 ORDER BY raised_at, rule',
      [player.id],
    );
  };

  it('flags a single deposit at the threshold, and not one minor unit below it', async () => {
    const player = await t.player();
    const below = await postDeposit(t, player, '49999');
    expect(await flagsOf(player)).toEqual([]);
    const at = await postDeposit(t, player, '50000');
    expect(await flagsOf(player)).toEqual([
      {
        rule: 'single_deposit',
        source: `payment:${at.body.id}`,
        amount: 50000n,
        threshold: 50000n,
        status: 'open',
      },
    ]);
    expect(below.status).toBe(201);
  });

  it('flags cumulative deposits once, on the deposit that crosses the threshold in the period', async () => {
    const player = await t.player();
    for (const amount of ['40000', '40000']) await postDeposit(t, player, amount);
    expect((await flagsOf(player)).filter((f) => f.rule === 'cumulative_deposits')).toEqual([]);
    const crossing = await postDeposit(t, player, '20000');
    await postDeposit(t, player, '10000');
    expect((await flagsOf(player)).filter((f) => f.rule === 'cumulative_deposits')).toEqual([
      expect.objectContaining({ source: `payment:${crossing.body.id}`, amount: 100000n }),
    ]);
  });

  it('flags a withdrawal of money deposited and barely staked within the window', async () => {
    const player = await t.player();
    await postDeposit(t, player, '30000');
    const withdrawal = await postWithdrawal(t, player, '29000');
    expect(withdrawal.status).toBe(201);
    const flags = await flagsOf(player);
    expect(flags.filter((f) => f.rule === 'rapid_cycle')).toEqual([
      expect.objectContaining({ source: `payment:${withdrawal.body.id}`, amount: 29000n }),
    ]);
    expect(flags.filter((f) => f.rule === 'single_withdrawal')).toEqual([]);
  });

  it('does not flag a withdrawal after the deposit was mostly staked', async () => {
    const player = await t.player();
    const market = (await t.event()).markets[0];
    await postDeposit(t, player, '20000');
    const bet = await placeBet(t, player, { stake: '12000', legs: [legOn(market.selections[0])] });
    expect(bet.status).toBe(201);
    await postWithdrawal(t, player, '8000');
    expect((await flagsOf(player)).filter((f) => f.rule === 'rapid_cycle')).toEqual([]);
  });

  it("flags a stake far above the player's own pattern once there is a pattern", async () => {
    const player = await t.player();
    const market = (await t.event()).markets[0];
    await postDeposit(t, player, '45000');
    // No pattern yet: a big first bet is not compared with anything.
    for (let i = 0; i < 5; i++) {
      const r = await placeBet(t, player, { stake: '1000', legs: [legOn(market.selections[0])] });
      expect(r.status).toBe(201);
    }
    const normal = await placeBet(t, player, {
      stake: '4999',
      legs: [legOn(market.selections[0])],
    });
    const big = await placeBet(t, player, { stake: '20000', legs: [legOn(market.selections[0])] });
    const flags = (await flagsOf(player)).filter((f) => f.rule === 'stake_pattern');
    expect(flags).toEqual([
      expect.objectContaining({ source: `bet:${big.body.id}`, amount: 20000n }),
    ]);
    expect(normal.status).toBe(201);
  });

  it('raises a flag once however often its event is delivered', async () => {
    const player = await t.player();
    await postDeposit(t, player, '60000');
    await flagsOf(player);
    // Redeliver every event of this player to the consumer: the relay may publish twice.
    const events = await t.db.query<{ id: bigint }>(
      `SELECT id FROM platform.outbox WHERE aggregate_id = $1`,
      [player.id],
    );
    await t.db.query(
      `DELETE FROM platform.processed_events WHERE consumer = 'aml.rules' AND event_id = ANY($1::bigint[])`,
      [events.map((e) => e.id)],
    );
    await t.db.query(`UPDATE platform.outbox SET published_at = NULL WHERE aggregate_id = $1`, [
      player.id,
    ]);
    expect((await flagsOf(player)).filter((f) => f.rule === 'single_deposit')).toHaveLength(1);
  });

  it('lists flags and resolves one with notes, for risk and compliance staff only, audited', async () => {
    const player = await t.player();
    await postDeposit(t, player, '70000');
    await flagsOf(player);
    const risk = await t.staff(['risk']);
    const support = await t.staff(['support']);
    expectProblem(
      await t.api.get('/api/v1/admin/aml/flags', { token: support.token }),
      403,
      'forbidden',
    );
    const list = await t.api.get(`/api/v1/admin/aml/flags?status=open&playerId=${player.id}`, {
      token: risk.token,
    });
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    const flag = list.body.items[0];
    expect(flag).toMatchObject({
      rule: 'single_deposit',
      status: 'open',
      amount: '70000',
      currency: 'EUR',
    });

    expectProblem(
      await t.api.post(
        `/api/v1/admin/aml/flags/${flag.id}/resolve`,
        { resolution: 'no_action' },
        { token: risk.token },
      ),
      400,
      'validation_failed',
    );
    const resolved = await t.api.post(
      `/api/v1/admin/aml/flags/${flag.id}/resolve`,
      { resolution: 'monitor', notes: 'Source of funds: salary; documents on file.' },
      { token: risk.token },
    );
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      status: 'resolved',
      resolution: 'monitor',
      resolvedBy: risk.id,
      notes: 'Source of funds: salary; documents on file.',
    });
    expectProblem(
      await t.api.post(
        `/api/v1/admin/aml/flags/${flag.id}/resolve`,
        { resolution: 'reported', notes: 'again' },
        { token: risk.token },
      ),
      409,
      'aml_flag_resolved',
    );
    expectProblem(
      await t.api.get(`/api/v1/admin/aml/flags/${randomUUID()}`, { token: risk.token }),
      404,
      'aml_flag_not_found',
    );
    const [record] = await t.db.query<{ actor_id: string; details: any }>(
      `SELECT actor_id, details FROM audit.events WHERE action = 'aml.flag_resolved' AND target_id = $1`,
      [flag.id],
    );
    expect(record).toMatchObject({
      actor_id: risk.id,
      details: { before: { status: 'open' }, after: { status: 'resolved', resolution: 'monitor' } },
    });
    const compliance = await t.staff(['compliance']);
    const open = await t.api.get(`/api/v1/admin/aml/flags?status=open&playerId=${player.id}`, {
      token: compliance.token,
    });
    expect(open.body.items).toEqual([]);
  });
});
