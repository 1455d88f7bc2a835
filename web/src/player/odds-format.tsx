// The player's odds format (decimal, fractional, American): a lasting preference. Screens ask
// the API for prices in it (?oddsFormat=) and show them as the API renders them.
import { createContext, type ReactNode, useContext, useState } from 'react';
import { ODDS_FORMATS, type OddsFormat } from '../lib/odds.ts';

const KEY = 'ibet.oddsFormat';

function saved(): OddsFormat {
  try {
    const value = localStorage.getItem(KEY);
    if ((ODDS_FORMATS as readonly string[]).includes(value ?? '')) return value as OddsFormat;
  } catch {
    // no storage
  }
  return 'decimal';
}

const OddsFormatContext = createContext<{
  format: OddsFormat;
  setFormat(format: OddsFormat): void;
}>({ format: 'decimal', setFormat: () => {} });

export function OddsFormatProvider({ children }: { children: ReactNode }) {
  const [format, setState] = useState<OddsFormat>(saved);
  const setFormat = (next: OddsFormat) => {
    setState(next);
    try {
      localStorage.setItem(KEY, next);
    } catch {
      // the choice lasts for this page
    }
  };
  return (
    <OddsFormatContext.Provider value={{ format, setFormat }}>
      {children}
    </OddsFormatContext.Provider>
  );
}

export function useOddsFormat() {
  return useContext(OddsFormatContext);
}
