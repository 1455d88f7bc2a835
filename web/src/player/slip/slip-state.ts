// The bet slip's state, without React: selections (legs), the stakes, the bet type and the
// price-change policy. A reducer keeps every change in one place, and later bet types
// (system bets, each-way, bet builder) add a mode and a stake kind here.
import type { Event, Market, Selection } from '../../api/types.ts';
import { samePrice } from '../../lib/odds.ts';

export type PricePolicy = 'none' | 'higher' | 'any';
/** How the legs are bet: each on its own, or all together as one accumulator. */
export type SlipMode = 'singles' | 'multiple';

export interface Leg {
  selectionId: string;
  marketId: string;
  eventId: string;
  eventName: string;
  marketName: string;
  selectionName: string;
  /** The price the player sees and will send. */
  price: string;
  /** The price before a change the player has not accepted yet (shown struck through). */
  previousPrice: string | null;
  /** False when the market is not open any more (suspended, closed, settled). */
  open: boolean;
}

export interface SlipState {
  legs: Leg[];
  mode: SlipMode;
  /** Stake text per leg for singles (as typed, in major units). */
  stakes: Record<string, string>;
  /** Stake text of the multiple. */
  multipleStake: string;
  policy: PricePolicy;
}

export type SlipAction =
  | { type: 'toggle'; event: Event; market: Market; selection: Selection }
  | { type: 'remove'; selectionId: string }
  | { type: 'clear' }
  | { type: 'mode'; mode: SlipMode }
  | { type: 'stake'; selectionId: string | null; text: string }
  | { type: 'policy'; policy: PricePolicy }
  /** Prices and market states as the catalogue shows them now. */
  | { type: 'prices'; events: readonly Event[] }
  /** The current prices from an odds_changed answer. */
  | { type: 'changed'; current: readonly { selectionId: string; price: string }[] };

export const emptySlip = (policy: PricePolicy = 'none'): SlipState => ({
  legs: [],
  mode: 'singles',
  stakes: {},
  multipleStake: '',
  policy,
});

/** A multiple takes one selection per event. */
export function canCombine(legs: readonly Leg[]): boolean {
  return legs.length >= 2 && new Set(legs.map((l) => l.eventId)).size === legs.length;
}

/** The mode in force: one leg is always a single. */
export function effectiveMode(state: SlipState): SlipMode {
  return state.legs.length >= 2 && state.mode === 'multiple' && canCombine(state.legs)
    ? 'multiple'
    : 'singles';
}

function withPrice(leg: Leg, price: string): Leg {
  if (price === leg.price) return leg;
  // The same price in another odds format is no change to confirm.
  if (samePrice(price, leg.price)) {
    return { ...leg, price };
  }
  if (leg.previousPrice !== null && samePrice(price, leg.previousPrice)) {
    return { ...leg, price, previousPrice: null }; // back where the player saw it
  }
  return { ...leg, previousPrice: leg.previousPrice ?? leg.price, price };
}

export function slipReducer(state: SlipState, action: SlipAction): SlipState {
  switch (action.type) {
    case 'toggle': {
      const { event, market, selection } = action;
      if (state.legs.some((l) => l.selectionId === selection.id)) {
        return slipReducer(state, { type: 'remove', selectionId: selection.id });
      }
      const leg: Leg = {
        selectionId: selection.id,
        marketId: market.id,
        eventId: event.id,
        eventName: event.name,
        marketName: market.name,
        selectionName: selection.name,
        price: selection.price,
        previousPrice: null,
        open: market.status === 'open',
      };
      const legs = [...state.legs, leg];
      // Adding a second selection of another event makes a multiple the natural choice.
      const mode: SlipMode = state.legs.length === 1 && canCombine(legs) ? 'multiple' : state.mode;
      return { ...state, legs, mode };
    }
    case 'remove': {
      const legs = state.legs.filter((l) => l.selectionId !== action.selectionId);
      const { [action.selectionId]: _removed, ...stakes } = state.stakes;
      return { ...state, legs, stakes, ...(legs.length === 0 ? { multipleStake: '' } : {}) };
    }
    case 'clear':
      return { ...emptySlip(state.policy) };
    case 'mode':
      return { ...state, mode: action.mode };
    case 'stake':
      return action.selectionId === null
        ? { ...state, multipleStake: action.text }
        : { ...state, stakes: { ...state.stakes, [action.selectionId]: action.text } };
    case 'policy':
      return { ...state, policy: action.policy };
    case 'prices': {
      if (state.legs.length === 0) return state;
      const seen = new Map<string, { price: string; open: boolean }>();
      for (const event of action.events) {
        const started = event.status !== 'scheduled' || Date.parse(event.startsAt) <= Date.now();
        for (const market of event.markets) {
          const live = event.status === 'live' && market.inPlay;
          for (const s of market.selections) {
            seen.set(s.id, {
              price: s.price,
              open: market.status === 'open' && (!started || live),
            });
          }
        }
      }
      let changed = false;
      const legs = state.legs.map((leg) => {
        const now = seen.get(leg.selectionId);
        if (!now) return leg;
        if (now.price === leg.price && now.open === leg.open) return leg;
        changed = true;
        return { ...withPrice(leg, now.price), open: now.open };
      });
      return changed ? { ...state, legs } : state;
    }
    case 'changed': {
      const current = new Map(action.current.map((c) => [c.selectionId, c.price]));
      const legs = state.legs.map((leg) => {
        const price = current.get(leg.selectionId);
        return price ? withPrice(leg, price) : leg;
      });
      return { ...state, legs };
    }
  }
}
