// Helpers for the sportsbook tests: events with markets of any type, market settings, results,
// corrections and reads of a bet's money, all through the HTTP API as staff and players do.
import { randomUUID } from 'node:crypto';
import type { Player, Response, TestApp } from '../support/app.ts';

let competitions = new WeakMap<object, string>();

/** A competition of its own for the test app (created once). */
async function competitionOf(t: TestApp): Promise<string> {
  const key = t.app as object;
  const known = competitions.get(key);
  if (known) return known;
  const admin = await t.staff(['admin']);
  const slug = `sport-${randomUUID().slice(0, 8)}`;
  const sport = await t.api.post(
    '/api/v1/admin/sports',
    { slug, name: 'Sportsbook' },
    { token: admin.token },
  );
  if (sport.status !== 201) throw new Error(`sport: ${JSON.stringify(sport.body)}`);
  const comp = await t.api.post(
    '/api/v1/admin/competitions',
    { sportId: sport.body.id, name: 'Sportsbook League' },
    { token: admin.token },
  );
  if (comp.status !== 201) throw new Error(`competition: ${JSON.stringify(comp.body)}`);
  competitions.set(key, comp.body.id);
  return comp.body.id;
}

export const resetCompetitions = () => {
  competitions = new WeakMap();
};

export interface MarketSpec {
  type: string;
  name?: string;
  line?: string;
  selections: { name: string; outcome?: string; price: string }[];
  [setting: string]: unknown;
}

/** An event starting in `hours` with the given markets; returns the event as the API shows it. */
export async function eventWith(t: TestApp, markets: MarketSpec[], hours = 24): Promise<any> {
  const { token } = await t.trader();
  const response = await t.api.post(
    '/api/v1/admin/events',
    {
      competitionId: await competitionOf(t),
      name: `Home v Away ${randomUUID().slice(0, 6)}`,
      home: 'Home',
      away: 'Away',
      startsAt: new Date(Date.now() + hours * 3600_000).toISOString(),
      markets: markets.map((m) => ({ name: m.type, ...m })),
    },
    { token },
  );
  if (response.status !== 201) throw new Error(`event: ${JSON.stringify(response.body)}`);
  return response.body;
}

export const matchResult = (prices: [string, string, string] = ['2.10', '3.40', '3.25']) => ({
  type: 'match_result',
  selections: [
    { name: 'Home', outcome: 'home', price: prices[0] },
    { name: 'Draw', outcome: 'draw', price: prices[1] },
    { name: 'Away', outcome: 'away', price: prices[2] },
  ],
});

export const twoWay = (
  type: string,
  line: string | undefined,
  prices: [string, string] = ['1.90', '1.95'],
) => {
  const codes = type.includes('over_under') ? ['over', 'under'] : ['home', 'away'];
  return {
    type,
    ...(line === undefined ? {} : { line }),
    selections: [
      { name: codes[0]!, outcome: codes[0]!, price: prices[0] },
      { name: codes[1]!, outcome: codes[1]!, price: prices[1] },
    ],
  };
};

export const outright = (prices: string[], eachWay = { places: 3, fraction: '1/4' }) => ({
  type: 'outright',
  name: 'Winner',
  eachWay,
  selections: prices.map((price, i) => ({
    name: `Runner ${i + 1}`,
    outcome: `runner_${i + 1}`,
    price,
  })),
});

/** POST /api/v1/bets with a fresh key; `stake` is per line. */
export function bet(t: TestApp, player: Player, body: Record<string, unknown>, key = randomUUID()) {
  return t.api.post(
    '/api/v1/bets',
    { stake: '1000', ...body },
    { token: player.token, idempotencyKey: key },
  );
}

export async function placed(
  t: TestApp,
  player: Player,
  body: Record<string, unknown>,
): Promise<any> {
  const response = await bet(t, player, body);
  if (response.status !== 201) throw new Error(`bet: ${JSON.stringify(response.body)}`);
  return response.body;
}

export const legsOf = (...selections: { id: string; price: string }[]) =>
  selections.map((s) => ({ selectionId: s.id, price: s.price }));

export async function result(
  t: TestApp,
  marketId: string,
  body: Record<string, unknown>,
): Promise<Response> {
  const trader = await t.trader();
  return t.api.post(`/api/v1/admin/markets/${marketId}/result`, body, {
    token: trader.token,
    idempotencyKey: randomUUID(),
  });
}

export async function resettle(
  t: TestApp,
  marketId: string,
  body: Record<string, unknown>,
  key = randomUUID(),
): Promise<Response> {
  const trader = await t.trader();
  return t.api.post(
    `/api/v1/admin/markets/${marketId}/resettle`,
    { reason: 'corrected by the official result', ...body },
    { token: trader.token, idempotencyKey: key },
  );
}

export async function settings(t: TestApp, marketId: string, body: Record<string, unknown>) {
  const trader = await t.trader();
  const response = await t.api.patch(`/api/v1/admin/markets/${marketId}/settings`, body, {
    token: trader.token,
  });
  if (response.status !== 200) throw new Error(`settings: ${JSON.stringify(response.body)}`);
  return response.body;
}

export async function betRow(t: TestApp, betId: string) {
  const [row] = await t.db.query<{
    status: string;
    payout: bigint | null;
    stake: bigint;
    settlement_version: number;
    liability: bigint;
  }>(
    'SELECT status, payout, stake, settlement_version, liability FROM betting.bets WHERE id = $1',
    [betId],
  );
  return row!;
}

/** The bet's net effect on its player's cash: −stake + everything paid back. */
export async function cashEffect(t: TestApp, betId: string): Promise<bigint> {
  const [row] = await t.db.query<{ net: bigint }>(
    `SELECT COALESCE(sum(CASE WHEN t.credit_account_id = c.id THEN t.amount ELSE 0 END
                       - CASE WHEN t.debit_account_id = c.id THEN t.amount ELSE 0 END), 0)::bigint AS net
     FROM wallet.transfers t
     JOIN betting.bets b ON b.id = $1
     JOIN wallet.accounts c ON c.owner_id = b.player_id AND c.kind = 'player_cash'
     WHERE t.reference = 'bet:' || $1 OR t.reference LIKE 'bet:' || $1 || ':%'`,
    [betId],
  );
  return row!.net;
}

/** Rich players for tests that bet a lot. */
export async function funded(t: TestApp, amount = 10_000_000n): Promise<Player> {
  const player = await t.player();
  await t.deposit(player, amount);
  return player;
}
