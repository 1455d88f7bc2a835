// The signed-in player's wallet and messages, kept fresh for every screen (the header's
// balance, the slip's currency, the inbox count). New messages — a settled bet, a payment —
// are announced as they arrive. The `me` topic of the WebSocket pushes balance and bet changes
// the moment they happen; the background re-reads are the fallback.
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
import type { Message, Wallet } from '../../api/types.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { useAuth } from '../../ui/auth.tsx';
import { useLoader } from '../../ui/hooks.ts';
import { useNotify } from '../../ui/notices.tsx';
import { useTopic } from '../../ui/realtime.tsx';

const REFRESH_MS = 10_000;

interface AccountData {
  wallet: Wallet | undefined;
  /** The currency to show amounts in: the wallet's, else the account's, else EUR. */
  currency: string;
  messages: Message[] | undefined;
  /** Re-reads the wallet and messages now (after a bet, a deposit …). */
  refresh(): Promise<void>;
  /** Counts bet changes pushed for this player (placed, accepted, settled, cashed out). */
  betVersion: number;
}

const AccountDataContext = createContext<AccountData>({
  wallet: undefined,
  currency: 'EUR',
  messages: undefined,
  refresh: async () => {},
  betVersion: 0,
});

export function AccountDataProvider({ children }: { children: ReactNode }) {
  const { client, me } = useAuth();
  const notify = useNotify();
  const { t } = useI18n();
  const player = me?.kind === 'player';
  const wallet = useLoader(() => client.call('GET /api/v1/wallet'), [client, me?.id], {
    enabled: player,
    refreshMs: REFRESH_MS,
  });
  const messages = useLoader(
    () => client.call('GET /api/v1/notifications', { query: { limit: 50 } }),
    [client, me?.id],
    { enabled: player, refreshMs: REFRESH_MS },
  );

  const [betVersion, setBetVersion] = useState(0);
  const reloadWalletNow = wallet.reload;
  useTopic(player ? 'me' : null, (message) => {
    if (message.type === 'balance') void reloadWalletNow();
    if (message.type === 'bet') setBetVersion((v) => v + 1);
  });

  // Announce what arrived since the last look, not the backlog.
  const known = useRef<Set<string> | null>(null);
  useEffect(() => {
    if (!player) known.current = null;
  }, [player]);
  useEffect(() => {
    const items = messages.data?.items;
    if (!items) return;
    if (known.current) {
      const fresh = items.filter((m) => !known.current?.has(m.id));
      if (fresh.length > 0) {
        notify(
          t('messages.arrived', { text: fresh.map((m) => `${m.title}: ${m.body}`).join(' ') }),
        );
        void wallet.reload();
      }
    }
    known.current = new Set(items.map((m) => m.id));
  }, [messages.data, notify, t, wallet.reload]);

  const reloadWallet = wallet.reload;
  const reloadMessages = messages.reload;
  const refresh = useCallback(async () => {
    await Promise.all([reloadWallet(), reloadMessages()]);
  }, [reloadWallet, reloadMessages]);

  const value = useMemo<AccountData>(
    () => ({
      wallet: player ? wallet.data : undefined,
      currency: (player ? wallet.data?.currency : undefined) ?? me?.currency ?? 'EUR',
      messages: player ? messages.data?.items : undefined,
      refresh,
      betVersion,
    }),
    [player, wallet.data, messages.data, me?.currency, refresh, betVersion],
  );
  return <AccountDataContext.Provider value={value}>{children}</AccountDataContext.Provider>;
}

export function useAccountData(): AccountData {
  return useContext(AccountDataContext);
}
