// The live state of events: scheduled → live → ended (or cancelled), with the score and the
// match clock, written by the live feed. Every change writes an `event.updated` event in the
// same transaction; an event that ends or is cancelled has its open markets suspended, so
// nothing is bet on it while its results are on their way. Also the reads realtime needs:
// which sport and main market an event has, and snapshots of topics.
import type { Queryable, Tx } from '../../platform/db/db.ts';
import { DomainError, notFound } from '../../platform/errors.ts';
import { emit } from '../../platform/events/outbox.ts';
import { marketsOf } from './read.ts';
import { setMarketStatus } from './trading.ts';
import type { EventView, MarketView } from './views.ts';

export interface LiveScore {
  home: number;
  away: number;
  /** Sport-specific detail, e.g. tennis "6-4 3-2 (30-15)". */
  detail: string | null;
}

export interface LiveClock {
  /** e.g. "1H", "HT", "2H", "FT" in football; "Set 2" in tennis. */
  period: string;
  /** Match minute where the sport has one. */
  minute: number | null;
  running: boolean;
}

export type EventStatus = EventView['status'];

/** An event without its markets: what `event` messages carry. */
export interface EventHeader {
  id: string;
  sportId: string;
  competitionId: string;
  name: string;
  home: string | null;
  away: string | null;
  startsAt: string;
  status: EventStatus;
  score: LiveScore | null;
  clock: LiveClock | null;
}

export interface LiveChange {
  status?: EventStatus | undefined;
  score?: LiveScore | null | undefined;
  clock?: LiveClock | null | undefined;
}

const NEXT: Record<EventStatus, readonly EventStatus[]> = {
  scheduled: ['live', 'ended', 'cancelled'],
  live: ['ended', 'cancelled'],
  ended: [],
  cancelled: [],
};

interface HeaderRow {
  id: string;
  sport_id: string;
  competition_id: string;
  name: string;
  home: string | null;
  away: string | null;
  starts_at: Date;
  status: EventStatus;
  score: LiveScore | null;
  clock: LiveClock | null;
}

const HEADER = `SELECT e.id, c.sport_id, e.competition_id, e.name, e.home, e.away, e.starts_at, e.status,
    e.score, e.clock
  FROM catalog.events e JOIN catalog.competitions c ON c.id = e.competition_id`;

const presentHeader = (r: HeaderRow): EventHeader => ({
  id: r.id,
  sportId: r.sport_id,
  competitionId: r.competition_id,
  name: r.name,
  home: r.home,
  away: r.away,
  startsAt: r.starts_at.toISOString(),
  status: r.status,
  score: r.score,
  clock: r.clock,
});

export async function getEventHeader(q: Queryable, eventId: string): Promise<EventHeader> {
  const [row] = await q.query<HeaderRow>(`${HEADER} WHERE e.id = $1`, [eventId]);
  if (!row) throw notFound('event');
  return presentHeader(row);
}

/**
 * Moves an event along scheduled → live → ended (or to cancelled) and records its score and
 * clock. Going back is refused; repeating the current status only updates score and clock.
 */
export async function setEventLive(
  tx: Tx,
  eventId: string,
  change: LiveChange,
): Promise<EventHeader> {
  const [row] = await tx.query<{ status: EventStatus }>(
    'SELECT status FROM catalog.events WHERE id = $1 FOR UPDATE',
    [eventId],
  );
  if (!row) throw notFound('event');
  const status = change.status ?? row.status;
  if (status !== row.status && !NEXT[row.status].includes(status)) {
    throw new DomainError(
      'invalid_event_transition',
      'conflict',
      `An event that is ${row.status} cannot become ${status}.`,
      { eventId, from: row.status, to: status },
    );
  }
  await tx.query(
    `UPDATE catalog.events SET status = $2,
       score = CASE WHEN $3 THEN $4::jsonb ELSE score END,
       clock = CASE WHEN $5 THEN $6::jsonb ELSE clock END,
       updated_at = now()
     WHERE id = $1`,
    [
      eventId,
      status,
      change.score !== undefined,
      change.score === undefined || change.score === null ? null : JSON.stringify(change.score),
      change.clock !== undefined,
      change.clock === undefined || change.clock === null ? null : JSON.stringify(change.clock),
    ],
  );
  if (status !== row.status && (status === 'ended' || status === 'cancelled')) {
    await suspendOpenMarkets(tx, eventId);
  }
  const event = await getEventHeader(tx, eventId);
  await emit(tx, { type: 'event.updated', aggregateId: eventId, payload: { event } });
  return event;
}

/** Suspends every open market of an event (a material event, the end); returns their ids. */
export async function suspendOpenMarkets(tx: Tx, eventId: string): Promise<string[]> {
  const open = await tx.query<{ id: string }>(
    `SELECT id FROM catalog.markets WHERE event_id = $1 AND status = 'open' ORDER BY id`,
    [eventId],
  );
  for (const market of open) await setMarketStatus(tx, market.id, 'suspended');
  return open.map((m) => m.id);
}

export interface EventLinks {
  sportId: string;
  /** The event's first market (the one listings show), if it has markets. */
  mainMarketId: string | null;
}

/** Sport and main market of events; these never change once the event has markets. */
export async function eventLinks(
  q: Queryable,
  eventIds: string[],
): Promise<Map<string, EventLinks>> {
  const rows = await q.query<{ id: string; sport_id: string; main_market_id: string | null }>(
    `SELECT e.id, c.sport_id,
       (SELECT m.id FROM catalog.markets m WHERE m.event_id = e.id
        ORDER BY m.display_order, m.created_at, m.id LIMIT 1) AS main_market_id
     FROM catalog.events e JOIN catalog.competitions c ON c.id = e.competition_id
     WHERE e.id = ANY($1::uuid[])`,
    [eventIds],
  );
  return new Map(rows.map((r) => [r.id, { sportId: r.sport_id, mainMarketId: r.main_market_id }]));
}

/** The event of each market. */
export async function marketEvents(
  q: Queryable,
  marketIds: string[],
): Promise<Map<string, string>> {
  const rows = await q.query<{ id: string; event_id: string }>(
    'SELECT id, event_id FROM catalog.markets WHERE id = ANY($1::uuid[])',
    [marketIds],
  );
  return new Map(rows.map((r) => [r.id, r.event_id]));
}

export async function getMarket(q: Queryable, marketId: string): Promise<MarketView> {
  const events = await marketEvents(q, [marketId]);
  const eventId = events.get(marketId);
  const market = eventId
    ? (await marketsOf(q, [eventId])).get(eventId)?.find((m) => m.id === marketId)
    : undefined;
  if (!market) throw notFound('market');
  return market;
}

export interface SportBoard {
  sport: { id: string; slug: string; name: string };
  /** Live and upcoming events, live first then soonest, each with its main market. */
  events: (EventHeader & { mainMarket: MarketView | null })[];
}

/** What a sport's page shows: live and upcoming events with their main market. */
export async function getSportBoard(
  q: Queryable,
  sportId: string,
  limit = 100,
): Promise<SportBoard> {
  const [sport] = await q.query<{ id: string; slug: string; name: string }>(
    'SELECT id, slug, name FROM catalog.sports WHERE id = $1',
    [sportId],
  );
  if (!sport) throw notFound('sport');
  const rows = await q.query<HeaderRow>(
    `${HEADER} WHERE c.sport_id = $1 AND (e.status = 'live' OR (e.status = 'scheduled' AND e.starts_at > now()))
     ORDER BY e.status = 'live' DESC, e.starts_at, e.id LIMIT $2`,
    [sportId, limit],
  );
  const links = await eventLinks(
    q,
    rows.map((r) => r.id),
  );
  const markets = await marketsOf(
    q,
    rows.map((r) => r.id),
  );
  return {
    sport,
    events: rows.map((r) => {
      const main = links.get(r.id)?.mainMarketId;
      return {
        ...presentHeader(r),
        mainMarket: markets.get(r.id)?.find((m) => m.id === main) ?? null,
      };
    }),
  };
}
