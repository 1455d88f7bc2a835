// Large markets settle in batches from a job: each batch one transaction that also moves the
// job's cursor, so a settlement that crashes halfway resumes where it stopped — retried with
// its key, or taken over by the worker once the job's lease has run out — and pays every bet
// once (the harness checks every bet's moves after each test). A job in parts runs its parts
// side by side, each over its own share of the bets with its own cursor.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { shardOf } from '../../src/modules/betting/index.ts';
import { shardSql } from '../../src/modules/betting/liability.ts';
import { resettleMarket, settleMarket } from '../../src/modules/settlement/index.ts';
import type { Db } from '../../src/platform/db/db.ts';
import type { Player } from '../support/app.ts';
import { useTestApp } from '../support/app.ts';
import { eventWith, funded, legsOf, matchResult, placed } from './sportsbook-helpers.ts';

describe('settlement jobs', () => {
  const t = useTestApp();

  /** The database, crashing the process (throwing) at its `n`-th … `through`-th transactions. */
  function crashingAt(n: number, through = n): Db {
    let count = 0;
    return new Proxy(t.db, {
      get(target, property) {
        if (property === 'transaction') {
          return (fn: any, options: any) => {
            count += 1;
            if (count >= n && count <= through)
              return Promise.reject(new Error('the process died'));
            return target.transaction(fn, options);
          };
        }
        const value = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /** A market with `count` bets of players in every liability shard modulo 4. */
  async function marketWithBets(count: number) {
    const event = await eventWith(t, [matchResult(['2.00', '3.00', '4.00'])]);
    const market = event.markets[0];
    const players: Player[] = [];
    while (new Set(players.map((p) => shardOf(p.id) % 4)).size < 4)
      players.push(await funded(t, 1_000_000n));
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const player = players[i % players.length]!;
      const bet = await placed(t, player, {
        stake: String(100 + i),
        legs: legsOf(market.selections[i % 3]),
      });
      ids.push(bet.id);
      playerOf.set(bet.id, player.id);
    }
    return { market, ids };
  }
  const playerOf = new Map<string, string>();

  const statuses = async (ids: string[]) =>
    (
      await t.db.query<{ status: string }>(
        'SELECT status FROM betting.bets WHERE id = ANY($1::uuid[])',
        [ids],
      )
    ).map((r) => r.status);
  const parts = (marketId: string, version = 1) =>
    t.db.query<{
      part: number;
      parts: number;
      after_bet: string | null;
      finished_at: Date | null;
      bets_changed: number;
    }>(
      `SELECT part, parts, after_bet, finished_at, bets_changed FROM settlement.jobs
       WHERE market_id = $1 AND result_version = $2 ORDER BY part`,
      [marketId, version],
    );
  const job = async (marketId: string) => (await parts(marketId))[0]!;
  /** How many of the bets `ids` fall in each of `n` parts (by their player's shard). */
  const shares = (ids: string[], n: number) =>
    Array.from(
      { length: n },
      (_, part) => ids.filter((id) => shardOf(playerOf.get(id)!) % n === part).length,
    );
  const settleCommand = async (marketId: string, winner: string) => {
    const trader = await t.trader();
    return {
      scope: trader.id,
      idempotencyKey: randomUUID(),
      input: { marketId, result: { winners: [winner] }, recordedBy: trader.id },
    };
  };

  it('resumes a settlement that crashed between batches when it is retried with its key', async () => {
    const { market, ids } = await marketWithBets(23);
    const trader = await t.trader();
    const command = {
      scope: trader.id,
      idempotencyKey: randomUUID(),
      input: {
        marketId: market.id,
        result: { winners: [market.selections[0].id] },
        recordedBy: trader.id,
      },
    };
    // Transaction 1 records the result and the job; batches of 5 follow; the 4th dies.
    await expect(
      settleMarket({ db: crashingAt(4), batchSize: 5, parts: 1 }, command),
    ).rejects.toThrow('the process died');
    const halfway = await job(market.id);
    expect(halfway.finished_at).toBeNull();
    expect(halfway.after_bet).not.toBeNull();
    const settledSoFar = (await statuses(ids)).filter((s) => s !== 'open');
    expect(settledSoFar).toHaveLength(10);

    const retried = await settleMarket({ db: t.db, batchSize: 5, parts: 1 }, command);
    expect(retried.idempotencyHit).toBe(false);
    expect(retried.settled).toHaveLength(13);
    expect(retried.result.bets).toEqual({ open: 0, won: 8, lost: 15, void: 0 });
    expect((await statuses(ids)).filter((s) => s === 'open')).toEqual([]);
    expect(await job(market.id)).toMatchObject({ after_bet: null, bets_changed: 23 });
    const versions = await t.db.query(
      'SELECT 1 FROM betting.settlements WHERE bet_id = ANY($1::uuid[]) AND version = 1',
      [ids],
    );
    expect(versions).toHaveLength(23);
  });

  it('lets the worker take over a crashed settlement once its lease has run out', async () => {
    const { market, ids } = await marketWithBets(17);
    const trader = await t.trader();
    const command = {
      scope: trader.id,
      idempotencyKey: randomUUID(),
      input: {
        marketId: market.id,
        result: { winners: [market.selections[1].id] },
        recordedBy: trader.id,
      },
    };
    await expect(
      settleMarket({ db: crashingAt(3), batchSize: 4, parts: 1 }, command),
    ).rejects.toThrow('the process died');
    expect((await statuses(ids)).filter((s) => s !== 'open')).toHaveLength(4);
    // Within the lease the worker leaves the job to its runner.
    await t.app.runJobs();
    expect((await statuses(ids)).filter((s) => s !== 'open')).toHaveLength(4);
    await t.db.query(
      `UPDATE settlement.jobs SET leased_until = now() - interval '1 second' WHERE market_id = $1`,
      [market.id],
    );
    await t.app.runJobs();
    expect((await statuses(ids)).filter((s) => s === 'open')).toEqual([]);
    expect((await job(market.id)).finished_at).not.toBeNull();
    // The client's retry then finds everything done and stores the summary.
    const retried = await settleMarket({ db: t.db }, command);
    expect(retried.result.bets).toEqual({ open: 0, won: 6, lost: 11, void: 0 });
  });

  it('settles a market in parts, each part its own share of the bets, every bet once', async () => {
    const { market, ids } = await marketWithBets(30);
    const command = await settleCommand(market.id, market.selections[2].id);
    const outcome = await settleMarket({ db: t.db, batchSize: 4, parts: 4 }, command);
    expect(outcome.settled).toHaveLength(30);
    expect(new Set(outcome.settled.map((b) => b.id))).toEqual(new Set(ids));
    expect(outcome.result.bets).toEqual({ open: 0, won: 10, lost: 20, void: 0 });
    const done = await parts(market.id);
    expect(done.map((p) => [p.part, p.parts, p.after_bet])).toEqual([
      [0, 4, null],
      [1, 4, null],
      [2, 4, null],
      [3, 4, null],
    ]);
    expect(done.every((p) => p.finished_at !== null)).toBe(true);
    expect(done.map((p) => p.bets_changed)).toEqual(shares(ids, 4));
    // The same key again replays the summary; the job is not made twice.
    const again = await settleMarket({ db: t.db, batchSize: 4, parts: 4 }, command);
    expect(again.idempotencyHit).toBe(true);
    expect(await parts(market.id)).toHaveLength(4);
  });

  it('lets the other parts finish when one dies, and the retry finishes the one that died', async () => {
    const { market, ids } = await marketWithBets(24);
    const command = await settleCommand(market.id, market.selections[0].id);
    // Transaction 1 records the result and the job's two parts; the 3rd is one part's batch.
    await expect(
      settleMarket({ db: crashingAt(3), batchSize: 3, parts: 2 }, command),
    ).rejects.toThrow('the process died');
    const halfway = await parts(market.id);
    expect(halfway.filter((p) => p.finished_at !== null)).toHaveLength(1);
    const died = halfway.find((p) => p.finished_at === null)!;
    const settledSoFar = (await statuses(ids)).filter((s) => s !== 'open').length;
    expect(settledSoFar).toBeLessThan(24);
    expect(settledSoFar).toBeGreaterThanOrEqual(shares(ids, 2)[1 - died.part]!);

    const retried = await settleMarket({ db: t.db, batchSize: 3, parts: 2 }, command);
    expect(retried.settled).toHaveLength(24 - settledSoFar);
    expect(retried.result.bets).toEqual({ open: 0, won: 8, lost: 16, void: 0 });
    const done = await parts(market.id);
    expect(done.every((p) => p.finished_at !== null)).toBe(true);
    expect(done.map((p) => p.bets_changed)).toEqual(shares(ids, 2));
  });

  it('resettles a market settled in parts through a correction in another number of parts', async () => {
    const { market, ids } = await marketWithBets(21);
    const trader = await t.trader();
    const first = await settleCommand(market.id, market.selections[0].id);
    await settleMarket({ db: t.db, batchSize: 4, parts: 4 }, first);
    const corrected = await resettleMarket(
      { db: t.db, batchSize: 4, parts: 2 },
      {
        scope: trader.id,
        idempotencyKey: randomUUID(),
        input: {
          marketId: market.id,
          result: { winners: [market.selections[1].id] },
          correctedBy: trader.id,
          reason: 'the wrong side was recorded',
        },
      },
    );
    // The 7 bets on the first selection won and now lose, the 7 on the second the other way.
    expect(corrected.settled).toHaveLength(14);
    expect(corrected.result).toMatchObject({ version: 2, bets: { open: 0, won: 7, lost: 14 } });
    const second = await parts(market.id, 2);
    expect(second.map((p) => p.parts)).toEqual([2, 2]);
    expect(second.every((p) => p.finished_at !== null)).toBe(true);
    const versions = await t.db.query<{ version: number; n: number }>(
      `SELECT version, count(*)::int AS n FROM betting.settlements
       WHERE bet_id = ANY($1::uuid[]) GROUP BY version ORDER BY version`,
      [ids],
    );
    expect(versions).toEqual([
      { version: 1, n: 21 },
      { version: 2, n: 14 },
    ]);
  });

  it('lets the worker take over every part of a crashed job once their leases have run out', async () => {
    const { market, ids } = await marketWithBets(18);
    const command = await settleCommand(market.id, market.selections[1].id);
    // The job is recorded, then each part dies at its first batch.
    await expect(
      settleMarket({ db: crashingAt(2, 5), batchSize: 4, parts: 4 }, command),
    ).rejects.toThrow('the process died');
    expect(await statuses(ids)).toEqual(ids.map(() => 'open'));
    await t.app.runJobs();
    expect(await statuses(ids)).toEqual(ids.map(() => 'open'));
    await t.db.query(
      `UPDATE settlement.jobs SET leased_until = now() - interval '1 second' WHERE market_id = $1`,
      [market.id],
    );
    await t.app.runJobs();
    expect((await statuses(ids)).filter((s) => s === 'open')).toEqual([]);
    const done = await parts(market.id);
    expect(done.every((p) => p.finished_at !== null)).toBe(true);
    expect(done.map((p) => p.bets_changed)).toEqual(shares(ids, 4));
  });

  it('splits parts by the liability shard the application gives each player', async () => {
    const ids = Array.from({ length: 500 }, () => randomUUID());
    const rows = await t.db.query<{ id: string; shard: number }>(
      `SELECT id::text, ${shardSql('id')} AS shard FROM unnest($1::uuid[]) AS u(id)`,
      [ids],
    );
    expect(rows.map((r) => [r.id, r.shard])).toEqual(ids.map((id) => [id, shardOf(id)]));
  });
});
