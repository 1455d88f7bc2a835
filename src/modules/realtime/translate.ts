// Outbox events → realtime messages. Each message is the whole new state of one thing (a
// market's status and prices, an event's live state, a bet, a balance), keyed by it and
// versioned by the outbox event id, so applying one twice, or an older one after a newer
// one has been dropped by the fan-out, never leaves a client with a wrong state.
import type { Queryable } from '../../platform/db/db.ts';
import type { Outgoing, OutgoingTopic } from '../../platform/events/fanout.ts';
import type { OutboxEvent } from '../../platform/events/outbox.ts';
import { isUuid } from '../../platform/uuid.ts';
import { type BetView, getBet } from '../betting/index.ts';
import {
  type EventHeader,
  type EventLinks,
  type EventView,
  eventLinks,
  type MarketView,
  marketEvents,
} from '../catalog/index.ts';
import { getWallets } from '../wallet/index.ts';

const members = (value: Record<string, unknown>) => JSON.stringify(value).slice(1, -1);
const topic = (name: string): OutgoingTopic => ({
  name,
  label: name.startsWith('player:') ? 'me' : name,
});

/** A bounded map: relationships that never change (event → sport), kept for the newest. */
class Cache<V> {
  readonly #map = new Map<string, V>();
  constructor(private readonly size: number) {}
  get(key: string): V | undefined {
    return this.#map.get(key);
  }
  set(key: string, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.size) this.#map.delete(this.#map.keys().next().value as string);
  }
}

type Payload = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function marketBody(market: Pick<MarketView, 'id' | 'eventId' | 'status' | 'selections'>) {
  const prices: Record<string, string> = {};
  for (const s of market.selections) prices[s.id] = s.price;
  return members({
    type: 'market',
    id: market.id,
    event: market.eventId,
    status: market.status,
    prices,
  });
}

export function eventBody(
  event: Pick<EventHeader, 'id' | 'sportId' | 'name' | 'startsAt' | 'status' | 'score' | 'clock'>,
  markets?: MarketView[],
) {
  return members({
    type: 'event',
    id: event.id,
    sport: event.sportId,
    name: event.name,
    startsAt: event.startsAt,
    status: event.status,
    score: event.score ?? null,
    clock: event.clock ?? null,
    ...(markets ? { markets } : {}),
  });
}

export type Translator = (events: readonly OutboxEvent[]) => Promise<Outgoing[]>;

export function createTranslator(db: Queryable): Translator {
  const links = new Cache<EventLinks>(20_000);
  const marketEvent = new Cache<string>(50_000);

  // Until an event has markets its main market is unknown: such links are looked up again.
  const resolveLinks = async (eventIds: Iterable<string>) => {
    const missing = [...new Set(eventIds)].filter((id) => !links.get(id)?.mainMarketId);
    if (missing.length === 0) return;
    for (const [id, link] of await eventLinks(db, missing)) links.set(id, link);
  };

  return async function translate(events) {
    const eventIds = new Set<string>();
    const resulted: string[] = [];
    const balancesToRead = new Set<string>();
    // Bet events that do not carry the bet's state (accepted, cashed out …): read it.
    const betsToRead = new Map<string, string>();
    for (const e of events) {
      const p = e.payload as Payload;
      if (e.type === 'market.updated') eventIds.add((p.market as MarketView).eventId);
      else if (e.type === 'event.created') eventIds.add((p.event as EventView).id);
      else if (e.type === 'market.resulted') {
        const id = str(p.marketId);
        if (id && !marketEvent.get(id)) resulted.push(id);
      } else if (e.type.startsWith('bet.') && e.type !== 'bet.placed' && str(p.playerId)) {
        balancesToRead.add(p.playerId as string);
        const betId = str(p.betId);
        if (betId && (!str(p.stake) || !str(p.currency)))
          betsToRead.set(betId, p.playerId as string);
      }
    }
    if (resulted.length > 0) {
      for (const [marketId, eventId] of await marketEvents(db, resulted)) {
        marketEvent.set(marketId, eventId);
      }
    }
    for (const e of events) {
      if (e.type === 'market.resulted') {
        const eventId = marketEvent.get(str((e.payload as Payload).marketId) ?? '');
        if (eventId) eventIds.add(eventId);
      }
    }
    await resolveLinks(eventIds);
    const bets = new Map<string, BetView>();
    for (const [betId, playerId] of betsToRead) {
      const bet = await getBet(db, playerId, betId).catch(() => undefined);
      if (bet) bets.set(betId, bet);
    }
    const balances =
      balancesToRead.size > 0
        ? await getWallets(db, [...balancesToRead].filter(isUuid))
        : new Map();

    const out: Outgoing[] = [];
    const base = (e: OutboxEvent) => ({ version: e.id, at: e.createdAt.getTime() });
    const catalogTopics = (kind: 'market' | 'event', id: string, eventId: string) => {
      const names = [`${kind}:${id}`];
      if (kind === 'market') names.push(`event:${eventId}`);
      const link = links.get(eventId);
      if (link && (kind === 'event' || link.mainMarketId === id))
        names.push(`sport:${link.sportId}`);
      return names.map(topic);
    };
    const balance = (e: OutboxEvent, playerId: string, currency: string, amount: string) =>
      out.push({
        ...base(e),
        key: `balance:${playerId}`,
        topics: [topic(`player:${playerId}`)],
        body: members({ type: 'balance', currency, balance: amount }),
      });

    for (const e of events) {
      const p = e.payload as Payload;
      if (e.type === 'market.updated') {
        const market = p.market as MarketView;
        out.push({
          ...base(e),
          key: `market:${market.id}`,
          topics: catalogTopics('market', market.id, market.eventId),
          body: marketBody(market),
        });
      } else if (e.type === 'market.resulted') {
        const marketId = str(p.marketId);
        const eventId = marketId ? marketEvent.get(marketId) : undefined;
        if (!marketId || !eventId) continue;
        out.push({
          ...base(e),
          key: `market:${marketId}`,
          topics: catalogTopics('market', marketId, eventId),
          body: members({
            type: 'result',
            id: marketId,
            event: eventId,
            void: p.void === true,
            winners: Array.isArray(p.winners) ? p.winners : [],
          }),
        });
      } else if (e.type === 'event.created' || e.type === 'event.updated') {
        const view = p.event as EventView | EventHeader;
        const sportId = 'sportId' in view ? view.sportId : view.sport.id;
        const header = {
          id: view.id,
          sportId,
          name: view.name,
          startsAt: view.startsAt,
          status: view.status,
          score: view.score ?? null,
          clock: view.clock ?? null,
        };
        out.push({
          ...base(e),
          key: `event:${view.id}`,
          topics: [topic(`event:${view.id}`), topic(`sport:${sportId}`)],
          body: eventBody(header, 'markets' in view ? view.markets : undefined),
        });
      } else if (e.type.startsWith('bet.')) {
        const playerId = str(p.playerId);
        // The event's own fields when it has them (settled, rejected); else the bet as read.
        const carried = str(p.stake) !== undefined && str(p.currency) !== undefined;
        const bet =
          (p.bet as Partial<BetView> | undefined) ??
          (carried ? undefined : bets.get(str(p.betId) ?? ''));
        const id = str(bet?.id) ?? str(p.betId);
        const status = str(bet?.status) ?? str(p.status) ?? e.type.slice(4);
        const stake = str(bet?.stake) ?? str(p.stake);
        const currency = str(bet?.currency) ?? str(p.currency);
        if (!playerId || !id || !stake || !currency) continue;
        const payout = bet?.payout !== undefined ? bet.payout : str(p.payout);
        out.push({
          ...base(e),
          key: `bet:${id}`,
          topics: [topic(`player:${playerId}`)],
          body: members({
            type: 'bet',
            id,
            status,
            stake,
            currency,
            ...(bet?.potentialPayout ? { potentialPayout: bet.potentialPayout } : {}),
            ...(payout !== undefined ? { payout } : {}),
          }),
        });
        const known = str(p.balance);
        if (known !== undefined) balance(e, playerId, currency, known);
        else {
          const read = balances.get(playerId);
          if (read) balance(e, playerId, read.currency, read.balance);
        }
      } else if (e.type.startsWith('wallet.')) {
        const ownerId = str(p.ownerId);
        const amount = str(p.balance);
        const currency = str(p.currency);
        if (ownerId && amount !== undefined && currency) balance(e, ownerId, currency, amount);
      } else if (e.type === 'responsible.reality_check_due') {
        const playerId = str(p.playerId);
        const check = p.check as Record<string, unknown> | undefined;
        if (!playerId || !check || !str(check.id)) continue;
        out.push({
          ...base(e),
          key: `reality_check:${playerId}`,
          topics: [topic(`player:${playerId}`)],
          body: members({
            type: 'reality_check',
            id: check.id,
            dueAt: check.dueAt,
            elapsedSeconds: check.elapsedSeconds,
            staked: check.staked,
            returned: check.returned,
            net: check.net,
            currency: check.currency,
          }),
        });
      }
    }
    return out;
  };
}
