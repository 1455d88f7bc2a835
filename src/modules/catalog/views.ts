import { formatLine, formatPrice } from '../../platform/money.ts';
import type { LiveClock, LiveScore } from './live.ts';

export interface SelectionView {
  id: string;
  name: string;
  outcome: string | null;
  price: string;
  result: 'win' | 'lose' | 'void' | 'half_win' | 'half_lose' | null;
}

export interface MarketView {
  id: string;
  eventId: string;
  type: string;
  name: string;
  line: string | null;
  status: 'open' | 'suspended' | 'closed' | 'settled';
  /** Offered while the event is live (bets wait the in-play delay). */
  inPlay: boolean;
  /** Each-way terms: places paid and the fraction of the odds ("1/4"). */
  eachWay: { places: number; fraction: string } | null;
  selections: SelectionView[];
}

export interface EventView {
  id: string;
  sport: { id: string; slug: string; name: string };
  competition: { id: string; name: string };
  name: string;
  home: string | null;
  away: string | null;
  startsAt: string;
  status: 'scheduled' | 'live' | 'ended' | 'cancelled';
  /** Live state (catalog/live.ts); null before kick-off. */
  score: LiveScore | null;
  clock: LiveClock | null;
  markets: MarketView[];
}

export interface SelectionRow {
  id: string;
  market_id: string;
  name: string;
  outcome: string | null;
  price: number;
  result: SelectionView['result'];
}

export interface MarketRow {
  id: string;
  event_id: string;
  type: string;
  name: string;
  line: number | null;
  status: MarketView['status'];
  in_play: boolean;
  each_way_places: number | null;
  each_way_num: number | null;
  each_way_den: number | null;
}

export interface EventRow {
  id: string;
  name: string;
  home: string | null;
  away: string | null;
  starts_at: Date;
  status: EventView['status'];
  score: LiveScore | null;
  clock: LiveClock | null;
  competition_id: string;
  competition_name: string;
  sport_id: string;
  sport_slug: string;
  sport_name: string;
}

export const presentSelection = (s: SelectionRow): SelectionView => ({
  id: s.id,
  name: s.name,
  outcome: s.outcome,
  price: formatPrice(s.price),
  result: s.result,
});

export const presentMarket = (m: MarketRow, selections: SelectionRow[]): MarketView => ({
  id: m.id,
  eventId: m.event_id,
  type: m.type,
  name: m.name,
  line: m.line === null ? null : formatLine(m.line),
  status: m.status,
  inPlay: m.in_play,
  eachWay:
    m.each_way_places !== null
      ? { places: m.each_way_places, fraction: `${m.each_way_num}/${m.each_way_den}` }
      : null,
  selections: selections.map(presentSelection),
});

export const presentEvent = (e: EventRow, markets: MarketView[]): EventView => ({
  id: e.id,
  sport: { id: e.sport_id, slug: e.sport_slug, name: e.sport_name },
  competition: { id: e.competition_id, name: e.competition_name },
  name: e.name,
  home: e.home,
  away: e.away,
  startsAt: e.starts_at.toISOString(),
  status: e.status,
  score: e.score,
  clock: e.clock,
  markets,
});
