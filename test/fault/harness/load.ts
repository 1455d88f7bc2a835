// The traffic of a scenario: players with money, an event to bet on, and concurrent bettors
// that record every request (client-generated idempotency keys) against whichever api
// processes are up.
import { randomUUID } from 'node:crypto';
import type { Player, TestApp } from '../../support/app.ts';
import { call, type Op, record } from './client.ts';
import type { Rng } from './rng.ts';

export interface Market {
  eventId: string;
  marketId: string;
  selections: { id: string; price: string }[];
}

/** An event starting in `startsInHours` (a three-way market), through the control app. */
export async function createMarket(t: TestApp, startsInHours = 24): Promise<Market> {
  const event = await t.event({ startsInHours });
  const market = event.markets[0];
  return {
    eventId: event.id,
    marketId: market.id,
    selections: market.selections.map((s: { id: string; price: string }) => ({
      id: s.id,
      price: s.price,
    })),
  };
}

export async function fundedPlayers(t: TestApp, count: number, amount: bigint): Promise<Player[]> {
  const players: Player[] = [];
  for (let i = 0; i < count; i++) {
    const player = await t.player();
    if (amount > 0n) await t.deposit(player, amount);
    players.push(player);
  }
  return players;
}

export function betOp(player: number, market: Market, rng: Rng, stake: bigint, tag: string): Op {
  const selection = rng.pick(market.selections);
  return {
    kind: 'bet',
    player,
    key: `${tag}-${randomUUID()}`,
    method: 'POST',
    path: '/api/v1/bets',
    body: {
      stake: stake.toString(),
      legs: [{ selectionId: selection.id, price: selection.price }],
      acceptPriceChanges: 'any',
    },
    amount: stake,
    answers: [],
    outcome: 'unknown',
  };
}

export interface LoadOptions {
  players: Player[];
  market: Market;
  rng: Rng;
  /** The api processes up now (a client picks one per request). */
  bases: () => string[];
  clients: number;
  stop: () => boolean;
  stake?: bigint;
  /** Requests with no answer after this long count as hung. */
  hangMs?: number;
  tag: string;
  /** Where to record the operations as they happen (default: a new array). */
  into?: Op[];
}

/** Bettors placing single bets until `stop()`; every request recorded. */
export async function betLoad(options: LoadOptions): Promise<Op[]> {
  const { players, market, rng, bases, clients, stop, stake = 10n, hangMs = 30_000 } = options;
  const ops: Op[] = options.into ?? [];
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (!stop()) {
        const up = bases();
        if (up.length === 0) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        const player = c % players.length;
        const op = betOp(player, market, rng, stake, options.tag);
        ops.push(op);
        const answer = await call(rng.pick(up), op.method, op.path, {
          token: players[player]!.token,
          key: op.key,
          body: op.body,
          timeoutMs: hangMs,
        });
        record(op, answer);
        if (answer.outcome === 'unknown') await new Promise((r) => setTimeout(r, 20));
      }
    }),
  );
  return ops;
}

export function tally(ops: Op[]): Record<string, number> {
  const firstAnswers = ops.map((o) => o.answers[0]?.outcome ?? 'unknown');
  return {
    ok_first: firstAnswers.filter((o) => o === 'ok').length,
    failed_first: firstAnswers.filter((o) => o === 'failed').length,
    unknown_first: firstAnswers.filter((o) => o === 'unknown').length,
    retried: ops.filter((o) => o.answers.length > 1).length,
  };
}
