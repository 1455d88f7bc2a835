// Realtime: the WebSocket gateway (role `realtime`), its topics and their fan-out, fed by the
// outbox relay (docs/realtime.md).
import type { Logger } from 'pino';
import type { Config } from '../../platform/config.ts';
import type { Queryable } from '../../platform/db/db.ts';
import type { FanOut } from '../../platform/events/fanout.ts';
import type { ApiClient, Principal } from '../../platform/http/access.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { type Gateway, startGateway } from './gateway.ts';
import { Hub } from './hub.ts';
import type { RealtimeMetrics } from './metrics.ts';
import { createSnapshots } from './snapshots.ts';

export { type Gateway, MAX_CLIENT_FRAME, WS_PATH } from './gateway.ts';
export { createRealtimeMetrics, type RealtimeMetrics } from './metrics.ts';
export {
  CLOSE,
  type ClientMessage,
  ControlMessage,
  DataMessage,
  parseClientMessage,
  ServerMessage,
} from './protocol.ts';
export { realtimePublisher } from './publisher.ts';

export interface Realtime {
  gateway: Gateway;
  hub: Hub;
  /** Refuses new connections (first step of a graceful stop). */
  beginDrain(): void;
  /** Tells clients to reconnect elsewhere, closes them, stops listening to the fan-out. */
  close(): Promise<void>;
}

/** Mounts /ws on the HTTP server and delivers the fan-out's frames to subscribers. */
export function startRealtime(deps: {
  http: HttpServer;
  db: Queryable;
  fanout: FanOut;
  verifyToken(token: string): Promise<Principal>;
  /** Partner API keys (odds:read) for the public topics. */
  verifyApiKey?(key: string): Promise<ApiClient>;
  config: Config['realtime'];
  metrics: RealtimeMetrics;
  log: Logger;
}): Realtime {
  const log = deps.log.child({ module: 'realtime' });
  const hub = new Hub(deps.fanout, createSnapshots(deps.db, deps.fanout), deps.metrics, log);
  const gateway = startGateway({
    http: deps.http,
    hub,
    verifyToken: deps.verifyToken,
    ...(deps.verifyApiKey ? { verifyApiKey: deps.verifyApiKey } : {}),
    limits: deps.config,
    metrics: deps.metrics,
    log,
  });
  return {
    gateway,
    hub,
    beginDrain: () => gateway.beginDrain(),
    async close() {
      await gateway.close();
      hub.close();
    },
  };
}
