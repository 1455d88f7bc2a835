// Large markets settle in batches from a job: each batch one transaction that also moves the
// job's cursor, so a settlement that crashes halfway resumes where it stopped — retried with
// its key, or taken over by the worker once the job's lease has run out — and pays every bet
// once (the harness checks every bet's moves after each test).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { settleMarket } from '../../src/modules/settlement/index.ts';
import type { Db } from '../../src/platform/db/db.ts';
import type { Player } from '../support/app.ts';
import { useTestApp } from '../support/app.ts';
import { eventWith, funded, legsOf, matchResult, placed } from './sportsbook-helpers.ts';

describe('settlement jobs', () => {
  const t = useTestApp();

  /** The database, crashing the process (throwing) at its `n`-th transaction. */
  function crashingAt(n: number): Db {
    let count = 0;
    return new Proxy(t.db, {
      get(target, property) {
        if (property === 'transaction') {
          return (fn: any, options: any) => {
            count += 1;
            if (count === n) return Promise.reject(new Error('the process died'));
            return target.transaction(fn, options);
          };
        }
        const value = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  async function marketWithBets(count: number) {
    const event = await eventWith(t, [matchResult(['2.00', '3.00', '4.00'])]);
    const market = event.markets[0];
    const players: Player[] = [];
    for (let i = 0; i < 4; i++) players.push(await funded(t, 1_000_000n));
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const bet = await placed(t, players[i % 4]!, {
        stake: String(100 + i),
        legs: legsOf(market.selections[i % 3]),
      });
      ids.push(bet.id);
    }
    return { market, ids };
  }

  const statuses = async (ids: string[]) =>
    (
      await t.db.query<{ status: string }>(
        'SELECT status FROM betting.bets WHERE id = ANY($1::uuid[])',
        [ids],
      )
    ).map((r) => r.status);
  const job = async (marketId: string) =>
    (
      await t.db.query<{
        after_bet: string | null;
        finished_at: Date | null;
        bets_changed: number;
      }>('SELECT after_bet, finished_at, bets_changed FROM settlement.jobs WHERE market_id = $1', [
        marketId,
      ])
    )[0]!;

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
    await expect(settleMarket({ db: crashingAt(4), batchSize: 5 }, command)).rejects.toThrow(
      'the process died',
    );
    const halfway = await job(market.id);
    expect(halfway.finished_at).toBeNull();
    expect(halfway.after_bet).not.toBeNull();
    const settledSoFar = (await statuses(ids)).filter((s) => s !== 'open');
    expect(settledSoFar).toHaveLength(10);

    const retried = await settleMarket({ db: t.db, batchSize: 5 }, command);
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
    await expect(settleMarket({ db: crashingAt(3), batchSize: 4 }, command)).rejects.toThrow(
      'the process died',
    );
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
});
