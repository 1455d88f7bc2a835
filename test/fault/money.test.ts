// Scenarios 1–3 (docs/reliability.md): the ledger after everything, one wallet raced from
// every side, and idempotency keys replayed, raced and reused with other bodies.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type Op, record, resolveUnknowns } from './harness/client.ts';
import { openScenario, type Scenario } from './harness/context.ts';
import { betOp, createMarket, fundedPlayers, type Market } from './harness/load.ts';
import type { IbetProcess } from './harness/processes.ts';
import { ledgerFigures, modelMismatches } from './harness/reconcile.ts';

function moneyOp(kind: 'deposit' | 'withdrawal', player: number, amount: bigint): Op {
  return {
    kind,
    player,
    key: `${kind}-${randomUUID()}`,
    method: 'POST',
    path: kind === 'deposit' ? '/api/v1/wallet/deposits' : '/api/v1/wallet/withdrawals',
    body: { amount: amount.toString() },
    amount,
    answers: [],
    outcome: 'unknown',
  };
}

// One database and two api processes for both scenarios (starting processes is what costs).
let s: Scenario;
const apis: IbetProcess[] = [];
beforeAll(async () => {
  s = await openScenario('2-overspend', 2);
  apis.push(await s.start('api-a', { role: 'api' }), await s.start('api-b', { role: 'api' }));
});
afterAll(async () => s?.close());

describe('scenario 2: concurrent overspend on one wallet', () => {
  it('never lets racing bets and withdrawals spend more than the wallet holds', async () => {
    const { rng, t } = s;
    const initial = 1000n;
    const [player] = await fundedPlayers(t, 1, initial);
    const market = await createMarket(t);
    const waves = s.long ? 30 : 6;
    const width = s.long ? 24 : 16;
    const ops: Op[] = [];
    for (let w = 0; w < waves; w++) {
      const wave = Array.from({ length: width }, () => {
        const roll = rng.next();
        const amount = BigInt(rng.int(100, 400));
        return roll < 0.45
          ? betOp(0, market, rng, amount, 'overspend')
          : roll < 0.8
            ? moneyOp('withdrawal', 0, amount)
            : moneyOp('deposit', 0, BigInt(rng.int(100, 300)));
      });
      ops.push(...wave);
      await Promise.all(
        wave.map(async (op) =>
          record(
            op,
            await call(rng.pick(apis).base, op.method, op.path, {
              token: player!.token,
              key: op.key,
              body: op.body,
            }),
          ),
        ),
      );
    }
    const unknown = await resolveUnknowns(
      ops,
      () => apis.map((a) => a.base),
      () => player!.token,
    );
    // Debits accepted beyond what the wallet ever held: each is an overdraw that succeeded.
    const credits =
      initial +
      ops
        .filter((o) => o.kind === 'deposit' && o.outcome === 'ok')
        .reduce((n, o) => n + o.amount, 0n);
    const debits = ops
      .filter((o) => o.kind !== 'deposit' && o.outcome === 'ok')
      .map((o) => o.amount)
      .sort((a, b) => (a > b ? -1 : 1));
    let excess = debits.reduce((n, d) => n + d, 0n) - credits;
    let overdraws = 0;
    for (const d of debits) {
      if (excess <= 0n) break;
      excess -= d;
      overdraws++;
    }
    const figures = {
      overdraw_successes: overdraws,
      model_mismatches: await modelMismatches(s.db, [player!.id], [initial], ops),
      unknown_unresolved: unknown,
      ...(await ledgerFigures(s.db)),
    };
    const accepted = ops.filter((o) => o.outcome === 'ok').length;
    const refused = ops.filter((o) => o.outcome === 'failed');
    const bad = s.report(ops.length, figures, {
      accepted,
      refused_insufficient: refused.filter((o) => o.result?.code === 'insufficient_funds').length,
      refused_other: refused.filter((o) => o.result?.code !== 'insufficient_funds').length,
    });
    expect(bad).toEqual({});
    // The race was real: some debits had to be refused for want of money.
    expect(refused.length).toBeGreaterThan(0);
  });
});

describe('scenario 3: idempotency keys', () => {
  it('applies every key once: replays, concurrent copies and other bodies under the same key', async () => {
    const { rng, t } = s;
    const count = s.long ? 12 : 4;
    const initial = 1_000_000n;
    const players = await fundedPlayers(t, count, initial);
    const market: Market = await createMarket(t);
    const tokenOf = (p: number) => players[p]!.token;
    const base = () => rng.pick(apis).base;
    const send = async (op: Op, body = op.body) =>
      call(base(), op.method, op.path, { token: tokenOf(op.player), key: op.key, body });

    const rounds = s.long ? 60 : 12;
    const ops: Op[] = [];
    let mismatchAccepted = 0;
    let mismatchSent = 0;
    let copies = 0;
    for (let r = 0; r < rounds; r++) {
      const player = r % count;
      const roll = rng.next();
      const op =
        roll < 0.5
          ? betOp(player, market, rng, BigInt(rng.int(10, 500)), 'idem')
          : roll < 0.75
            ? moneyOp('deposit', player, BigInt(rng.int(100, 5000)))
            : moneyOp('withdrawal', player, BigInt(rng.int(100, 5000)));
      ops.push(op);
      const other =
        op.kind === 'bet'
          ? { ...(op.body as object), stake: (op.amount + 1n).toString() }
          : { amount: (op.amount + 1n).toString() };
      // Concurrent copies on both processes, some with another body under the same key.
      const width = rng.int(2, 6);
      const mismatched = new Set(rng.chance(0.5) ? [rng.int(0, width - 1)] : []);
      const answers = await Promise.all(
        Array.from({ length: width }, (_, i) =>
          mismatched.has(i)
            ? send(op, other).then((a) => ({ a, mismatch: true }))
            : send(op).then((a) => ({ a, mismatch: false })),
        ),
      );
      copies += width;
      for (const { a, mismatch } of answers) {
        if (!mismatch) record(op, a);
        else {
          mismatchSent++;
          if (a.outcome === 'ok') mismatchAccepted++;
        }
      }
      if (op.outcome === 'unknown')
        await resolveUnknowns([op], () => apis.map((x) => x.base), tokenOf);
      // A mismatched copy could have won the race; the key is then the other body's.
      const winnerIsOther = answers.some(({ a, mismatch }) => mismatch && a.outcome === 'ok');
      if (winnerIsOther) {
        op.body = other;
        op.amount += 1n;
        mismatchAccepted--; // The first request under a key is no mismatch.
      }
      // Sequential replays, then another body after completion.
      for (let i = 0; i < 2; i++) record(op, await send(op));
      mismatchSent++;
      const late = await send(
        op,
        winnerIsOther ? { ...(op.body as object), amount: (op.amount + 7n).toString() } : other,
      );
      if (late.outcome === 'ok') mismatchAccepted++;
      copies += 3;
    }
    await resolveUnknowns(ops, () => apis.map((x) => x.base), tokenOf);

    // Every ok answer of one key names the same thing; the database holds one effect per key.
    let keysWithTwoResults = 0;
    for (const op of ops) {
      const ids = new Set(op.answers.filter((a) => a.outcome === 'ok').map((a) => a.body?.id));
      if (ids.size > 1) keysWithTwoResults++;
    }
    const ids = players.map((p) => p.id);
    const [{ bets }] = (await s.db.query<{ bets: number }>(
      'SELECT count(*)::int AS bets FROM betting.bets WHERE player_id = ANY($1::uuid[])',
      [ids],
    )) as [{ bets: number }];
    const [{ payments }] = (await s.db.query<{ payments: number }>(
      'SELECT count(*)::int AS payments FROM wallet.payments WHERE owner_id = ANY($1::uuid[])',
      [ids],
    )) as [{ payments: number }];
    const okBets = ops.filter((o) => o.kind === 'bet' && o.outcome === 'ok').length;
    const okPayments = ops.filter((o) => o.kind !== 'bet' && o.outcome === 'ok').length + count;
    const figures = {
      duplicate_effects:
        keysWithTwoResults + Math.abs(bets - okBets) + Math.abs(payments - okPayments),
      mismatch_accepted: Math.max(0, mismatchAccepted),
      model_mismatches: await modelMismatches(
        s.db,
        ids,
        players.map(() => initial),
        ops,
      ),
      unknown_unresolved: ops.filter((o) => o.outcome === 'unknown').length,
      ...(await ledgerFigures(s.db)),
    };
    const bad = s.report(
      ops.length + copies,
      figures,
      { keys: ops.length, copies, mismatched_sent: mismatchSent },
      '3-idempotency',
    );
    expect(bad).toEqual({});
  });
});
