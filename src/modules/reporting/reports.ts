// Read-only reports for the back office: the liability of an event per market and selection,
// and the latest bets across all players (the live bet ticker). Reports read other modules'
// tables and never write; the modules that own them keep every rule.
import type { Queryable } from '../../platform/db/db.ts';
import { notFound } from '../../platform/errors.ts';

export interface SelectionLiability {
  id: string;
  name: string;
  price: string;
  /** Potential net loss (payout − stake) of the open and pending bets on it, minor units. */
  exposure: string;
  cap: string | null;
  openBets: number;
  /** Stakes of the open and pending bets with a leg on it, per currency. */
  stakes: { currency: string; stake: string }[];
}

export interface MarketLiability {
  id: string;
  name: string;
  status: string;
  exposure: string;
  cap: string | null;
  openBets: number;
  selections: SelectionLiability[];
}

export interface EventLiability {
  event: { id: string; name: string; status: string; startsAt: string };
  /** Liability is kept in minor units of the operator's main currency. */
  currency: string;
  exposure: string;
  markets: MarketLiability[];
}

const price = (thousandths: number) => {
  const text = (thousandths / 1000).toFixed(3);
  return text.replace(/0$/, '');
};

export async function eventLiability(
  q: Queryable,
  eventId: string,
  currency: string,
): Promise<EventLiability> {
  const [event] = await q.query<{ id: string; name: string; status: string; starts_at: Date }>(
    'SELECT id, name, status, starts_at FROM catalog.events WHERE id = $1',
    [eventId],
  );
  if (!event) throw notFound('event');
  const markets = await q.query<{ id: string; name: string; status: string }>(
    `SELECT id, name, status FROM catalog.markets WHERE event_id = $1 ORDER BY display_order, created_at, id`,
    [eventId],
  );
  const marketIds = markets.map((m) => m.id);
  const selections = await q.query<{ id: string; market_id: string; name: string; price: number }>(
    `SELECT id, market_id, name, price FROM catalog.selections
     WHERE market_id = ANY($1::uuid[]) ORDER BY display_order, id`,
    [marketIds],
  );
  const ids = [...marketIds, ...selections.map((s) => s.id)];
  const exposure = await q.query<{
    scope: string;
    id: string;
    exposure: bigint;
    cap: bigint | null;
  }>(
    `SELECT scope, id, sum(exposure)::bigint AS exposure, max(cap) AS cap
     FROM betting.liability WHERE id = ANY($1::uuid[]) GROUP BY scope, id`,
    [ids],
  );
  const byKey = new Map(exposure.map((e) => [`${e.scope}:${e.id}`, e]));
  const stakes = await q.query<{
    selection_id: string;
    market_id: string;
    currency: string;
    bets: number;
    stake: bigint;
  }>(
    `SELECT l.selection_id, l.market_id, b.currency, count(*)::int AS bets, sum(b.stake)::bigint AS stake
     FROM betting.bet_legs l JOIN betting.bets b ON b.id = l.bet_id
     WHERE l.market_id = ANY($1::uuid[]) AND b.status IN ('open', 'pending')
     GROUP BY l.selection_id, l.market_id, b.currency`,
    [marketIds],
  );
  const marketBets = await q.query<{ market_id: string; bets: number }>(
    `SELECT l.market_id, count(DISTINCT l.bet_id)::int AS bets
     FROM betting.bet_legs l JOIN betting.bets b ON b.id = l.bet_id
     WHERE l.market_id = ANY($1::uuid[]) AND b.status IN ('open', 'pending')
     GROUP BY l.market_id`,
    [marketIds],
  );
  const betsOfMarket = new Map(marketBets.map((m) => [m.market_id, m.bets]));
  let total = 0n;
  const result: MarketLiability[] = markets.map((m) => {
    const own = byKey.get(`market:${m.id}`);
    total += BigInt(own?.exposure ?? 0n);
    return {
      id: m.id,
      name: m.name,
      status: m.status,
      exposure: String(own?.exposure ?? 0n),
      cap: own?.cap === null || own?.cap === undefined ? null : String(own.cap),
      openBets: betsOfMarket.get(m.id) ?? 0,
      selections: selections
        .filter((s) => s.market_id === m.id)
        .map((s) => {
          const e = byKey.get(`selection:${s.id}`);
          const rows = stakes.filter((r) => r.selection_id === s.id);
          return {
            id: s.id,
            name: s.name,
            price: price(s.price),
            exposure: String(e?.exposure ?? 0n),
            cap: e?.cap === null || e?.cap === undefined ? null : String(e.cap),
            openBets: rows.reduce((n, r) => n + r.bets, 0),
            stakes: rows.map((r) => ({ currency: r.currency, stake: String(r.stake) })),
          };
        }),
    };
  });
  return {
    event: {
      id: event.id,
      name: event.name,
      status: event.status,
      startsAt: new Date(event.starts_at).toISOString(),
    },
    currency,
    exposure: String(total),
    markets: result,
  };
}

export interface TickerBet {
  id: string;
  playerId: string;
  kind: string;
  system: string | null;
  eachWay: boolean;
  lines: number;
  status: string;
  currency: string;
  stake: string;
  potentialPayout: string;
  placedAt: string;
  inPlay: boolean;
  legs: { eventName: string; marketName: string; selectionName: string; price: string }[];
}

/**
 * The latest bets of every player, newest first; `after` (an instant as the answers render it,
 * in milliseconds) returns only the bets placed at or after it — the newest one the caller has
 * comes again, so that a bet placed in the same millisecond is never missed; callers drop
 * the ids they have.
 */
export async function latestBets(
  q: Queryable,
  query: { limit: number; after?: string | undefined },
): Promise<{ items: TickerBet[] }> {
  const bets = await q.query<{
    id: string;
    player_id: string;
    kind: string;
    system: string | null;
    each_way: boolean;
    lines: number;
    status: string;
    currency: string;
    stake: bigint;
    potential_payout: bigint;
    placed_at: Date;
  }>(
    `SELECT id, player_id, kind, system, each_way, lines, status, currency, stake, potential_payout, placed_at
     FROM betting.bets
     WHERE placed_at >= COALESCE($1::timestamptz, now() - interval '1 day') -- at or after: the client drops ids it has
     ORDER BY placed_at DESC, id DESC LIMIT $2`,
    [query.after ?? null, query.limit],
  );
  const legs = await q.query<{
    bet_id: string;
    leg_no: number;
    event_name: string;
    market_name: string;
    selection_name: string;
    price: number;
    in_play: boolean;
  }>(
    `SELECT bet_id, leg_no, event_name, market_name, selection_name, price, in_play
     FROM betting.bet_legs WHERE bet_id = ANY($1::uuid[]) ORDER BY bet_id, leg_no`,
    [bets.map((b) => b.id)],
  );
  return {
    items: bets.map((b) => {
      const own = legs.filter((l) => l.bet_id === b.id);
      return {
        id: b.id,
        playerId: b.player_id,
        kind: b.kind,
        system: b.system,
        eachWay: b.each_way,
        lines: b.lines,
        status: b.status,
        currency: b.currency,
        stake: String(b.stake),
        potentialPayout: String(b.potential_payout),
        placedAt: new Date(b.placed_at).toISOString(),
        inPlay: own.some((l) => l.in_play),
        legs: own.map((l) => ({
          eventName: l.event_name,
          marketName: l.market_name,
          selectionName: l.selection_name,
          price: price(l.price),
        })),
      };
    }),
  };
}
