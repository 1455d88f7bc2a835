// Helpers for catalogue, betting and settlement tests: place bets and result markets over
// HTTP, create sports and events through the admin API, and take "nothing changed" snapshots.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Player, Response, TestApp } from './app.ts';

export interface Leg {
  selectionId: string;
  price: string;
}

export interface BetRequest {
  stake?: string;
  legs: Leg[];
  acceptPriceChanges?: 'none' | 'higher' | 'any';
}

/** POST /api/v1/bets with a fresh Idempotency-Key unless one is given. */
export function placeBet(
  t: TestApp,
  player: Player,
  body: BetRequest,
  idempotencyKey: string = randomUUID(),
): Promise<Response> {
  return t.api.post(
    '/api/v1/bets',
    { stake: '1000', ...body },
    { token: player.token, idempotencyKey },
  );
}

/** Places a bet that must be accepted; returns the bet. */
export async function placedBet(t: TestApp, player: Player, body: BetRequest): Promise<any> {
  const response = await placeBet(t, player, body);
  if (response.status !== 201) throw new Error(`bet: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** A leg on a selection at its listed price. */
export const legOn = (selection: { id: string; price: string }): Leg => ({
  selectionId: selection.id,
  price: selection.price,
});

/** POST /api/v1/admin/markets/{id}/result as the harness trader. */
export async function resultMarket(
  t: TestApp,
  marketId: string,
  body: Record<string, unknown>,
  idempotencyKey: string = randomUUID(),
): Promise<Response> {
  const trader = await t.trader();
  return t.api.post(`/api/v1/admin/markets/${marketId}/result`, body, {
    token: trader.token,
    idempotencyKey,
  });
}

/** Creates a sport and a competition through the admin API; returns their ids. */
export async function competition(
  t: TestApp,
  adminToken: string,
  sport: { slug: string; name: string },
  name: string,
): Promise<{ sportId: string; competitionId: string }> {
  const created = await t.api.post('/api/v1/admin/sports', sport, { token: adminToken });
  if (created.status !== 201) throw new Error(`sport: ${JSON.stringify(created.body)}`);
  const comp = await t.api.post(
    '/api/v1/admin/competitions',
    { sportId: created.body.id, name },
    { token: adminToken },
  );
  if (comp.status !== 201) throw new Error(`competition: ${JSON.stringify(comp.body)}`);
  return { sportId: created.body.id, competitionId: comp.body.id };
}

/** A two-way market body with the given prices. */
export const twoWayMarket = (
  prices: [string, string] = ['1.90', '1.90'],
  name = 'Match winner',
) => ({
  type: 'match_winner',
  name,
  selections: [
    { name: 'Home', outcome: 'home', price: prices[0] },
    { name: 'Away', outcome: 'away', price: prices[1] },
  ],
});

export const inHours = (hours: number) => new Date(Date.now() + hours * 3600_000).toISOString();

const COUNTED = [
  'betting.bets',
  'betting.bet_legs',
  'wallet.transfers',
  'platform.outbox',
  'platform.idempotency_keys',
  'catalog.sports',
  'catalog.competitions',
  'catalog.events',
  'catalog.markets',
  'catalog.selections',
  'catalog.price_history',
  'catalog.market_results',
  'catalog.market_result_versions',
  'betting.settlements',
  'betting.cash_outs',
  'betting.liability',
  'settlement.jobs',
] as const;

export type Counts = Record<(typeof COUNTED)[number], number>;

/** Row counts of the tables a refused request must not touch. */
export async function counts(t: TestApp): Promise<Counts> {
  const [row] = await t.db.query<Record<string, bigint>>(
    `SELECT ${COUNTED.map((table, i) => `(SELECT count(*) FROM ${table}) AS c${i}`).join(', ')}`,
  );
  return Object.fromEntries(COUNTED.map((table, i) => [table, Number(row![`c${i}`])])) as Counts;
}

export interface Snapshot {
  counts: Counts;
  balances: bigint[];
  statuses: { markets: string; bets: string };
}

/** Balances of `players`, row counts, and the status of every market and bet. */
export async function snapshot(t: TestApp, ...players: Player[]): Promise<Snapshot> {
  const [statuses] = await t.db.query<{ markets: string | null; bets: string | null }>(
    `SELECT (SELECT string_agg(id || ':' || status, ',' ORDER BY id) FROM catalog.markets) AS markets,
            (SELECT string_agg(id || ':' || status, ',' ORDER BY id) FROM betting.bets) AS bets`,
  );
  return {
    counts: await counts(t),
    balances: await Promise.all(players.map((p) => t.balance(p))),
    statuses: { markets: statuses?.markets ?? '', bets: statuses?.bets ?? '' },
  };
}

/** Asserts that nothing a refused request could have written has changed. */
export async function expectUnchanged(
  t: TestApp,
  before: Snapshot,
  ...players: Player[]
): Promise<void> {
  expect(await snapshot(t, ...players)).toEqual(before);
}

/** Asserts a problem+json response with `status` and `code`. */
export function expectProblem(response: Response, status: number, code: string): void {
  expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });
  expect(String(response.headers['content-type'])).toContain('application/problem+json');
}

/** The house account's balance in `currency`: the sum of its transfers (it keeps no row). */
export async function houseBalance(t: TestApp, currency = 'EUR'): Promise<bigint> {
  const [row] = await t.db.query<{ balance: bigint }>(
    `SELECT (COALESCE((SELECT sum(amount) FROM wallet.transfers WHERE credit_account_id = a.id), 0)
           - COALESCE((SELECT sum(amount) FROM wallet.transfers WHERE debit_account_id = a.id), 0))::bigint
           AS balance
     FROM wallet.accounts a WHERE a.owner_id IS NULL AND a.kind = 'house' AND a.currency = $1`,
    [currency],
  );
  return row?.balance ?? 0n;
}

/**
 * Transfers that reference a bet — its stake (`bet:<id>`) and its settlements, reversals, cash
 * outs (`bet:<id>:…`) — as [kind, amount] sorted by kind.
 */
export async function betTransfers(t: TestApp, betId: string): Promise<[string, string][]> {
  const rows = await t.db.query<{ kind: string; amount: bigint }>(
    `SELECT kind, amount FROM wallet.transfers WHERE reference = $1 OR reference LIKE $1 || ':%'
     ORDER BY kind, id`,
    [`bet:${betId}`],
  );
  return rows.map((r) => [r.kind, r.amount.toString()]);
}
