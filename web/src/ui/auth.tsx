// The signed-in account of one door, shared by every screen of an app: restored from the
// tab's tokens at start, refreshed on demand, ended at sign-out or when the server ends it.
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { type ApiClient, ApiError, DOOR_AUTH, type Tokens } from '../api/client.ts';
import type { Me } from '../api/types.ts';
import { useI18n } from '../lib/i18n.tsx';
import { useNotify } from './notices.tsx';

export interface Auth {
  client: ApiClient;
  /** undefined while the stored sign-in is being checked. */
  me: Me | null | undefined;
  signedIn(tokens: Tokens): Promise<Me>;
  reloadMe(): Promise<void>;
  signOut(): Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ client, children }: { client: ApiClient; children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const notify = useNotify();
  const { t } = useI18n();
  // The hook below outlives renders: it reads the current notify and texts through a ref.
  const say = useRef({ notify, t });
  say.current = { notify, t };

  const loadMe = useCallback(async () => {
    const account = await client.call('GET /api/v1/me');
    setMe(account);
    return account;
  }, [client]);

  useEffect(() => {
    client.hooks.onSessionEnded = () => {
      setMe((current) => {
        if (current) say.current.notify(say.current.t('session.ended'), 'info');
        return null;
      });
    };
    if (!client.tokens.get()) {
      setMe(null);
      return;
    }
    loadMe().catch((error) => {
      if (!(error instanceof ApiError && error.status === 401)) client.tokens.clear();
      setMe(null);
    });
  }, [client, loadMe]);

  const value = useMemo<Auth>(
    () => ({
      client,
      me,
      async signedIn(tokens) {
        client.tokens.set(tokens);
        return loadMe();
      },
      async reloadMe() {
        await loadMe();
      },
      async signOut() {
        const refreshToken = client.tokens.get()?.refreshToken;
        client.tokens.clear();
        setMe(null);
        if (!refreshToken) return;
        // End the session on the server too, so that its refresh token stops working.
        await fetch(`${DOOR_AUTH[client.door]}/logout`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refreshToken }),
        }).catch(() => {
          // offline: the session ends by itself when idle
        });
      },
    }),
    [client, me, loadMe],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthProvider');
  return auth;
}

export function useApi(): ApiClient {
  return useAuth().client;
}
