// Scenario 10 (docs/reliability.md): one api process runs with its clock 15 minutes behind and
// another 15 minutes ahead (libfaketime). Whatever a process believes the time is, no bet is
// accepted on an event that has started (pre-match markets), and skewed processes still serve.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD } from '../support/app.ts';
import { call, type Op, record } from './harness/client.ts';
import { openScenario, type Scenario } from './harness/context.ts';
import { betOp, createMarket, fundedPlayers } from './harness/load.ts';
import { type IbetProcess, sleep } from './harness/processes.ts';
import { ledgerFigures } from './harness/reconcile.ts';

let s: Scenario;
const procs: IbetProcess[] = [];
beforeAll(async () => {
  s = await openScenario('10-clock-skew', 10);
  const offset = s.long ? 3600 : 900;
  procs.push(
    await s.start('api-behind', { role: 'api', clockOffset: `-${offset}` }),
    await s.start('api-ahead', { role: 'api', clockOffset: `+${offset}` }),
    await s.start('api', { role: 'api' }),
  );
});
afterAll(async () => s?.close());

describe('scenario 10: clock skew of one process', () => {
  it('accepts no late bet on any process, whatever its clock says', async () => {
    const { rng, t } = s;
    const players = await fundedPlayers(t, procs.length, 100_000n);
    // Each player signs in through "their" process (tokens carry that process's idea of now).
    const tokens: string[] = [];
    for (const [i, proc] of procs.entries()) {
      const login = await call(proc.base, 'POST', '/api/v1/auth/login', {
        body: { email: players[i]!.email, password: PASSWORD },
      });
      if (login.outcome !== 'ok')
        throw new Error(`${proc.name} login: ${JSON.stringify(login.body)}`);
      tokens.push(login.body.accessToken);
    }
    const startsIn = 6;
    const market = await createMarket(t, startsIn / 3600);
    const startsAt = Date.now() + startsIn * 1000;
    const send = async (i: number, tag: string) => {
      const op = betOp(i, market, rng, 10n, tag);
      return record(
        op,
        await call(procs[i]!.base, op.method, op.path, {
          token: tokens[i],
          key: `${tag}-${randomUUID()}`,
          body: op.body,
        }),
      );
    };
    // Before the start every process takes bets.
    const early: Op[] = [];
    for (let i = 0; i < procs.length; i++) early.push(await send(i, 'early'));
    await sleep(Math.max(0, startsAt - Date.now()) + 500);
    // After it, none may: bets racing on every process.
    const late: Op[] = [];
    const rounds = s.long ? 20 : 4;
    for (let r = 0; r < rounds; r++)
      late.push(...(await Promise.all(procs.map((_, i) => send(i, 'late')))));
    // The database's truth, whoever answered: pre-match bets placed at or after the start.
    const [{ n }] = (await s.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM betting.bets b
       JOIN betting.bet_legs l ON l.bet_id = b.id
       JOIN catalog.events e ON e.id = l.event_id
       JOIN catalog.markets m ON m.id = l.market_id
       WHERE b.placed_at >= e.starts_at AND NOT m.in_play`,
    )) as [{ n: number }];
    const figures = {
      late_bets_accepted: late.filter((o) => o.outcome === 'ok').length,
      late_bets_stored: Number(n),
      skewed_processes_refusing_early_bets: early.filter((o) => o.outcome !== 'ok').length,
      ...(await ledgerFigures(s.db)),
    };
    const bad = s.report(early.length + late.length, figures, {
      skew_seconds: s.long ? 3600 : 900,
      late_refusal_codes: [...new Set(late.map((o) => o.result?.code ?? o.result?.status))].join(
        ',',
      ),
    });
    expect(bad).toEqual({});
  });
});
