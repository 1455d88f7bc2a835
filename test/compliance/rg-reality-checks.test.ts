// Reality checks: after the player's interval (or the jurisdiction's default), the session's
// elapsed time and net position are put before the player — over the API and pushed on the
// realtime `me` topic — and wait for an acknowledgement, which may also end the session.

import { Value } from 'typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import {
  advanceComplianceClock,
  resetComplianceClock,
} from '../../src/modules/compliance/index.ts';
import { DataMessage } from '../../src/modules/realtime/protocol.ts';
import { createTranslator } from '../../src/modules/realtime/translate.ts';
import type { OutboxEvent } from '../../src/platform/events/outbox.ts';
import { type Player, type TestApp, useTestApp } from '../support/app.ts';
import { legOn, placeBet } from '../support/betting-helpers.ts';
import { expectProblem } from '../support/identity-helpers.ts';

const MINUTE = 60;

async function pending(t: TestApp, player: Player) {
  const response = await t.api.get('/api/v1/me/reality-check', { token: player.token });
  expect(response.status).toBe(200);
  return response.body.pending;
}

describe('reality checks', () => {
  const t = useTestApp();
  afterEach(() => resetComplianceClock());

  it('comes after the chosen interval with the session time and net position, and waits to be acknowledged', async () => {
    const player = await t.player();
    await t.deposit(player, 10000n);
    const chosen = await t.api.put(
      '/api/v1/me/reality-check',
      { intervalMinutes: 15 },
      { token: player.token },
    );
    expect(chosen.status).toBe(204);
    const event = await t.event();
    expect(
      (await placeBet(t, player, { stake: '1500', legs: [legOn(event.markets[0].selections[0])] }))
        .status,
    ).toBe(201);

    advanceComplianceClock(14 * MINUTE);
    await t.app.runJobs();
    expect(await pending(t, player)).toBeNull();

    advanceComplianceClock(2 * MINUTE);
    await t.app.runJobs();
    const check = await pending(t, player);
    expect(check).toMatchObject({
      staked: '1500',
      returned: '0',
      net: '-1500',
      currency: 'EUR',
      acknowledgedAt: null,
    });
    expect(check.elapsedSeconds).toBeGreaterThanOrEqual(16 * MINUTE);
    expect(check.elapsedSeconds).toBeLessThan(20 * MINUTE);

    // Not another one while this one waits.
    advanceComplianceClock(20 * MINUTE);
    await t.app.runJobs();
    expect((await pending(t, player)).id).toBe(check.id);

    const acknowledged = await t.api.post(
      `/api/v1/me/reality-check/${check.id}/acknowledge`,
      {},
      { token: player.token },
    );
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body.acknowledgedAt).toEqual(expect.any(String));
    expect(await pending(t, player)).toBeNull();
    expect((await t.api.get('/api/v1/me', { token: player.token })).status).toBe(200);
  });

  it('is pushed to the player on the realtime me topic as a reality_check message', async () => {
    const player = await t.player();
    await t.api.put('/api/v1/me/reality-check', { intervalMinutes: 5 }, { token: player.token });
    advanceComplianceClock(6 * MINUTE);
    await t.app.runJobs();
    const [row] = await t.db.query<{
      id: bigint;
      type: string;
      aggregate_id: string;
      payload: Record<string, unknown>;
      created_at: Date;
    }>(
      `SELECT id, type, aggregate_id, payload, created_at FROM platform.outbox
       WHERE type = 'responsible.reality_check_due' AND aggregate_id = $1`,
      [player.id],
    );
    expect(row).toBeDefined();
    const event: OutboxEvent = {
      id: row!.id,
      type: row!.type,
      aggregateId: row!.aggregate_id,
      payload: row!.payload,
      createdAt: row!.created_at,
    };
    const [out] = await createTranslator(t.db)([event]);
    expect(out?.topics.map((topic) => topic.name)).toEqual([`player:${player.id}`]);
    const message = { topic: 'me', seq: 1, ...JSON.parse(`{${out!.body}}`) };
    expect(Value.Check(DataMessage, message)).toBe(true);
    expect(message).toMatchObject({ type: 'reality_check', net: '0', staked: '0' });
  });

  it('ends the session when the player chooses to stop at the check', async () => {
    const player = await t.player();
    await t.api.put('/api/v1/me/reality-check', { intervalMinutes: 5 }, { token: player.token });
    advanceComplianceClock(5 * MINUTE + 1);
    await t.app.runJobs();
    const check = await pending(t, player);
    const stopped = await t.api.post(
      `/api/v1/me/reality-check/${check.id}/acknowledge`,
      { endSession: true },
      { token: player.token },
    );
    expect(stopped.status).toBe(200);
    expect((await t.api.get('/api/v1/me', { token: player.token })).status).toBe(401);
  });

  it('follows the jurisdiction: hourly by default in Great Britain, never off in Ontario', async () => {
    const british = await t.player({ country: 'GB', currency: 'GBP' });
    const overview = await t.api.get('/api/v1/me/responsible-gambling', { token: british.token });
    expect(overview.body.realityCheck).toEqual({
      intervalMinutes: 60,
      mayTurnOff: true,
      pending: null,
    });
    advanceComplianceClock(61 * MINUTE);
    await t.app.runJobs();
    expect(await pending(t, british)).not.toBeNull();
    expect(
      (
        await t.api.put(
          '/api/v1/me/reality-check',
          { intervalMinutes: null },
          { token: british.token },
        )
      ).status,
    ).toBe(204);

    const ontarian = await t.player({ country: 'CA' });
    const off = await t.api.put(
      '/api/v1/me/reality-check',
      { intervalMinutes: null },
      { token: ontarian.token },
    );
    expectProblem(off, 422, 'reality_checks_required');
    const irish = await t.player();
    expect(
      (await t.api.get('/api/v1/me/responsible-gambling', { token: irish.token })).body.realityCheck
        .intervalMinutes,
    ).toBeNull();
  });

  it('answers 404 for a check that is not the player’s', async () => {
    const player = await t.player();
    const other = await t.player();
    await t.api.put('/api/v1/me/reality-check', { intervalMinutes: 5 }, { token: player.token });
    advanceComplianceClock(6 * MINUTE);
    await t.app.runJobs();
    const check = await pending(t, player);
    expectProblem(
      await t.api.post(
        `/api/v1/me/reality-check/${check.id}/acknowledge`,
        {},
        { token: other.token },
      ),
      404,
      'reality_check_not_found',
    );
  });
});
