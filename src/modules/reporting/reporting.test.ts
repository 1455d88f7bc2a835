import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { legOn, placedBet } from '../../../test/support/betting-helpers.ts';
import { expectProblem } from '../../../test/support/identity-helpers.ts';

describe('staff reports for the back office', () => {
  const t = useTestApp();

  it('shows the liability of an event per market and selection, with its open bets', async () => {
    const player = await t.player();
    await t.deposit(player, 100_000n);
    const event = await t.event({ prices: ['2.50', '3.20', '2.80'] });
    const market = event.markets[0];
    const [home, draw] = market.selections;
    await placedBet(t, player, { stake: '1000', legs: [legOn(home)] });
    await placedBet(t, player, { stake: '400', legs: [legOn(home)] });
    await placedBet(t, player, { stake: '500', legs: [legOn(draw)] });
    const risk = await t.staff(['risk']);

    const response = await t.api.get(`/api/v1/admin/reports/events/${event.id}/liability`, {
      token: risk.token,
    });
    expect(response.status).toBe(200);
    const body = response.body;
    expect(body.event).toMatchObject({ id: event.id, status: 'scheduled' });
    const m = body.markets.find((x: any) => x.id === market.id);
    expect(m.openBets).toBe(3);
    const byId = new Map(m.selections.map((s: any) => [s.id, s]));
    // 1000 at 2.50 and 400 at 2.50: potential net loss 1500 + 600.
    expect(byId.get(home.id)).toMatchObject({
      exposure: '2100',
      openBets: 2,
      stakes: [{ currency: 'EUR', stake: '1400' }],
    });
    // 500 at 3.20: 1100.
    expect(byId.get(draw.id)).toMatchObject({ exposure: '1100', openBets: 1 });
    expect(BigInt(m.exposure)).toBe(3200n);
    expect(body.exposure).toBe(m.exposure);
  });

  it('lists the latest bets of every player newest first, and only newer ones on request', async () => {
    const a = await t.player();
    const b = await t.player();
    await t.deposit(a, 10_000n);
    await t.deposit(b, 10_000n);
    const event = await t.event();
    const first = await placedBet(t, a, {
      stake: '100',
      legs: [legOn(event.markets[0].selections[0])],
    });
    const second = await placedBet(t, b, {
      stake: '200',
      legs: [legOn(event.markets[0].selections[1])],
    });
    const risk = await t.staff(['risk']);

    const all = await t.api.get('/api/v1/admin/reports/bets?limit=100', { token: risk.token });
    expect(all.status).toBe(200);
    const ids = all.body.items.map((x: any) => x.id);
    expect(ids.indexOf(second.id)).toBeLessThan(ids.indexOf(first.id));
    const newest = all.body.items.find((x: any) => x.id === second.id);
    expect(newest).toMatchObject({
      playerId: b.id,
      stake: '200',
      currency: 'EUR',
      legs: [{ selectionName: event.markets[0].selections[1].name }],
    });

    // Only bets at or after the newest one seen: the newest comes again (the ticker drops the
    // ids it has), the older one not — unless both fell into one millisecond.
    const third = await placedBet(t, a, {
      stake: '300',
      legs: [legOn(event.markets[0].selections[2])],
    });
    const after = await t.api.get(
      `/api/v1/admin/reports/bets?after=${encodeURIComponent(newest.placedAt)}`,
      { token: risk.token },
    );
    expect(after.status).toBe(200);
    const newer = after.body.items.map((x: any) => x.id);
    expect(newer).toContain(third.id);
    expect(newer).toContain(second.id);
    const firstAt = all.body.items.find((x: any) => x.id === first.id).placedAt;
    if (firstAt < newest.placedAt) expect(newer).not.toContain(first.id);
    for (const bet of after.body.items) expect(bet.placedAt >= newest.placedAt).toBe(true);
  });

  it('reads the operations figures from the metrics registry', async () => {
    const player = await t.player();
    await t.deposit(player, 10_000n);
    const event = await t.event();
    const admin = await t.staff(['admin']);
    const before = (await t.api.get('/api/v1/admin/reports/operations', { token: admin.token }))
      .body;
    await placedBet(t, player, { stake: '300', legs: [legOn(event.markets[0].selections[0])] });
    const after = await t.api.get('/api/v1/admin/reports/operations', { token: admin.token });
    expect(after.status).toBe(200);
    expect(after.body.bets.placed).toBe(before.bets.placed + 1);
    expect(after.body.http.requests).toBeGreaterThan(before.http.requests);
    const counts: number[] = after.body.http.latency.counts;
    expect(counts.length).toBeGreaterThan(0);
    expect(after.body.http.latency.le.at(-1)).toBeNull();
    // Cumulative buckets never decrease.
    expect(counts.every((c, i) => i === 0 || c >= (counts[i - 1] ?? 0))).toBe(true);
  });

  it('is for staff holding the permission only', async () => {
    const player = await t.player();
    const support = await t.staff(['support']);
    expectProblem(
      await t.api.get('/api/v1/admin/reports/operations', { token: support.token }),
      403,
      'forbidden',
    );
    expectProblem(
      await t.api.get('/api/v1/admin/reports/bets', { token: player.token }),
      403,
      'forbidden',
    );
    expectProblem(await t.api.get('/api/v1/admin/reports/bets'), 401, 'unauthenticated');
  });
});
