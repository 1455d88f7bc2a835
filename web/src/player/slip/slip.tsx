// The slip as React state for every screen: price buttons add to it, catalogue screens feed
// it fresh prices, the slip panel places it. Kept in the tab (sessionStorage) across reloads;
// the price-change policy is a lasting preference (localStorage).
import {
  createContext,
  type Dispatch,
  type ReactNode,
  useContext,
  useEffect,
  useReducer,
} from 'react';
import {
  emptySlip,
  type PricePolicy,
  type SlipAction,
  type SlipState,
  slipReducer,
} from './slip-state.ts';

const SLIP_KEY = 'ibet.slip';
const POLICY_KEY = 'ibet.pricePolicy';

function load(): SlipState {
  let policy: PricePolicy = 'none';
  try {
    const saved = localStorage.getItem(POLICY_KEY);
    if (saved === 'higher' || saved === 'any') policy = saved;
  } catch {
    // no storage
  }
  try {
    const saved = JSON.parse(sessionStorage.getItem(SLIP_KEY) ?? 'null') as SlipState | null;
    if (saved && Array.isArray(saved.legs)) return { ...emptySlip(policy), ...saved, policy };
  } catch {
    // unreadable: start empty
  }
  return emptySlip(policy);
}

interface SlipContextValue {
  state: SlipState;
  dispatch: Dispatch<SlipAction>;
}

const SlipContext = createContext<SlipContextValue | null>(null);

export function SlipProvider({ children }: { children: ReactNode }) {
  const [state, dispatch] = useReducer(slipReducer, undefined, load);
  useEffect(() => {
    try {
      sessionStorage.setItem(SLIP_KEY, JSON.stringify(state));
      localStorage.setItem(POLICY_KEY, state.policy);
    } catch {
      // storage refused: the slip lasts while the page is open
    }
  }, [state]);
  return <SlipContext.Provider value={{ state, dispatch }}>{children}</SlipContext.Provider>;
}

export function useSlip(): SlipContextValue {
  const slip = useContext(SlipContext);
  if (!slip) throw new Error('useSlip outside SlipProvider');
  return slip;
}
