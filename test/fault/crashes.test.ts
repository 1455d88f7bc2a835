// Scenarios 4, 5 and 9 (docs/reliability.md): api processes SIGKILLed while bets are placed;
// the process running a settlement killed in the middle of its batch, then the worker killed
// too; SIGTERM under load.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type Op, record, resolveUnknowns } from './harness/client.ts';
import { openScenario, type Scenario } from './harness/context.ts';
import { betLoad, betOp, createMarket, fundedPlayers, tally } from './harness/load.ts';
import { type IbetProcess, sleep } from './harness/processes.ts';
import { ledgerFigures, modelMismatches, placementFigures } from './harness/reconcile.ts';

/** The api processes taking traffic now (not being killed, not starting). */
function pool(procs: IbetProcess[]) {
  const up = new Set(procs);
  return {
    up,
    bases: () => [...up].filter((p) => p.running).map((p) => p.base),
  };
}

// One database and two api processes for the three scenarios (starting processes is what
// costs); every check below is about the scenario's own players and markets, and the ledger
// checks cover everything.
let s: Scenario;
const apis: IbetProcess[] = [];
const apiEnv = { IBET_SHUTDOWN_DELAY_SECONDS: '1', IBET_SHUTDOWN_GRACE_SECONDS: '20' };
beforeAll(async () => {
  s = await openScenario('4-sigkill-placement', 4);
  apis.push(
    await s.start('api-a', { role: 'api', env: apiEnv }),
    await s.start('api-b', { role: 'api', env: apiEnv }),
  );
});
afterAll(async () => s?.close());

describe('scenario 4: bet placement under SIGKILL of api processes', () => {
  it('loses no acknowledged bet, places none twice and leaves no debit without a bet', async () => {
    const { rng, t } = s;
    const initial = 1_000_000n;
    const players = await fundedPlayers(t, 6, initial);
    const market = await createMarket(t);
    const { up, bases } = pool(apis);
    let stopped = false;
    const seconds = s.long ? 90 : 10;
    const load = betLoad({
      players,
      market,
      rng,
      bases,
      clients: 8,
      stop: () => stopped,
      tag: 'kill',
    });
    // The seeded schedule: every 1.5–3.5 s one api process, picked at random, is SIGKILLed and
    // restarted after 0.2–1 s (never both down at once: clients need somewhere to go).
    let kills = 0;
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      await sleep(rng.int(1500, 3500));
      const victim = rng.pick(apis);
      if (!up.has(victim) || up.size < 2) continue;
      up.delete(victim);
      await victim.kill('SIGKILL');
      kills++;
      await sleep(rng.int(200, 1000));
      await victim.start();
      up.add(victim);
    }
    stopped = true;
    const ops = await load;
    const unknownFirst = ops.filter((o) => o.outcome === 'unknown').length;
    await resolveUnknowns(ops, bases, (p) => players[p]!.token);
    const ids = players.map((p) => p.id);
    const figures = {
      ...(await placementFigures(s.db, ids, ops)),
      model_mismatches: await modelMismatches(
        s.db,
        ids,
        players.map(() => initial),
        ops,
      ),
      process_crashes: apis.reduce((n, p) => n + p.crashes, 0),
      ...(await ledgerFigures(s.db)),
    };
    const bad = s.report(ops.length, figures, {
      kills,
      unknown_before_retry: unknownFirst,
      ...tally(ops),
    });
    expect(bad).toEqual({});
    expect(kills).toBeGreaterThan(0);
  });
});

describe('scenario 5: settlement killed in the middle of its batch', () => {
  it('settles every bet exactly once, for exactly what the oracle says, after the runners die', async () => {
    const { rng, t } = s;
    const api = apis[0]!;
    const initial = 1_000_000n;
    const players = await fundedPlayers(t, 8, initial);
    const trader = await t.trader();
    const markets = s.long ? 6 : 2;
    const betsPerMarket = s.long ? 600 : 120;
    const ops: Op[] = [];
    const results: { marketId: string; winner: string; key: string; killedAfterMs: number }[] = [];
    let killedMidBatch = 0;
    let workerKills = 0;
    for (let m = 0; m < markets; m++) {
      const market = await createMarket(t);
      // Bets on every selection, placed through the api process.
      const placed: Op[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, c) => {
          for (let i = c; i < betsPerMarket; i += 8) {
            const op = betOp(i % players.length, market, rng, BigInt(rng.int(10, 200)), 'settle');
            placed.push(op);
            record(
              op,
              await call(api.base, op.method, op.path, {
                token: players[op.player]!.token,
                key: op.key,
                body: op.body,
              }),
            );
          }
        }),
      );
      await resolveUnknowns(
        placed,
        () => [api.base],
        (p) => players[p]!.token,
      );
      ops.push(...placed);
      const winner = rng.pick(market.selections).id;
      const key = `result-${randomUUID()}`;
      // The api process settles the market inline after recording the result: kill it after a
      // seeded delay, while its batch is running.
      const killedAfterMs = rng.int(20, 250);
      const answer = call(api.base, 'POST', `/api/v1/admin/markets/${market.marketId}/result`, {
        token: trader.token,
        key,
        body: { winners: [winner] },
      });
      await sleep(killedAfterMs);
      const [{ settled }] = (await s.db.query<{ settled: number }>(
        `SELECT count(*)::int AS settled FROM betting.bets b JOIN betting.bet_legs l ON l.bet_id = b.id
         WHERE l.market_id = $1 AND b.status <> 'open'`,
        [market.marketId],
      )) as [{ settled: number }];
      await api.kill('SIGKILL');
      const first = await answer;
      if (first.outcome === 'unknown' && settled < placed.length) killedMidBatch++;
      results.push({ marketId: market.marketId, winner, key, killedAfterMs });
      await api.start();
      // The trader retries the result with the same key: it is recorded once whatever happened.
      const again = await call(
        api.base,
        'POST',
        `/api/v1/admin/markets/${market.marketId}/result`,
        {
          token: trader.token,
          key,
          body: { winners: [winner] },
        },
      );
      if (again.outcome !== 'ok' && again.code !== 'idempotency_key_in_progress')
        throw new Error(`result retry: ${again.status} ${JSON.stringify(again.body)}`);
    }
    // A dead runner's job waits for its lease (60 s) and the sweep for its schedule: the
    // harness fast-forwards both instead of waiting, then the worker takes over; it is killed
    // once mid-run and restarted, and the jobs must still finish.
    const expire = () =>
      s.db.query(
        `UPDATE settlement.jobs SET leased_until = now() - interval '1 second' WHERE finished_at IS NULL;
         UPDATE platform.jobs SET leased_until = NULL, next_run_at = now() WHERE name = 'settlement.sweep'`,
      );
    await expire().catch(async () => {
      await s.db.query(
        `UPDATE settlement.jobs SET leased_until = now() - interval '1 second' WHERE finished_at IS NULL`,
      );
      await s.db.query(
        `UPDATE platform.jobs SET leased_until = NULL, next_run_at = now() WHERE name = 'settlement.sweep'`,
      );
    });
    const worker = await s.start('worker', { role: 'worker' });
    await sleep(rng.int(50, 400));
    await worker.kill('SIGKILL');
    workerKills++;
    await s.db.query(
      `UPDATE settlement.jobs SET leased_until = now() - interval '1 second' WHERE finished_at IS NULL`,
    );
    await s.db.query(
      `UPDATE platform.jobs SET leased_until = NULL, next_run_at = now() WHERE name = 'settlement.sweep'`,
    );
    await worker.start();
    const open = async () =>
      Number(
        (
          (await s.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM betting.bets b JOIN betting.bet_legs l ON l.bet_id = b.id
             WHERE l.market_id = ANY($1::uuid[]) AND b.status = 'open'`,
            [results.map((r) => r.marketId)],
          )) as [{ n: number }]
        )[0].n,
      );
    const drainDeadline = Date.now() + 60_000;
    while ((await open()) > 0 && Date.now() < drainDeadline) await sleep(250);

    // The oracle: a bet on the winner pays what its client was told at placement
    // (potentialPayout), any other pays nothing.
    const winners = new Set(results.map((r) => r.winner));
    const credits = new Map<number, bigint>();
    let oracleTotal = 0n;
    const oracle = new Map<string, bigint>();
    for (const op of ops.filter((o) => o.outcome === 'ok')) {
      const body = op.result!.body;
      const wins = winners.has(body.legs[0].selectionId);
      const payout = wins ? BigInt(body.potentialPayout) : 0n;
      oracle.set(body.id, payout);
      oracleTotal += payout;
      credits.set(op.player, (credits.get(op.player) ?? 0n) + payout);
    }
    const rows = await s.db.query<{ id: string; payout: bigint | null }>(
      'SELECT id, payout FROM betting.bets WHERE id = ANY($1::uuid[])',
      [[...oracle.keys()]],
    );
    let payoutDiff = 0n;
    for (const row of rows) {
      const d = BigInt(row.payout ?? 0) - oracle.get(row.id)!;
      payoutDiff += d < 0n ? -d : d;
    }
    const [{ twice }] = (await s.db.query<{ twice: number }>(
      `SELECT count(*)::int AS twice FROM (
         SELECT reference FROM wallet.transfers WHERE reference ~ '^bet:.*:s[0-9]+$'
         GROUP BY reference, kind HAVING count(*) > 1) x`,
    )) as [{ twice: number }];
    const ids = players.map((p) => p.id);
    const figures = {
      settled_twice: twice,
      unsettled_after_drain: await open(),
      payout_minus_oracle: Number(payoutDiff),
      model_mismatches: await modelMismatches(
        s.db,
        ids,
        players.map(() => initial),
        ops,
        credits,
      ),
      process_crashes: api.crashes + worker.crashes,
      ...(await ledgerFigures(s.db)),
    };
    const bad = s.report(
      ops.length + results.length,
      figures,
      {
        markets,
        bets: rows.length,
        killed_mid_batch: killedMidBatch,
        worker_kills: workerKills,
        oracle_payout: oracleTotal.toString(),
      },
      '5-settlement-kill',
    );
    expect(bad).toEqual({});
  });
});

describe('scenario 9: SIGTERM under load', () => {
  it('answers every request it accepted before exiting 0, and drops none', async () => {
    const { rng, t } = s;
    const [api, spare] = apis as [IbetProcess, IbetProcess];
    const initial = 1_000_000n;
    const players = await fundedPlayers(t, 6, initial);
    const market = await createMarket(t);
    let stopped = false;
    let target = [api.base];
    const load = betLoad({
      players,
      market,
      rng,
      bases: () => target,
      clients: 8,
      stop: () => stopped,
      tag: 'term',
    });
    await sleep(rng.int(1000, 3000));
    const signalled = performance.now();
    void api.signal('SIGTERM');
    // The load balancer probes readiness every 100 ms and moves traffic on at the first
    // failure, well within the process's shutdown delay (1 s), as docs/operations.md asks.
    for (;;) {
      const probe = await fetch(`${api.base}/readyz`, { signal: AbortSignal.timeout(1000) }).catch(
        () => undefined,
      );
      if (probe?.status !== 200) break;
      await sleep(100);
    }
    target = [spare.base];
    const code = await Promise.race([api.exited, sleep(30_000).then(() => 'timeout')]);
    const shutdownSeconds = (performance.now() - signalled) / 1000;
    stopped = true;
    const ops = await load;
    // Requests the server dropped: cut off mid-request (reset, not refused), or a 5xx other
    // than the 503 of a closing server.
    const dropped = ops.filter((o) => {
      const a = o.answers[0];
      if (!a) return false;
      if (a.status !== undefined) return a.status >= 500 && a.status !== 503;
      return a.error !== 'ECONNREFUSED';
    });
    for (const d of dropped) process.stderr.write(`dropped: ${JSON.stringify(d.answers[0])}\n`);
    await resolveUnknowns(
      ops,
      () => [spare.base],
      (p) => players[p]!.token,
    );
    const ids = players.map((p) => p.id);
    const figures = {
      requests_dropped: dropped.length,
      unclean_exit: code === 0 ? 0 : 1,
      process_crashes: apis.reduce((n, p) => n + p.crashes, 0),
      ...(await placementFigures(s.db, ids, ops)),
      model_mismatches: await modelMismatches(
        s.db,
        ids,
        players.map(() => initial),
        ops,
      ),
      ...(await ledgerFigures(s.db)),
    };
    const bad = s.report(
      ops.length,
      figures,
      {
        shutdown_seconds: Math.round(shutdownSeconds * 10) / 10,
        refused_503: ops.filter((o) => o.answers[0]?.status === 503).length,
        ...tally(ops),
      },
      '9-sigterm',
    );
    expect(bad).toEqual({});
  });
});
