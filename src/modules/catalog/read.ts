import { cursorTime, decodeCursor, encodeCursor } from '../../platform/cursor.ts';
// Reading the catalogue: sports, events with their markets and prices.
import type { Queryable, Tx } from '../../platform/db/db.ts';
import { notFound } from '../../platform/errors.ts';
import {
  type EventRow,
  type EventView,
  type MarketRow,
  type MarketView,
  presentEvent,
  presentMarket,
  type SelectionRow,
} from './views.ts';

export interface SportView {
  id: string;
  slug: string;
  name: string;
  competitions: { id: string; name: string; country: string | null; upcomingEvents: number }[];
}

export async function listSports(q: Queryable): Promise<SportView[]> {
  const rows = await q.query<{
    sport_id: string;
    slug: string;
    sport_name: string;
    competition_id: string | null;
    competition_name: string | null;
    country: string | null;
    upcoming: bigint;
  }>(
    `SELECT s.id AS sport_id, s.slug, s.name AS sport_name, c.id AS competition_id, c.name AS competition_name,
            c.country,
            (SELECT count(*) FROM catalog.events e
             WHERE e.competition_id = c.id AND e.status IN ('scheduled', 'live')
               AND (e.status = 'live' OR e.starts_at > now())) AS upcoming
     FROM catalog.sports s LEFT JOIN catalog.competitions c ON c.sport_id = s.id
     ORDER BY s.display_order, s.name, c.name`,
  );
  const sports = new Map<string, SportView>();
  for (const r of rows) {
    let sport = sports.get(r.sport_id);
    if (!sport) {
      sport = { id: r.sport_id, slug: r.slug, name: r.sport_name, competitions: [] };
      sports.set(r.sport_id, sport);
    }
    if (r.competition_id && r.competition_name) {
      sport.competitions.push({
        id: r.competition_id,
        name: r.competition_name,
        country: r.country,
        upcomingEvents: Number(r.upcoming),
      });
    }
  }
  return [...sports.values()];
}

const EVENT_COLUMNS = `e.id, e.name, e.home, e.away, e.starts_at, e.status, e.score, e.clock,
  c.id AS competition_id, c.name AS competition_name, s.id AS sport_id, s.slug AS sport_slug, s.name AS sport_name`;
const EVENT_FROM = `catalog.events e JOIN catalog.competitions c ON c.id = e.competition_id
  JOIN catalog.sports s ON s.id = c.sport_id`;

export async function marketsOf(
  q: Queryable,
  eventIds: string[],
): Promise<Map<string, MarketView[]>> {
  const markets = await q.query<MarketRow>(
    `SELECT id, event_id, type, name, line, status, in_play, each_way_places, each_way_num, each_way_den
     FROM catalog.markets
     WHERE event_id = ANY($1::uuid[]) ORDER BY display_order, created_at, id`,
    [eventIds],
  );
  const selections = await q.query<SelectionRow>(
    `SELECT id, market_id, name, outcome, price, result FROM catalog.selections
     WHERE market_id = ANY($1::uuid[]) ORDER BY display_order, id`,
    [markets.map((m) => m.id)],
  );
  const byMarket = new Map<string, SelectionRow[]>();
  for (const s of selections) {
    const list = byMarket.get(s.market_id);
    if (list) list.push(s);
    else byMarket.set(s.market_id, [s]);
  }
  const byEvent = new Map<string, MarketView[]>();
  for (const m of markets) {
    const list = byEvent.get(m.event_id) ?? [];
    list.push(presentMarket(m, byMarket.get(m.id) ?? []));
    byEvent.set(m.event_id, list);
  }
  return byEvent;
}

export async function getEvent(q: Queryable, id: string): Promise<EventView> {
  const [row] = await q.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM ${EVENT_FROM} WHERE e.id = $1`,
    [id],
  );
  if (!row) throw notFound('event');
  return presentEvent(row, (await marketsOf(q, [id])).get(id) ?? []);
}

export interface EventQuery {
  sport?: string | undefined;
  competitionId?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** Upcoming and live events, soonest first. */
export async function listEvents(
  q: Queryable,
  query: EventQuery,
): Promise<{ items: EventView[]; nextCursor: string | null }> {
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const rows = await q.query<EventRow & { cursor_at: string }>(
    `SELECT ${EVENT_COLUMNS},
            ${cursorTime('e.starts_at')} AS cursor_at
     FROM ${EVENT_FROM}
     WHERE e.status IN ('scheduled', 'live')
       AND (e.status = 'live' OR e.starts_at > now())
       AND ($1::text IS NULL OR s.slug = $1)
       AND ($2::uuid IS NULL OR c.id = $2)
       AND ($3::text IS NULL OR (e.starts_at, e.id) > ($3::text::timestamptz, $4::uuid))
     ORDER BY e.starts_at, e.id LIMIT $5`,
    [
      query.sport ?? null,
      query.competitionId ?? null,
      after?.time ?? null,
      after?.id ?? null,
      query.limit + 1,
    ],
  );
  const page = rows.slice(0, query.limit);
  const markets = await marketsOf(
    q,
    page.map((r) => r.id),
  );
  const last = page.at(-1);
  return {
    items: page.map((r) => presentEvent(r, markets.get(r.id) ?? [])),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.cursor_at, last.id) : null,
  };
}

export interface BettableSelection {
  selectionId: string;
  marketId: string;
  eventId: string;
  price: number;
  marketStatus: MarketView['status'];
  eventStatus: EventView['status'];
  /** The event's start time has passed, by the database clock. */
  started: boolean;
  eventName: string;
  marketName: string;
  selectionName: string;
}

// Placing bets on a market and recording its result exclude each other through an advisory
// lock per market: placements hold it shared (they never wait for one another), recording a
// result takes it exclusively. So every bet that saw the market open has committed before
// the result does, and the settlement that follows finds it. The lock lives in the lock
// manager, not in the market's row, so a busy market's row is not rewritten per bet.
export const MARKET_GATE = 7310453;

export async function lockMarketForResult(tx: Tx, marketId: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2::text))', [MARKET_GATE, marketId]);
}

/**
 * Selections as bet placement sees them, read in the placing transaction after taking the
 * markets' gate shared (a separate statement, so that the read sees a result that committed
 * while this transaction waited).
 */
export async function bettableSelections(
  tx: Tx,
  selectionIds: string[],
): Promise<BettableSelection[]> {
  await tx.query(
    `SELECT pg_advisory_xact_lock_shared($1, hashtext(m.market_id::text))
     FROM (SELECT DISTINCT market_id FROM catalog.selections WHERE id = ANY($2::uuid[]) ORDER BY market_id) m`,
    [MARKET_GATE, selectionIds],
  );
  const rows = await tx.query<{
    selection_id: string;
    market_id: string;
    event_id: string;
    price: number;
    market_status: MarketView['status'];
    event_status: EventView['status'];
    started: boolean;
    event_name: string;
    market_name: string;
    selection_name: string;
  }>(
    `SELECT s.id AS selection_id, m.id AS market_id, e.id AS event_id, s.price,
            m.status AS market_status, e.status AS event_status, e.starts_at <= now() AS started,
            e.name AS event_name, m.name AS market_name, s.name AS selection_name
     FROM catalog.selections s JOIN catalog.markets m ON m.id = s.market_id JOIN catalog.events e ON e.id = m.event_id
     WHERE s.id = ANY($1::uuid[])`,
    [selectionIds],
  );
  return rows.map((r) => ({
    selectionId: r.selection_id,
    marketId: r.market_id,
    eventId: r.event_id,
    price: r.price,
    marketStatus: r.market_status,
    eventStatus: r.event_status,
    started: r.started,
    eventName: r.event_name,
    marketName: r.market_name,
    selectionName: r.selection_name,
  }));
}
