// Scenario 6 (docs/reliability.md): a provider's messages delivered twice, out of order and
// concurrently through the feed adapter (the sink every provider connection calls), with
// rejected messages sent again as a provider would, then the result delivered several times
// at once and again later. The catalogue must end where the newest news says, and the result
// must post each bet's settlement once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFeedMessage, applyMargin, type FeedResult } from '../../src/modules/feed/index.ts';
import { call, type Op, record, resolveUnknowns } from './harness/client.ts';
import { openScenario, type Scenario } from './harness/context.ts';
import { betOp, fundedPlayers, type Market } from './harness/load.ts';
import { ledgerFigures, modelMismatches } from './harness/reconcile.ts';

const PROVIDER = 'acme';
const MARGIN = 600;
type Message = Record<string, unknown> & { id: string; ts: number; kind: string };

describe('scenario 6: duplicate and out-of-order feed messages', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await openScenario('6-feed-disorder', 6);
  });
  afterAll(async () => s?.close());

  it('applies each message once and never moves state back to older news', async () => {
    const { rng, t } = s;
    const api = await s.start('api', { role: 'api' });
    const deps = { db: s.db, marginBps: MARGIN };
    const outcomes: Record<string, number> = {};
    const deliver = async (m: unknown): Promise<FeedResult> => {
      const result = await applyFeedMessage(deps, PROVIDER, m);
      outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
      return result;
    };
    /** Delivers every message (copies included) on `lanes` concurrent connections; what was
     * rejected (not applicable yet) is sent again until nothing is, as providers do. */
    const stream = async (messages: Message[], lanes: number) => {
      let queue = messages;
      for (let round = 0; queue.length > 0 && round < 20; round++) {
        const again: Message[] = [];
        let next = 0;
        await Promise.all(
          Array.from({ length: lanes }, async () => {
            while (next < queue.length) {
              const m = queue[next++]!;
              if ((await deliver(m)).outcome === 'rejected') again.push(m);
            }
          }),
        );
        queue = again;
      }
      return queue.length;
    };
    let seq = 0;
    const T0 = Date.now();
    const msg = (kind: string, ts: number, fields: Record<string, unknown>): Message => ({
      id: `m-${++seq}`,
      ts,
      fixture: 'fx-1',
      kind,
      ...fields,
    });
    const keys = ['home', 'draw', 'away'];
    const prices = () => Object.fromEntries(keys.map((k) => [k, rng.int(120, 900) / 100]));
    const opening = prices();
    // The fixture and its market arrive out of order too: the market is rejected until the
    // fixture exists, and sent again.
    const setup = [
      msg('market', T0 + 2, {
        market: 'mr',
        type: 'match_result',
        name: 'Match result',
        selections: keys.map((k) => ({ key: k, name: k, outcome: k, price: opening[k] })),
      }),
      msg('fixture', T0 + 1, {
        sport: 'football',
        sportName: 'Football',
        competition: 'Feed League',
        name: 'Feed Home v Feed Away',
        home: 'Feed Home',
        away: 'Feed Away',
        startsAt: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    ];
    const stuck = await stream([...setup, ...setup], 2);
    const [fixture] = await s.db.query<{ event_id: string }>(
      `SELECT event_id FROM feed.fixtures WHERE provider = $1 AND external_id = 'fx-1'`,
      [PROVIDER],
    );
    const [fm] = await s.db.query<{ market_id: string }>(
      `SELECT market_id FROM feed.markets WHERE provider = $1 AND external_id = 'fx-1' AND market_key = 'mr'`,
      [PROVIDER],
    );
    const selections = await s.db.query<{ id: string; name: string; price: number }>(
      'SELECT id, name, price FROM catalog.selections WHERE market_id = $1 ORDER BY display_order',
      [fm!.market_id],
    );
    const idOf = new Map(selections.map((x) => [x.name, x.id]));
    const market: Market = {
      eventId: fixture!.event_id,
      marketId: fm!.market_id,
      selections: selections.map((x) => ({ id: x.id, price: (x.price / 1000).toFixed(2) })),
    };

    // Pre-match bets through the api process.
    const initial = 100_000n;
    const players = await fundedPlayers(t, 4, initial);
    const ops: Op[] = [];
    for (let i = 0; i < (s.long ? 200 : 40); i++) {
      const op = betOp(i % players.length, market, rng, BigInt(rng.int(10, 300)), 'feed');
      ops.push(op);
      record(
        op,
        await call(api.base, op.method, op.path, {
          token: players[op.player]!.token,
          key: op.key,
          body: op.body,
        }),
      );
    }
    await resolveUnknowns(
      ops,
      () => [api.base],
      (p) => players[p]!.token,
    );

    // Phase A: odds, status, material events and market status, each with a distinct time.
    const news: Message[] = [];
    let ts = T0 + 10;
    const count = s.long ? 200 : 40;
    for (let i = 0; i < count; i++) {
      ts += rng.int(1, 50);
      const roll = rng.next();
      if (roll < 0.5) news.push(msg('odds', ts, { market: 'mr', prices: prices() }));
      else if (roll < 0.7)
        news.push(
          msg('status', ts, {
            status: 'live',
            score: { home: i, away: rng.int(0, 5), detail: null },
            clock: { period: '1H', minute: i, running: true },
          }),
        );
      else if (roll < 0.8) news.push(msg('material', ts, { event: 'goal' }));
      else
        news.push(
          msg('market_status', ts, {
            market: rng.chance(0.5) ? 'mr' : '*',
            status: rng.pick(['open', 'suspended']),
          }),
        );
    }
    const copies = news.filter(() => rng.chance(0.35));
    const shuffled = rng.shuffle([...news, ...copies]);
    const stuckA = await stream(shuffled, 4);

    // The oracle of phase A: the newest of each kind of news wins.
    const newest = (kinds: string[]) =>
      news.filter((m) => kinds.includes(m.kind)).sort((a, b) => b.ts - a.ts)[0];
    let regressions = 0;
    const lastOdds = newest(['odds']);
    if (lastOdds) {
      const expected = applyMargin(
        keys.map((k) => (lastOdds.prices as Record<string, number>)[k]!),
        MARGIN,
      );
      const now = await s.db.query<{ name: string; price: number }>(
        'SELECT name, price FROM catalog.selections WHERE market_id = $1',
        [market.marketId],
      );
      for (const row of now) {
        const want = expected[keys.indexOf(row.name)]!;
        if (row.price !== want) {
          regressions++;
          process.stderr.write(`price of ${row.name}: ${row.price}, newest news says ${want}\n`);
        }
      }
    }
    const lastStatus = newest(['status']);
    const [event] = await s.db.query<{ status: string; score: { home: number } | null }>(
      'SELECT status, score FROM catalog.events WHERE id = $1',
      [market.eventId],
    );
    if (lastStatus) {
      if (event!.status !== lastStatus.status) regressions++;
      if (event!.score?.home !== (lastStatus.score as { home: number }).home) {
        regressions++;
        process.stderr.write(
          `score ${JSON.stringify(event!.score)}, newest ${JSON.stringify(lastStatus.score)}\n`,
        );
      }
    }
    const lastMarketNews = newest(['material', 'market_status']);
    const [marketRow] = await s.db.query<{ status: string }>(
      'SELECT status FROM catalog.markets WHERE id = $1',
      [market.marketId],
    );
    if (lastMarketNews) {
      const want =
        lastMarketNews.kind === 'material' ? 'suspended' : (lastMarketNews.status as string);
      if (marketRow!.status !== want) {
        regressions++;
        process.stderr.write(`market ${marketRow!.status}, newest news says ${want}\n`);
      }
    }
    const appliedOnce = await s.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM feed.messages WHERE provider = $1`,
      [PROVIDER],
    );

    // Phase B: the result, five copies at once, one more later, and old odds after it.
    const winnerKey = rng.pick(keys);
    const result = msg('result', ts + 1000, { market: 'mr', winners: [winnerKey] });
    await Promise.all(Array.from({ length: 5 }, () => deliver(result)));
    await deliver(result);
    await deliver(msg('odds', ts - 5, { market: 'mr', prices: prices() }));
    await deliver({ ...result, id: `${result.id}-resent` });

    const winner = idOf.get(winnerKey)!;
    const credits = new Map<number, bigint>();
    const oracle = new Map<string, bigint>();
    for (const op of ops.filter((o) => o.outcome === 'ok')) {
      const body = op.result!.body;
      const payout = body.legs[0].selectionId === winner ? BigInt(body.potentialPayout) : 0n;
      oracle.set(body.id, payout);
      credits.set(op.player, (credits.get(op.player) ?? 0n) + payout);
    }
    const [{ extra }] = (await s.db.query<{ extra: number }>(
      `SELECT (SELECT count(*) FROM (SELECT 1 FROM wallet.transfers WHERE reference LIKE 'bet:%'
                GROUP BY reference, kind HAVING count(*) > 1) d)
            + (SELECT count(*) FROM wallet.transfers WHERE reference ~ '^bet:.*:[sr]([2-9]|[1-9][0-9]+)$')
              AS extra`,
    )) as [{ extra: number }];
    const rows = await s.db.query<{ id: string; payout: bigint | null; status: string }>(
      'SELECT id, payout, status FROM betting.bets WHERE id = ANY($1::uuid[])',
      [[...oracle.keys()]],
    );
    let payoutDiff = 0n;
    for (const row of rows) {
      const d = BigInt(row.payout ?? 0) - oracle.get(row.id)!;
      payoutDiff += d < 0n ? -d : d;
    }
    const ids = players.map((p) => p.id);
    const figures = {
      extra_postings: Number(extra),
      state_regressions: regressions,
      unsettled: rows.filter((r) => r.status === 'open').length,
      payout_minus_oracle: Number(payoutDiff),
      never_applied: stuck + stuckA,
      model_mismatches: await modelMismatches(
        s.db,
        ids,
        players.map(() => initial),
        ops,
        credits,
      ),
      ...(await ledgerFigures(s.db)),
    };
    const bad = s.report(shuffled.length + setup.length * 2 + 8 + ops.length, figures, {
      messages: news.length + 3,
      copies: copies.length + 6,
      recorded: appliedOnce[0]!.n,
      ...outcomes,
    });
    expect(bad).toEqual({});
  });
});
