// Live state pushed over the WebSocket, laid over the events read from the API: market
// status and prices (decimal odds, shown in the player's format), event status, score and
// clock. Every pushed message is the whole current state of one thing, so the overlay keeps
// the latest of each and applying one twice changes nothing.
import type { Event } from '../../api/types.ts';
import { type OddsFormat, parseAnyPrice, renderPrice } from '../../lib/odds.ts';
import type { ServerMessage } from '../../lib/realtime.ts';

export interface Score {
  home: number;
  away: number;
  detail: string | null;
}
export interface Clock {
  period: string;
  minute: number | null;
  running: boolean;
}
export interface LiveMarket {
  status: Event['markets'][number]['status'];
  prices: Record<string, string>;
}
export interface LiveEvent {
  status: Event['status'];
  score: Score | null;
  clock: Clock | null;
}
export interface Overlay {
  markets: ReadonlyMap<string, LiveMarket>;
  events: ReadonlyMap<string, LiveEvent>;
}

export const emptyOverlay = (): Overlay => ({ markets: new Map(), events: new Map() });

const MARKET_STATUS = new Set(['open', 'suspended', 'closed', 'settled']);
const EVENT_STATUS = new Set(['scheduled', 'live', 'ended', 'cancelled']);

function marketOf(raw: unknown): [string, LiveMarket] | null {
  const m = raw as { id?: unknown; status?: unknown; prices?: unknown; selections?: unknown };
  if (typeof m?.id !== 'string' || !MARKET_STATUS.has(String(m.status))) return null;
  const prices: Record<string, string> = {};
  if (m.prices && typeof m.prices === 'object') {
    for (const [id, price] of Object.entries(m.prices as Record<string, unknown>)) {
      if (typeof price === 'string') prices[id] = price;
    }
  } else if (Array.isArray(m.selections)) {
    for (const s of m.selections as { id?: unknown; price?: unknown }[]) {
      if (typeof s?.id === 'string' && typeof s.price === 'string') prices[s.id] = s.price;
    }
  }
  return [m.id, { status: m.status as LiveMarket['status'], prices }];
}

function eventOf(raw: unknown): [string, LiveEvent] | null {
  const e = raw as { id?: unknown; status?: unknown; score?: unknown; clock?: unknown };
  if (typeof e?.id !== 'string' || !EVENT_STATUS.has(String(e.status))) return null;
  return [
    e.id,
    {
      status: e.status as Event['status'],
      score: (e.score as Score | null | undefined) ?? null,
      clock: (e.clock as Clock | null | undefined) ?? null,
    },
  ];
}

/** The overlay with one pushed message applied (the same object when nothing changed). */
export function applyMessage(overlay: Overlay, message: ServerMessage): Overlay {
  const markets = new Map(overlay.markets);
  const events = new Map(overlay.events);
  const putEvent = (raw: unknown) => {
    const entry = eventOf(raw);
    if (entry) events.set(...entry);
    const withMarkets = raw as { markets?: unknown; mainMarket?: unknown };
    if (Array.isArray(withMarkets?.markets)) {
      for (const m of withMarkets.markets) {
        const me = marketOf(m);
        if (me) markets.set(...me);
      }
    }
    if (withMarkets?.mainMarket) {
      const me = marketOf(withMarkets.mainMarket);
      if (me) markets.set(...me);
    }
  };
  switch (message.type) {
    case 'market': {
      const entry = marketOf(message);
      if (!entry) return overlay;
      const before = markets.get(entry[0]);
      // A compact message may carry only some prices: keep the others.
      markets.set(entry[0], {
        status: entry[1].status,
        prices: { ...(before?.prices ?? {}), ...entry[1].prices },
      });
      break;
    }
    case 'result': {
      const id = message.id;
      if (typeof id !== 'string') return overlay;
      const before = markets.get(id);
      markets.set(id, { status: 'settled', prices: before?.prices ?? {} });
      break;
    }
    case 'event':
      putEvent(message);
      break;
    case 'snapshot': {
      const data = message.data as { events?: unknown; id?: unknown } | null;
      if (!data) return overlay;
      if (Array.isArray(data.events)) for (const e of data.events) putEvent(e);
      else putEvent(data);
      break;
    }
    default:
      return overlay;
  }
  return { markets, events };
}

/** The event as the API read it, with the live state laid over it (prices in `format`). */
export function withLive(event: Event, overlay: Overlay, format: OddsFormat): Event {
  const live = overlay.events.get(event.id);
  let changed = false;
  const markets = event.markets.map((market) => {
    const m = overlay.markets.get(market.id);
    if (!m) return market;
    const selections = market.selections.map((s) => {
      const decimal = m.prices[s.id];
      const thousandths = decimal === undefined ? null : parseAnyPrice(decimal);
      if (thousandths === null) return s;
      const price = renderPrice(thousandths, format);
      return price === s.price ? s : { ...s, price };
    });
    if (m.status === market.status && selections.every((s, i) => s === market.selections[i]))
      return market;
    changed = true;
    return { ...market, status: m.status, selections };
  });
  if (!changed && (!live || live.status === event.status)) return event;
  return { ...event, status: live?.status ?? event.status, markets };
}
