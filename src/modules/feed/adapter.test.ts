// The feed adapter: validated messages, applied once by provider message id, older news
// ignored, our margin on provider prices, suspension on material events, results settled.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { legOn, placedBet } from '../../../test/support/betting-helpers.ts';
import { getEvent } from '../catalog/index.ts';
import { applyFeedMessage, type FeedDeps } from './adapter.ts';
import { applyMargin } from './margin.ts';

const PROVIDER = 'acme';

describe('the feed adapter', () => {
  const t = useTestApp({ env: { IBET_SIMULATOR: 'false' } });
  const deps = (): FeedDeps => ({ db: t.db, marginBps: 600 });
  let ts = Date.now();
  const apply = (message: Record<string, unknown>) =>
    applyFeedMessage(deps(), PROVIDER, { id: randomUUID(), ts: ++ts, ...message });

  const counts = async () => {
    const [row] = await t.db.query<{ messages: number; events: number; history: number }>(
      `SELECT (SELECT count(*)::int FROM feed.messages) AS messages,
              (SELECT count(*)::int FROM catalog.events) AS events,
              (SELECT count(*)::int FROM catalog.price_history) AS history`,
    );
    return row!;
  };

  const fixtureWithMarket = async () => {
    const fixture = `f-${randomUUID()}`;
    expect(
      await apply({
        kind: 'fixture',
        fixture,
        sport: 'football',
        sportName: 'Football',
        competition: 'Feed League',
        name: 'Reds v Blues',
        home: 'Reds',
        away: 'Blues',
        startsAt: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    ).toEqual({ outcome: 'applied' });
    expect(
      await apply({
        kind: 'market',
        fixture,
        market: 'mr',
        type: 'match_result',
        name: 'Match result',
        selections: [
          { key: 'h', name: 'Reds', outcome: 'home', price: 2.0 },
          { key: 'd', name: 'Draw', outcome: 'draw', price: 4.0 },
          { key: 'a', name: 'Blues', outcome: 'away', price: 4.0 },
        ],
      }),
    ).toEqual({ outcome: 'applied' });
    const [row] = await t.db.query<{ event_id: string }>(
      'SELECT event_id FROM feed.fixtures WHERE provider = $1 AND external_id = $2',
      [PROVIDER, fixture],
    );
    return { fixture, event: await getEvent(t.db, row!.event_id) };
  };

  it('creates the event and its market with our margin on the provider’s prices', async () => {
    const { event } = await fixtureWithMarket();
    expect(event).toMatchObject({ name: 'Reds v Blues', status: 'scheduled' });
    // 2.0/4.0/4.0 is a fair book (50/25/25%); with 6% overround: 1.88, 3.77, 3.77.
    expect(event.markets[0]!.selections.map((s) => s.price)).toEqual(['1.88', '3.77', '3.77']);
    // A provider's own margin does not add to ours: 1.9/3.8/3.8 prices the same.
    expect(applyMargin([1.9, 3.8, 3.8], 600)).toEqual(applyMargin([2, 4, 4], 600));
  });

  it('refuses an invalid message and writes nothing', async () => {
    const before = await counts();
    for (const bad of [
      'not an object',
      { kind: 'odds' },
      { kind: 'teleport', id: 'x', ts: 1, fixture: 'f' },
      { kind: 'odds', id: 'x', ts: 1, fixture: 'f', market: 'm', prices: { h: 0.5 } },
      { kind: 'odds', id: 'x', ts: 1, fixture: 'f', market: 'm', prices: { h: 2 }, extra: 1 },
      { kind: 'result', id: 'x', ts: 1, fixture: 'f', market: 'm', winners: ['h'], void: true },
    ]) {
      const result = await applyFeedMessage(deps(), PROVIDER, bad);
      expect(result.outcome, JSON.stringify(bad)).toBe('invalid');
      expect(result.reason).toBeTruthy();
    }
    expect(await counts()).toEqual(before);
  });

  it('applies a message once, however often it is delivered', async () => {
    const { fixture, event } = await fixtureWithMarket();
    const odds = {
      id: randomUUID(),
      ts: ++ts,
      kind: 'odds',
      fixture,
      market: 'mr',
      prices: { h: 3.0, d: 3.0, a: 3.0 },
    };
    expect(await applyFeedMessage(deps(), PROVIDER, odds)).toEqual({ outcome: 'applied' });
    const before = await counts();
    expect(await applyFeedMessage(deps(), PROVIDER, odds)).toEqual({ outcome: 'duplicate' });
    expect(
      await Promise.all([1, 2, 3].map(() => applyFeedMessage(deps(), PROVIDER, odds))),
    ).toEqual([1, 2, 3].map(() => ({ outcome: 'duplicate' })));
    expect(await counts()).toEqual(before);
    const prices = (await getEvent(t.db, event.id)).markets[0]!.selections.map((s) => s.price);
    expect(prices).toEqual(['2.83', '2.83', '2.83']);
  });

  it('ignores news older than what was applied about the same thing', async () => {
    const { fixture, event } = await fixtureWithMarket();
    const newer = ++ts + 1000;
    expect(
      await applyFeedMessage(deps(), PROVIDER, {
        id: randomUUID(),
        ts: newer,
        kind: 'odds',
        fixture,
        market: 'mr',
        prices: { h: 1.5, d: 5, a: 7 },
      }),
    ).toEqual({ outcome: 'applied' });
    const late = await applyFeedMessage(deps(), PROVIDER, {
      id: randomUUID(),
      ts: newer - 500,
      kind: 'odds',
      fixture,
      market: 'mr',
      prices: { h: 9, d: 9, a: 1.1 },
    });
    expect(late).toEqual({ outcome: 'stale' });
    const market = (await getEvent(t.db, event.id)).markets[0]!;
    expect(market.selections[0]!.price).toBe('1.42');

    await applyFeedMessage(deps(), PROVIDER, {
      id: randomUUID(),
      ts: newer,
      kind: 'status',
      fixture,
      status: 'live',
      score: { home: 1, away: 0, detail: null },
      clock: { period: '1H', minute: 12, running: true },
    });
    expect(
      await applyFeedMessage(deps(), PROVIDER, {
        id: randomUUID(),
        ts: newer - 1,
        kind: 'status',
        fixture,
        status: 'live',
        score: { home: 0, away: 0, detail: null },
      }),
    ).toEqual({ outcome: 'stale' });
    expect(await getEvent(t.db, event.id)).toMatchObject({
      status: 'live',
      score: { home: 1, away: 0 },
      clock: { period: '1H', minute: 12, running: true },
    });
  });

  it('suspends every open market of the fixture on a material event; an older "open" does not reopen them', async () => {
    const { fixture, event } = await fixtureWithMarket();
    const goalAt = ++ts + 1000;
    expect(
      await applyFeedMessage(deps(), PROVIDER, {
        id: randomUUID(),
        ts: goalAt,
        kind: 'material',
        fixture,
        event: 'goal',
      }),
    ).toEqual({ outcome: 'applied' });
    expect((await getEvent(t.db, event.id)).markets[0]!.status).toBe('suspended');
    expect(
      await applyFeedMessage(deps(), PROVIDER, {
        id: randomUUID(),
        ts: goalAt - 1,
        kind: 'market_status',
        fixture,
        market: '*',
        status: 'open',
      }),
    ).toEqual({ outcome: 'stale' });
    expect((await getEvent(t.db, event.id)).markets[0]!.status).toBe('suspended');
    await applyFeedMessage(deps(), PROVIDER, {
      id: randomUUID(),
      ts: goalAt + 1,
      kind: 'market_status',
      fixture,
      market: 'mr',
      status: 'open',
    });
    expect((await getEvent(t.db, event.id)).markets[0]!.status).toBe('open');
  });

  it('refuses messages about a fixture it does not know, writing nothing, and applies them once it does', async () => {
    const before = await counts();
    const early = {
      id: randomUUID(),
      ts: ++ts,
      kind: 'status',
      fixture: 'not-yet',
      status: 'live',
    };
    const refused = await applyFeedMessage(deps(), PROVIDER, early);
    expect(refused.outcome).toBe('rejected');
    expect(refused.reason).toContain('unknown_fixture');
    expect(await counts()).toEqual(before);
  });

  it('records a result and settles the bets on the market; the same result again changes nothing', async () => {
    const { fixture, event } = await fixtureWithMarket();
    const player = await t.player();
    await t.deposit(player, 10_000n);
    const market = event.markets[0]!;
    const win = await placedBet(t, player, { stake: '1000', legs: [legOn(market.selections[0]!)] });
    const lose = await placedBet(t, player, { stake: '500', legs: [legOn(market.selections[2]!)] });
    const result = {
      id: randomUUID(),
      ts: ++ts,
      kind: 'result',
      fixture,
      market: 'mr',
      winners: ['h'],
    };
    expect(await applyFeedMessage(deps(), PROVIDER, result)).toEqual({ outcome: 'applied' });
    expect(await applyFeedMessage(deps(), PROVIDER, result)).toEqual({ outcome: 'duplicate' });
    const bets = await t.api.get('/api/v1/bets', { token: player.token });
    const status = Object.fromEntries(bets.body.items.map((b: any) => [b.id, b.status]));
    expect(status).toEqual({ [win.id]: 'won', [lose.id]: 'lost' });
    expect(await t.balance(player)).toBe(10_000n - 1500n + 1880n);
    // A different result for the same market is refused: nothing is paid twice.
    const other = await apply({ kind: 'result', fixture, market: 'mr', winners: ['a'] });
    expect(other.outcome).toBe('rejected');
    expect(await t.balance(player)).toBe(10_380n);
  });
});
