// Wires the modules into a running process for a role: `api` serves HTTP, `worker` relays
// the outbox and runs background jobs, `all` (the embedded default) does both.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { affiliateRoutes, draftDueStatements } from './modules/affiliates/index.ts';
import { amlConsumer, amlRoutes } from './modules/aml/index.ts';
import {
  archiveAudit,
  auditRoutes,
  openArchiveStore,
  openAuditScopes,
  parseSigningKey,
} from './modules/audit/index.ts';
import {
  type BettingWorker,
  bettingRoutes,
  pruneCashOutQuotes,
  runBettingJobs,
  startBettingWorker,
  suspensionRejectsPendingBets,
} from './modules/betting/index.ts';
import { catalogRoutes, startCatalogueCache } from './modules/catalog/index.ts';
import {
  auditRefusals,
  complianceJobs,
  complianceRoutes,
  setUpCompliance,
} from './modules/compliance/index.ts';
import {
  connectProvider,
  createFeedMetrics,
  createSimulator,
  type FeedProvider,
} from './modules/feed/index.ts';
import { historyRoutes } from './modules/history/index.ts';
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
import {
  type NotificationsWorker,
  notificationRoutes,
  playerMessages,
  startNotificationsWorker,
} from './modules/notifications/index.ts';
import { b2bRoutes } from './modules/partners/index.ts';
import {
  depositBonuses,
  forfeitOnWithdrawal,
  loyaltyPoints,
  promotionJobs,
  promotionRoutes,
} from './modules/promotions/index.ts';
import {
  createRealtimeMetrics,
  type Realtime,
  realtimePublisher,
  startRealtime,
} from './modules/realtime/index.ts';
import { reportingRoutes } from './modules/reporting/index.ts';
import { settlementRoutes, sweepResultedMarkets } from './modules/settlement/index.ts';
import { supportRoutes } from './modules/support/index.ts';
import {
  checkLedger,
  type PaymentProvider,
  reconcilePayments,
  sandboxProvider,
  walletRoutes,
} from './modules/wallet/index.ts';
import {
  pruneDeliveries,
  startWebhookDispatcher,
  type WebhookDispatcher,
  webhookRoutes,
  webhooksConsumer,
} from './modules/webhooks/index.ts';
import { registerWorkerMetrics } from './operations.ts';
import { type Config, ConfigError, type ProcessRole } from './platform/config.ts';
import { admitDb } from './platform/db/admission.ts';
import type { Db } from './platform/db/db.ts';
import { instrumentDb } from './platform/db/instrument.ts';
import { migrationStatus } from './platform/db/migrate.ts';
import { EventBus } from './platform/events/bus.ts';
import { createMemoryFanOut, type FanOut } from './platform/events/fanout.ts';
import { listenForOutbox } from './platform/events/notify.ts';
import { createRedisFanOut } from './platform/events/redis-fanout.ts';
import { type Relay, startRelay } from './platform/events/relay.ts';
import { createServer, type HttpServer } from './platform/http/server.ts';
import { serveWeb } from './platform/http/web.ts';
import { pruneIdempotencyKeys } from './platform/idempotency.ts';
import { type Job, startScheduler } from './platform/jobs.ts';
import { createMetrics, type Metrics } from './platform/observability/metrics.ts';
import { tracedConsumer } from './platform/observability/tracing.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const VERSION: string = JSON.parse(
  readFileSync(path.join(ROOT, 'package.json'), 'utf8'),
).version;

export const MOUNTS: Record<
  ProcessRole,
  { http: 'full' | 'ops'; worker: boolean; realtime: boolean }
> = {
  all: { http: 'full', worker: true, realtime: true },
  api: { http: 'full', worker: false, realtime: false },
  // A worker still answers /healthz, /readyz and /metrics for its probes and scraper.
  worker: { http: 'ops', worker: true, realtime: false },
  // The WebSocket gateway (/ws), fed through Redis by the workers' outbox relay.
  realtime: { http: 'ops', worker: false, realtime: true },
};

export interface App {
  config: Config;
  db: Db;
  http: HttpServer;
  bus: EventBus;
  relay: Relay | undefined;
  /** Realtime fan-out (Redis with REDIS_URL, else in-process) and the /ws gateway. */
  fanout: FanOut | undefined;
  realtime: Realtime | undefined;
  tokens: TokenService;
  metrics: Metrics;
  /** The notifications worker (worker roles): `dispatcher.runOnce()` sends what is due. */
  notifications: NotificationsWorker | undefined;
  /** The partner-webhook sender (worker roles): `runOnce()` sends what is due. */
  webhooks: WebhookDispatcher | undefined;
  /** Runs the worker's periodic jobs once (tests call it instead of waiting). */
  runJobs(): Promise<void>;
  /** First step of a graceful stop: /readyz answers 503 so that traffic moves elsewhere. */
  beginShutdown(): void;
  /** Stops accepting, lets in-flight requests and jobs finish, stops the background loops. */
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

export async function createApp(options: AppOptions): Promise<App> {
  const { config, log } = options;
  const role = options.role ?? config.role;
  const mounts = MOUNTS[role];
  const paymentProvider = options.paymentProvider ?? sandboxProvider;
  const metrics = createMetrics({ info: { version: VERSION, role, engine: options.db.engine } });
  // Statement and transaction metrics (and spans, with tracing on) for everything below.
  const instrumented = instrumentDb(options.db, { metrics });
  const observeWait = (ms: number) => metrics.dbPoolWait.observe(ms / 1000);
  options.db.gate.onWait.add(observeWait);
  // Past IBET_DATABASE_QUEUE_LIMIT waiting operations, requests are refused (429 overloaded)
  // instead of queued; work outside requests is not (db/admission.ts).
  const db = admitDb(instrumented, {
    queueLimit: config.databaseQueueLimit,
    onShed: () => metrics.dbRequestsShed.inc(),
  });
  let shuttingDown = false;
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
    trustedProxies: config.trustedProxies,
    shedding: config.databaseQueueLimit > 0,
    onDenied: auditDenied(db),
    async checkReady() {
      if (shuttingDown) throw new Error('shutting down');
      const status = await migrationStatus(instrumented);
      if (status.pending.length > 0)
        throw new Error(`migrations pending: ${status.pending.join(', ')}`);
      if (status.changed.length > 0) {
        throw new Error(`migrations changed after they were applied: ${status.changed.join(', ')}`);
      }
    },
  });

  // While draining, every answer closes its connection: clients reconnect (to another
  // process) instead of sending their next request on a keep-alive socket the server is about
  // to close, which would reset it unanswered (the fault suite's scenario 9 saw ECONNRESET).
  http.addHook('onSend', async (_request, reply, payload) => {
    if (shuttingDown) reply.header('connection', 'close');
    return payload;
  });

  const background = options.background !== false;
  let roleRefresh: { stop(): Promise<void> } | undefined;
  let stopCatalogueCache: (() => Promise<void>) | undefined;

  // Audit archives: signed files in object storage (archiving is off without a signing key).
  const auditArchive = config.audit.signingKey
    ? {
        store: openArchiveStore(config.audit.archiveLocation, config.notifications.aws),
        signer: parseSigningKey(config.audit.signingKey),
      }
    : undefined;

  if (mounts.http === 'full') {
    // Access tokens name roles; custom roles resolve from a copy in memory (see roles.ts).
    // Before the migrations ran, there is no table yet: /readyz says so, the refresh catches up.
    await reloadCustomRoles(db).catch((error) =>
      log.warn({ err: error }, 'custom roles not loaded; they grant nothing until they are'),
    );
    if (background) roleRefresh = startRoleRefresh(db, { log });
    openAuditScopes(http);
    // Responsible gambling and KYC: the jurisdiction's age and the national register at
    // registration and sign-in; refusals of its rules are audited.
    const compliance = setUpCompliance(config);
    auditRefusals(http, db);
    identityRoutes(http, { db, config, tokens, gate: compliance.gate });
    staffAdminRoutes(http, { db, config });
    partnerRoutes(http, { db, config });
    await b2bRoutes(http, { db, config });
    affiliateRoutes(http, { db, config });
    webhookRoutes(http, { db, config });
    walletRoutes(http, { db, config, paymentProvider });
    // Public catalogue reads from memory in API processes (catalog/cache.ts).
    const catalogue = await startCatalogueCache({
      http,
      db: options.db,
      ttlMs: config.catalogueCacheMs ?? (role === 'api' ? 1000 : 0),
      log,
    });
    stopCatalogueCache = catalogue.stop;
    catalogRoutes(http, { db, cache: catalogue.cache });
    bettingRoutes(http, { db, config, metrics });
    settlementRoutes(http, { db, metrics });
    promotionRoutes(http, { db });
    notificationRoutes(http, { db });
    await complianceRoutes(http, { db, config, store: compliance.store });
    auditRoutes(http, { db, archive: auditArchive });
    amlRoutes(http, { db });
    historyRoutes(http, { db });
    supportRoutes(http, { db });
    reportingRoutes(http, { db, config, registry: metrics.registry });
    // The player site, back office and partner portal (built by `npm run build:web`).
    await serveWeb(http, { root: path.join(ROOT, 'web/dist'), log });
  }

  const bus = new EventBus();
  // Realtime: a gateway where clients connect, a publisher where the relay runs, and the
  // fan-out between them (in-process only works when both are in this process).
  if (mounts.realtime && !mounts.worker && !config.redisUrl) {
    throw new ConfigError('REDIS_URL', `role ${role} receives realtime messages through Redis`);
  }
  const publishes = mounts.worker && (mounts.realtime || config.redisUrl !== undefined);
  const realtimeMetrics =
    mounts.realtime || publishes ? createRealtimeMetrics(metrics.registry) : undefined;
  let fanout: FanOut | undefined;
  if (realtimeMetrics) {
    const bufferSize = config.realtime.resumeBuffer;
    fanout = config.redisUrl
      ? await createRedisFanOut({
          url: config.redisUrl,
          prefix: config.redisPrefix,
          bufferSize,
          log,
        })
      : createMemoryFanOut({ bufferSize });
  }
  let realtime: Realtime | undefined;
  if (mounts.realtime && fanout && realtimeMetrics) {
    realtime = startRealtime({
      http,
      db,
      fanout,
      verifyToken: (token) => tokens.verify(token),
      verifyApiKey: createApiKeyVerifier(db),
      config: config.realtime,
      metrics: realtimeMetrics,
      log,
    });
  }
  if (publishes && fanout && realtimeMetrics) {
    bus.onBatch(realtimePublisher({ db, fanout, metrics: realtimeMetrics }));
  }
  let stopListening: (() => Promise<void>) | undefined;
  let simulator: FeedProvider | undefined;
  let relay: Relay | undefined;
  let notifications: NotificationsWorker | undefined;
  let webhooks: WebhookDispatcher | undefined;
  const beginShutdown = () => {
    shuttingDown = true;
    metrics.draining.set(1);
    realtime?.beginDrain();
  };

  // Periodic jobs, shared by every worker process through platform.jobs (see platform/jobs.ts).
  const jobs: Job[] = [
    {
      name: 'settlement.sweep',
      everySeconds: 30,
      async run() {
        const settled = await sweepResultedMarkets(db);
        if (settled.length > 0)
          log.warn({ bets: settled.length }, 'settlement sweep settled left-over bets');
        for (const bet of settled) metrics.betsSettled.inc({ status: bet.status });
        metrics.settlementSweepBets.inc(settled.length);
      },
    },
    {
      name: 'wallet.reconcile-payments',
      everySeconds: 30,
      async run() {
        const reconciled = await reconcilePayments({ db, provider: paymentProvider });
        if (reconciled > 0)
          log.warn({ payments: reconciled }, 'reconciled payments whose answer was lost');
      },
    },
    {
      name: 'platform.prune-idempotency-keys',
      everySeconds: 3600,
      async run() {
        await pruneIdempotencyKeys(db);
      },
    },
    {
      name: 'identity.prune-failures',
      everySeconds: 3600,
      async run() {
        await pruneFailures(db);
      },
    },
    {
      // Pending in-play bets and auto cash outs (a faster loop runs them too; see below).
      name: 'betting.pending-bets-and-cash-outs',
      everySeconds: 30,
      async run() {
        await runBettingJobs(db, config);
        await pruneCashOutQuotes(db);
      },
    },
    {
      name: 'audit.archive',
      everySeconds: config.audit.archiveEverySeconds,
      leaseSeconds: 1800,
      async run() {
        if (!auditArchive) return;
        const archived = await archiveAudit({
          db,
          ...auditArchive,
          retentionDays: config.audit.retentionDays,
        });
        if (archived.records > 0)
          log.info({ files: archived.files.length, records: archived.records }, 'audit archived');
      },
    },
    {
      name: 'webhooks.prune-deliveries',
      everySeconds: 3600,
      async run() {
        await pruneDeliveries(db);
      },
    },
    {
      name: 'wallet.ledger-check',
      everySeconds: config.ledgerCheckSeconds,
      async run() {
        const report = await checkLedger(db);
        metrics.ledgerCheckOk.set(report.ok ? 1 : 0);
        metrics.ledgerCheckTimestamp.set(Date.now() / 1000);
        if (!report.ok) log.error({ report }, 'the ledger check fails');
      },
    },
    {
      // Last month's commission statements, drafted for staff to review once the month is over.
      name: 'affiliates.monthly-statements',
      everySeconds: 3600,
      async run() {
        const drafted = await draftDueStatements(db);
        if (drafted.length > 0) log.info({ statements: drafted.length }, 'statements drafted');
      },
    },
    // Limit loosenings after their cooling-off, reality checks, session time limits.
    ...complianceJobs(db),
    ...promotionJobs(db, 60),
  ];
  const scheduler = startScheduler({
    db,
    jobs,
    log,
    metrics,
    poll: mounts.worker && background,
  });
  const runJobs = () => scheduler.runAll();

  let bettingWorker: BettingWorker | undefined;
  if (mounts.worker) {
    bus.consume(db, tracedConsumer(playerMessages));
    // AML thresholds on deposits, withdrawals and stakes (flags for the risk team).
    bus.consume(db, tracedConsumer(amlConsumer(config.aml)));
    // A suspended market rejects its pending in-play bets (stakes returned).
    bus.consume(db, suspensionRejectsPendingBets);
    // Promotions: deposit bonuses, forfeit on withdrawal, loyalty points on settled bets.
    bus.consume(db, tracedConsumer(depositBonuses));
    bus.consume(db, tracedConsumer(forfeitOnWithdrawal));
    bus.consume(db, tracedConsumer(loyaltyPoints));
    if (background) bettingWorker = startBettingWorker({ db, config, log });
    // Mail (and SMS/push) from events: queued in the relay's transaction, sent by a dispatcher.
    notifications = startNotificationsWorker({ db, config, log, metrics, background });
    bus.consume(db, tracedConsumer(notifications.consumer));
    // Partner webhooks: deliveries queued in the relay's transaction, sent by their own worker.
    bus.consume(db, tracedConsumer(webhooksConsumer));
    webhooks = startWebhookDispatcher({
      db,
      config: config.webhooks,
      log,
      metrics,
      poll: background,
    });
    registerWorkerMetrics({ db, bus, metrics, config });
    relay = startRelay({ db, bus, intervalMs: config.outboxPollMs, log, poll: background });
    if (background) {
      // Catalogue commits wake the relay at once (prices reach clients without a poll's wait).
      const awake = relay;
      stopListening = await listenForOutbox(options.db, () => awake.wake(), log);
      // Live matches for the embedded demo (or wherever IBET_SIMULATOR=true: one process only).
      if (config.simulator.enabled) {
        simulator = connectProvider(
          {
            db,
            marginBps: config.feedMarginBps,
            log,
            metrics: createFeedMetrics(metrics.registry),
          },
          createSimulator({ db, ...config.simulator, log: log.child({ module: 'simulator' }) }),
        );
      }
    }
  }

  return {
    config,
    db,
    http,
    bus,
    relay,
    fanout,
    realtime,
    tokens,
    metrics,
    notifications,
    webhooks,
    runJobs,
    beginShutdown,
    async close() {
      beginShutdown();
      await simulator?.stop();
      // WebSocket clients are told to reconnect elsewhere before the listener closes.
      await realtime?.close();
      // Stops listening and waits for the requests in flight (new requests on kept-alive
      // connections are answered 503 with Connection: close).
      await http.close();
      // No new scheduled job starts; the one running finishes.
      await scheduler.stop();
      await bettingWorker?.stop();
      await stopListening?.();
      await stopCatalogueCache?.();
      await relay?.stop();
      await notifications?.dispatcher.stop();
      await webhooks?.stop();
      await roleRefresh?.stop();
      await fanout?.close();
      options.db.gate.onWait.delete(observeWait);
    },
  };
}
