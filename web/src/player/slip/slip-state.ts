// The bet slip's state, without React: selections (legs), the stakes, the bet type (singles,
// a multiple, a system bet, a bet builder), each-way and the price-change policy. A reducer
// keeps every change in one place.
import type { Event, Market, Selection } from '../../api/types.ts';
import { samePrice } from '../../lib/odds.ts';

export type PricePolicy = 'none' | 'higher' | 'any';
/**
 * How the legs are bet: each on its own, all together as one accumulator, every combination a
 * system names (staked per line), or several selections of one event priced together.
 */
export type SlipMode = 'singles' | 'multiple' | 'system' | 'builder';

export const SLIP_MODES: readonly SlipMode[] = ['singles', 'multiple', 'system', 'builder'];

/** Named full-cover systems by their number of selections (as the API knows them). */
export const NAMED_SYSTEMS: Record<string, number> = {
  trixie: 3,
  patent: 3,
  yankee: 4,
  lucky15: 4,
  canadian: 5,
  super_yankee: 5,
  lucky31: 5,
  heinz: 6,
  lucky63: 6,
  super_heinz: 7,
  goliath: 8,
};

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
  /** The market's each-way terms (outrights), or null. */
  eachWay?: { places: number; fraction: string } | null;
}

export interface SlipState {
  legs: Leg[];
  mode: SlipMode;
  /** Stake text per leg for singles (as typed, in major units). */
  stakes: Record<string, string>;
  /** Stake text of the multiple, system bet (per line) or bet builder. */
  multipleStake: string;
  /** The system chosen ("trixie", "2/4"); '' picks the first that fits. */
  system: string;
  /** Each-way on the legs with each-way terms. */
  eachWay: boolean;
  /** What pays the stake: 'cash', 'bonus' (cash, then bonus money) or 'free:<free bet id>'. */
  funding: string;
  /** Odds boosts taken, by selection: selection id → the boost's id (singles only). */
  boosts?: Record<string, string>;
  policy: PricePolicy;
}

export type SlipAction =
  | { type: 'toggle'; event: Event; market: Market; selection: Selection }
  | { type: 'remove'; selectionId: string }
  | { type: 'clear' }
  | { type: 'mode'; mode: SlipMode }
  | { type: 'system'; system: string }
  | { type: 'eachWay'; eachWay: boolean }
  | { type: 'funding'; funding: string }
  /** Takes an odds boost on a single (boostId) or gives it up (null). */
  | { type: 'boost'; selectionId: string; boostId: string | null }
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
  system: '',
  eachWay: false,
  funding: 'cash',
  boosts: {},
  policy,
});

/** A multiple takes one selection per event. */
export function canCombine(legs: readonly Leg[]): boolean {
  return legs.length >= 2 && new Set(legs.map((l) => l.eventId)).size === legs.length;
}

/** A bet builder takes two or more selections of one event, from different markets. */
export function canBuild(legs: readonly Leg[]): boolean {
  return (
    legs.length >= 2 &&
    new Set(legs.map((l) => l.eventId)).size === 1 &&
    new Set(legs.map((l) => l.marketId)).size === legs.length
  );
}

/** The systems that fit these legs: the named ones of that size, then "k/n" for 2 ≤ k < n. */
export function systemOptions(legs: readonly Leg[]): string[] {
  const n = legs.length;
  if (n < 3 || !canCombine(legs)) return [];
  const named = Object.entries(NAMED_SYSTEMS)
    .filter(([, size]) => size === n)
    .map(([name]) => name);
  const partial: string[] = [];
  for (let k = 2; k < n; k++) partial.push(`${k}/${n}`);
  return [...named, ...partial];
}

/** Whether each-way can be asked for: some leg's market has each-way terms (not builders). */
export function canEachWay(legs: readonly Leg[], mode: SlipMode): boolean {
  return mode !== 'builder' && legs.some((l) => l.eachWay);
}

/** The mode in force: one leg is always a single; a mode the legs do not allow falls back. */
export function effectiveMode(state: SlipState): SlipMode {
  const { legs, mode } = state;
  if (legs.length < 2) return 'singles';
  if (mode === 'multiple' && canCombine(legs)) return 'multiple';
  if (mode === 'system' && systemOptions(legs).length > 0) return 'system';
  if (mode === 'builder' && canBuild(legs)) return 'builder';
  return 'singles';
}

/** The system in force: the one chosen if it still fits, else the first that does. */
export function effectiveSystem(state: SlipState): string | null {
  const options = systemOptions(state.legs);
  if (options.length === 0) return null;
  return options.includes(state.system) ? state.system : (options[0] ?? null);
}

/** Whether the modes are available for these legs (singles always are). */
export function modeAvailable(legs: readonly Leg[], mode: SlipMode): boolean {
  switch (mode) {
    case 'singles':
      return true;
    case 'multiple':
      return canCombine(legs);
    case 'system':
      return systemOptions(legs).length > 0;
    case 'builder':
      return canBuild(legs);
  }
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
        eachWay: market.eachWay ?? null,
      };
      const legs = [...state.legs, leg];
      // Adding a second selection of another event makes a multiple the natural choice; a
      // second selection of the same event (another market), a bet builder.
      const mode: SlipMode =
        state.legs.length === 1 && canCombine(legs)
          ? 'multiple'
          : state.legs.length === 1 && canBuild(legs)
            ? 'builder'
            : state.mode;
      return { ...state, legs, mode };
    }
    case 'remove': {
      const legs = state.legs.filter((l) => l.selectionId !== action.selectionId);
      const { [action.selectionId]: _removed, ...stakes } = state.stakes;
      const { [action.selectionId]: _boost, ...boosts } = state.boosts ?? {};
      return {
        ...state,
        legs,
        stakes,
        boosts,
        ...(legs.length === 0 ? { multipleStake: '' } : {}),
      };
    }
    case 'clear':
      return { ...emptySlip(state.policy) };
    case 'mode':
      return { ...state, mode: action.mode };
    case 'system':
      return { ...state, system: action.system };
    case 'eachWay':
      return { ...state, eachWay: action.eachWay };
    case 'funding':
      return { ...state, funding: action.funding };
    case 'boost': {
      const { [action.selectionId]: _previous, ...boosts } = state.boosts ?? {};
      if (action.boostId === null) return { ...state, boosts };
      if (!state.legs.some((l) => l.selectionId === action.selectionId)) return state;
      return { ...state, boosts: { ...boosts, [action.selectionId]: action.boostId } };
    }
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
