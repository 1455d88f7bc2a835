// Wires the modules into a running process for a role: `api` serves HTTP, `worker` relays
// the outbox and runs background jobs, `all` (the embedded default) does both.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { Logger } from 'pino';
import { auditRoutes } from './modules/audit/index.ts';
import { bettingRoutes } from './modules/betting/index.ts';
import { catalogRoutes } from './modules/catalog/index.ts';
import {
  auditDenied,
  createApiKeyVerifier,
  createTokenService,
  identityRoutes,
  partnerRoutes,
  pruneFailures,
  reloadCustomRoles,
  staffAdminRoutes,
  startRoleRefresh,
  type TokenService,
} from './modules/identity/index.ts';
import { mailConsumer, notificationRoutes, playerMessages } from './modules/notifications/index.ts';
import { b2bRoutes } from './modules/partners/index.ts';
import { settlementRoutes, sweepResultedMarkets } from './modules/settlement/index.ts';
import {
  type PaymentProvider,
  reconcilePayments,
  sandboxProvider,
  walletRoutes,
} from './modules/wallet/index.ts';
import type { Config, ProcessRole } from './platform/config.ts';
import type { Db } from './platform/db/db.ts';
import { migrationStatus } from './platform/db/migrate.ts';
import { EventBus } from './platform/events/bus.ts';
import { type Relay, startRelay } from './platform/events/relay.ts';
import { createServer, type HttpServer } from './platform/http/server.ts';
import { pruneIdempotencyKeys } from './platform/idempotency.ts';
import { createMetrics, type Metrics } from './platform/observability/metrics.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const VERSION: string = JSON.parse(
  readFileSync(path.join(ROOT, 'package.json'), 'utf8'),
).version;

export const MOUNTS: Record<ProcessRole, { http: 'full' | 'ops'; worker: boolean }> = {
  all: { http: 'full', worker: true },
  api: { http: 'full', worker: false },
  // A worker still answers /healthz, /readyz and /metrics for its probes and scraper.
  worker: { http: 'ops', worker: true },
};

export interface App {
  config: Config;
  db: Db;
  http: HttpServer;
  bus: EventBus;
  relay: Relay | undefined;
  tokens: TokenService;
  metrics: Metrics;
  /** Runs the worker's periodic jobs once (tests call it instead of waiting). */
  runJobs(): Promise<void>;
  close(): Promise<void>;
}

export interface AppOptions {
  config: Config;
  db: Db;
  log: Logger;
  role?: ProcessRole;
  paymentProvider?: PaymentProvider;
  /** false: background loops do not start; tests drive `relay.drain()` and `runJobs()`. */
  background?: boolean;
}

const SWEEP_MS = 30_000;

export async function createApp(options: AppOptions): Promise<App> {
  const { config, db, log } = options;
  const role = options.role ?? config.role;
  const mounts = MOUNTS[role];
  const paymentProvider = options.paymentProvider ?? sandboxProvider;
  const metrics = createMetrics();
  const tokens = await createTokenService(db, {
    accessSeconds: config.accessTokenTtlSeconds,
    staffIdleSeconds: config.sessions.staff.idleSeconds,
  });

  const http = await createServer({
    log,
    metrics,
    version: VERSION,
    verifyToken: (token) => tokens.verify(token),
    verifyApiKey: createApiKeyVerifier(db),
    stepUpSeconds: config.stepUpSeconds,
    onDenied: auditDenied(db),
    async checkReady() {
      const status = await migrationStatus(db);
      if (status.pending.length > 0)
        throw new Error(`migrations pending: ${status.pending.join(', ')}`);
      if (status.changed.length > 0) {
        throw new Error(`migrations changed after they were applied: ${status.changed.join(', ')}`);
      }
    },
  });

  const background = options.background !== false;
  let roleRefresh: { stop(): Promise<void> } | undefined;

  if (mounts.http === 'full') {
    // Access tokens name roles; custom roles resolve from a copy in memory (see roles.ts).
    // Before the migrations ran, there is no table yet: /readyz says so, the refresh catches up.
    await reloadCustomRoles(db).catch((error) =>
      log.warn({ err: error }, 'custom roles not loaded; they grant nothing until they are'),
    );
    if (background) roleRefresh = startRoleRefresh(db, { log });
    identityRoutes(http, { db, config, tokens });
    staffAdminRoutes(http, { db, config });
    partnerRoutes(http, { db, config });
    await b2bRoutes(http, { db, config });
    walletRoutes(http, { db, config, paymentProvider });
    catalogRoutes(http, { db });
    bettingRoutes(http, { db, config, metrics });
    settlementRoutes(http, { db, metrics });
    notificationRoutes(http, { db });
    auditRoutes(http, { db });
    await http.register(fastifyStatic, { root: path.join(ROOT, 'web/player'), prefix: '/' });
  }

  const bus = new EventBus();
  let relay: Relay | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;

  const runJobs = async () => {
    const settled = await sweepResultedMarkets(db);
    if (settled.length > 0)
      log.warn({ bets: settled.length }, 'settlement sweep settled left-over bets');
    for (const bet of settled) metrics.betsSettled.inc({ status: bet.status });
    const reconciled = await reconcilePayments({ db, provider: paymentProvider });
    if (reconciled > 0)
      log.warn({ payments: reconciled }, 'reconciled payments whose answer was lost');
    await pruneIdempotencyKeys(db);
    await pruneFailures(db);
  };

  if (mounts.worker) {
    bus.consume(db, playerMessages);
    bus.consume(db, mailConsumer(config.publicUrl));
    bus.on('*', () => metrics.outboxPublished.inc());
    relay = startRelay({ db, bus, intervalMs: config.outboxPollMs, log, poll: background });
    if (background) {
      const tick = () => {
        runJobs()
          .catch((error) => log.error({ err: error }, 'worker jobs failed'))
          .finally(() => {
            sweepTimer = setTimeout(tick, SWEEP_MS);
          });
      };
      sweepTimer = setTimeout(tick, SWEEP_MS);
    }
  }

  return {
    config,
    db,
    http,
    bus,
    relay,
    tokens,
    metrics,
    runJobs,
    async close() {
      if (sweepTimer) clearTimeout(sweepTimer);
      await http.close();
      await relay?.stop();
      await roleRefresh?.stop();
    },
  };
}
