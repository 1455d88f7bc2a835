// The live-match simulator plays whole matches through the feed adapter: each goes live,
// its prices move, its markets are suspended around material events, it ends, and every
// market is resulted and every bet on it settled, with the money invariants holding
// (useTestApp checks them after each test). A WebSocket client watches the football match.
import { beforeAll, describe, expect, it } from 'vitest';
import { Client, listen } from '../../../../test/realtime/support.ts';
import { useTestApp } from '../../../../test/support/app.ts';
import { legOn, placedBet } from '../../../../test/support/betting-helpers.ts';
import { getEvent } from '../../catalog/index.ts';
import { applyFeedMessage, type FeedResult } from '../adapter.ts';
import type { FeedMessage } from '../messages.ts';
import { footballProbabilities } from './football.ts';
import { seededRandom } from './random.ts';
import { createSimulator } from './simulator.ts';
import { newTennis, playPoint, tennisHomeWins } from './tennis.ts';

const noWait = async () => {};

describe('the live-match simulator', () => {
  const t = useTestApp({ env: { IBET_SIMULATOR: 'false' } });
  let url: string;
  beforeAll(async () => {
    url = await listen(t.app);
  });

  /** Plays one match; calls `beforeKickOff` with the event once its markets exist. */
  async function play(
    sport: 'football' | 'tennis',
    seed: number,
    beforeKickOff: (eventId: string) => Promise<void>,
  ) {
    const log: { message: FeedMessage; result: FeedResult; statuses: string[] }[] = [];
    let eventId: string | undefined;
    let started = false;
    const simulator = createSimulator({
      db: t.db,
      speed: 30,
      football: 0,
      tennis: 0,
      random: seededRandom(seed),
    });
    simulator.start(async (raw) => {
      const message = raw as FeedMessage;
      if (message.kind === 'status' && message.status === 'live' && !started) {
        started = true;
        await beforeKickOff(eventId!);
      }
      const result = await applyFeedMessage({ db: t.db, marginBps: 600 }, 'simulator', message);
      if (message.kind === 'fixture') {
        const [row] = await t.db.query<{ event_id: string }>(
          `SELECT event_id FROM feed.fixtures WHERE provider = 'simulator' AND external_id = $1`,
          [message.fixture],
        );
        eventId = row!.event_id;
      }
      const event = await getEvent(t.db, eventId!);
      log.push({ message, result, statuses: event.markets.map((m) => m.status) });
      await t.app.relay!.drain();
      return result;
    });
    await simulator.play(sport, noWait);
    await simulator.stop();
    return { log, event: await getEvent(t.db, eventId!) };
  }

  it('plays a football match live to full time, suspending around goals, and settles every bet', async () => {
    const player = await t.player();
    await t.deposit(player, 100_000n);
    const bets: string[] = [];
    let watcher: Client | undefined;
    // Seed 7 gives a match with goals (checked below).
    const { log, event } = await play('football', 7, async (eventId) => {
      const live = await getEvent(t.db, eventId);
      for (const market of live.markets) {
        for (const selection of market.selections) {
          bets.push((await placedBet(t, player, { stake: '500', legs: [legOn(selection)] })).id);
        }
      }
      watcher = await Client.connect(url);
      await watcher.subscribe(`event:${eventId}`);
    });

    expect(
      log.every((l) => l.result.outcome === 'applied'),
      JSON.stringify(log.find((l) => l.result.outcome !== 'applied')),
    ).toBe(true);
    const goals = log.filter((l) => l.message.kind === 'material' && l.message.event === 'goal');
    expect(goals.length).toBeGreaterThan(0);
    // Right after a material event every market still open is suspended …
    for (const material of log.filter((l) => l.message.kind === 'material')) {
      expect(material.statuses.every((s) => s === 'suspended' || s === 'settled')).toBe(true);
    }
    // … and they reopen once the new prices are out.
    expect(log.some((l) => l.message.kind === 'market_status' && l.statuses.includes('open'))).toBe(
      true,
    );
    const odds = log.filter((l) => l.message.kind === 'odds');
    expect(odds.length).toBeGreaterThan(90);

    expect(event.status).toBe('ended');
    expect(event.clock).toMatchObject({ period: 'FT', running: false });
    expect(event.markets.every((m) => m.status === 'settled')).toBe(true);
    for (const market of event.markets) {
      expect(market.selections.filter((s) => s.result === 'win')).toHaveLength(1);
    }
    const listed = await t.api.get('/api/v1/bets?limit=50', { token: player.token });
    const mine = listed.body.items.filter((b: any) => bets.includes(b.id));
    expect(mine).toHaveLength(7);
    expect(mine.filter((b: any) => b.status === 'won')).toHaveLength(3); // one per market
    expect(mine.filter((b: any) => b.status === 'lost')).toHaveLength(4);

    // The watcher saw the match go live, the score change, suspensions and the results.
    await new Promise((r) => setTimeout(r, 200)); // the last frames are on their way
    const seen = watcher!.on(`event:${event.id}`);
    expect(seen.some((m) => m.type === 'event' && m.status === 'live')).toBe(true);
    expect(seen.some((m) => m.type === 'event' && m.score && m.score.home + m.score.away > 0)).toBe(
      true,
    );
    expect(seen.some((m) => m.type === 'market' && m.status === 'suspended')).toBe(true);
    expect(seen.filter((m) => m.type === 'result')).toHaveLength(3);
    expect(seen.at(-1)).toMatchObject({ type: 'result' });
    expect(watcher!.invalid).toEqual([]);
    await watcher!.close();
  }, 120_000);

  it('plays a tennis match point by point to the end and settles the match-winner bets', async () => {
    const player = await t.player();
    await t.deposit(player, 10_000n);
    const bets: string[] = [];
    const { log, event } = await play('tennis', 11, async (eventId) => {
      const live = await getEvent(t.db, eventId);
      for (const selection of live.markets[0]!.selections) {
        bets.push((await placedBet(t, player, { stake: '1000', legs: [legOn(selection)] })).id);
      }
    });
    expect(log.every((l) => l.result.outcome === 'applied')).toBe(true);
    expect(log.filter((l) => l.message.kind === 'odds').length).toBeGreaterThan(50);
    expect(log.some((l) => l.message.kind === 'material')).toBe(true);
    expect(event).toMatchObject({ status: 'ended' });
    expect(event.score!.home + event.score!.away).toBeGreaterThanOrEqual(2);
    expect(Math.max(event.score!.home, event.score!.away)).toBe(2);
    expect(event.markets[0]!.status).toBe('settled');
    const listed = await t.api.get('/api/v1/bets?limit=50', { token: player.token });
    const statuses = listed.body.items
      .filter((b: any) => bets.includes(b.id))
      .map((b: any) => b.status);
    expect(statuses.sort()).toEqual(['lost', 'won']);
  }, 120_000);
});

describe('the simulator’s models', () => {
  it('prices football from the score and the time left', () => {
    const kickOff = footballProbabilities({
      minute: 0,
      home: 0,
      away: 0,
      rateHome: 1.5,
      rateAway: 1.1,
    });
    expect(kickOff.home + kickOff.draw + kickOff.away).toBeCloseTo(1, 6);
    expect(kickOff.home).toBeGreaterThan(kickOff.away);
    const late = footballProbabilities({
      minute: 88,
      home: 2,
      away: 0,
      rateHome: 1.5,
      rateAway: 1.1,
    });
    expect(late.home).toBeGreaterThan(0.99);
    expect(late.bttsYes).toBeLessThan(0.1);
    const decided = footballProbabilities({
      minute: 30,
      home: 2,
      away: 1,
      rateHome: 1,
      rateAway: 1,
    });
    expect(decided.over).toBeCloseTo(1, 9);
  });

  it('prices tennis exactly: even players are even, and a set up is a big lead', () => {
    const s = newTennis();
    expect(tennisHomeWins(s, 0.64, 0.64)).toBeCloseTo(0.5, 1);
    const random = seededRandom(3);
    while (s.sets[0] + s.sets[1] === 0) playPoint(s, random() < 0.5);
    const leader =
      s.sets[0] === 1 ? tennisHomeWins(s, 0.64, 0.64) : 1 - tennisHomeWins(s, 0.64, 0.64);
    expect(leader).toBeGreaterThan(0.6);
  });
});
