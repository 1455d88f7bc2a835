// One realtime connection per tab for every screen: `useTopic` listens to a topic while the
// screen is shown; `useConnection` tells whether live updates are flowing.
import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import { type ConnectionState, Realtime, type ServerMessage } from '../lib/realtime.ts';

const RealtimeContext = createContext<Realtime | null>(null);

export function RealtimeProvider({ client, children }: { client: ApiClient; children: ReactNode }) {
  const [realtime] = useState(
    () => new Realtime({ token: () => client.tokens.get()?.accessToken ?? null }),
  );
  useEffect(() => {
    let last = client.tokens.get()?.accessToken ?? null;
    const off = client.tokens.subscribe(() => {
      const now = client.tokens.get()?.accessToken ?? null;
      if (now === last) return;
      last = now;
      if (now) realtime.authenticate();
    });
    return () => {
      off();
    };
  }, [client, realtime]);
  useEffect(() => {
    realtime.start();
    return () => realtime.close();
  }, [realtime]);
  return <RealtimeContext.Provider value={realtime}>{children}</RealtimeContext.Provider>;
}

/** Calls `onMessage` with every message of `topic` (null: none) while mounted. */
export function useTopic(topic: string | null, onMessage: (message: ServerMessage) => void): void {
  const realtime = useContext(RealtimeContext);
  const handler = useRef(onMessage);
  handler.current = onMessage;
  useEffect(() => {
    if (!realtime || !topic) return;
    return realtime.subscribe(topic, (m) => handler.current(m));
  }, [realtime, topic]);
}

/** Calls `onMessage` for every topic in `topics` (order does not matter). */
export function useTopics(topics: readonly string[], onMessage: (message: ServerMessage) => void) {
  const realtime = useContext(RealtimeContext);
  const handler = useRef(onMessage);
  handler.current = onMessage;
  const key = [...new Set(topics)].sort().join(' ');
  useEffect(() => {
    if (!realtime || !key) return;
    const offs = key.split(' ').map((t) => realtime.subscribe(t, (m) => handler.current(m)));
    return () => {
      for (const off of offs) off();
    };
  }, [realtime, key]);
}

export function useConnection(): ConnectionState {
  const realtime = useContext(RealtimeContext);
  const [state, setState] = useState<ConnectionState>(realtime?.connection ?? 'closed');
  useEffect(() => {
    if (!realtime) return;
    setState(realtime.connection);
    return realtime.onState(setState);
  }, [realtime]);
  return state;
}
