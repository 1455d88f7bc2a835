// Sports and competitions for navigation, read once and refreshed every minute.
import { createContext, type ReactNode, useContext } from 'react';
import type { Sport } from '../../api/types.ts';
import { useAuth } from '../../ui/auth.tsx';
import { useLoader } from '../../ui/hooks.ts';

interface Catalog {
  sports: Sport[] | undefined;
  error: unknown;
}

const CatalogContext = createContext<Catalog>({ sports: undefined, error: undefined });

export function CatalogProvider({ children }: { children: ReactNode }) {
  const { client } = useAuth();
  const sports = useLoader(() => client.call('GET /api/v1/sports'), [client], {
    refreshMs: 60_000,
  });
  return (
    <CatalogContext.Provider value={{ sports: sports.data, error: sports.error }}>
      {children}
    </CatalogContext.Provider>
  );
}

export function useCatalog(): Catalog {
  return useContext(CatalogContext);
}

export const upcomingOf = (sport: Sport) =>
  sport.competitions.reduce((sum, c) => sum + c.upcomingEvents, 0);
