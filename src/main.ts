// The iBet command line.
//   start                 migrate, bootstrap the admin, seed demo data (if enabled), serve all
//   serve [--role R]      serve one process role (all | api | worker | realtime); migrations must be applied
//   migrate               apply pending migrations, bootstrap the admin (if configured), exit
//   seed                  seed demo data and exit
//   ledger:check          print the ledger invariant report; exit 1 if it does not hold
//   keys:rotate           sign access tokens with a new key (the previous one still verifies)
//   backup [--to D]       dump the database with a manifest to IBET_BACKUP_LOCATION or D
//   restore [--from M] [--force]  verify and restore a backup, then check rows and ledger
//   notifications:retry --id N | --all   requeue dead-lettered notifications
//   audit:verify [--archive]  verify the audit hash chains (and the signed archives); exit 1 if broken
//   config                print the environment variables iBet reads
import { parseArgs } from 'node:util';
import { createApp, VERSION } from './app.ts';
import { backup, restore } from './backup/index.ts';
import {
  openArchiveStore,
  parseSigningKey,
  verifyChains,
  verifyWithArchives,
} from './modules/audit/index.ts';
import { ensureAdmin, rotateSigningKey } from './modules/identity/index.ts';
import { requeueDeadLetters } from './modules/notifications/index.ts';
import { checkLedger } from './modules/wallet/index.ts';
import {
  type Config,
  ConfigError,
  loadConfig,
  type ProcessRole,
  variables,
} from './platform/config.ts';
import { lockDataDir } from './platform/db/data-dir-lock.ts';
import { migrate } from './platform/db/migrate.ts';
import { openDatabase } from './platform/db/open.ts';
import { unansweredListeners } from './platform/db/unanswered.ts';
import { createLogger } from './platform/observability/logger.ts';
import { startTracing } from './platform/observability/tracing.ts';
import { DEMO_ADMIN, DEMO_PLAYER, seedDemo } from './seed/demo.ts';

async function serve(config: Config, role: ProcessRole, prepare: boolean): Promise<void> {
  const log = createLogger(config.logLevel);
  // Before anything opens a socket or the database, so that every span has its provider.
  const tracing = await startTracing({
    ...config.tracing,
    attributes: { 'service.version': VERSION, 'ibet.role': role },
  });
  const releaseDataDir = config.databaseUrl ? () => {} : lockDataDir(config.dataDir);
  process.on('uncaughtException', (error) => {
    log.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
  unansweredListeners.add((event) =>
    log.warn(
      event,
      'the database did not answer in time; the request failed and the connection is dropped',
    ),
  );
  const db = await openDatabase(config);
  if (prepare) {
    const applied = await migrate(db);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
    if (
      config.admin &&
      (await ensureAdmin(
        db,
        { ...config.admin, totpSecret: config.adminTotpSecret },
        config.argon2,
      ))
    ) {
      log.info({ email: config.admin.email }, 'bootstrap admin created');
    }
    if (config.demo) await seedDemo(db, config);
  }
  const app = await createApp({ config, db, log, role });
  const address = await app.http.listen({ host: config.host, port: config.port });

  // Graceful stop: readiness fails at once; after IBET_SHUTDOWN_DELAY_SECONDS (load balancers
  // have stopped sending) the listener closes, requests in flight and running jobs finish,
  // then the database closes and the process exits 0. Past IBET_SHUTDOWN_GRACE_SECONDS it
  // exits 1 with the work unfinished (the orchestrator would SIGKILL it anyway).
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const started = performance.now();
    const { delaySeconds, graceSeconds } = config.shutdown;
    log.info({ signal, delaySeconds, graceSeconds }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error({ graceSeconds }, 'shutdown grace period over; exiting with work unfinished');
      releaseDataDir();
      process.exit(1);
    }, graceSeconds * 1000);
    try {
      app.beginShutdown();
      if (delaySeconds > 0)
        await new Promise((resolve) => setTimeout(resolve, delaySeconds * 1000));
      await app.close();
      await db.close();
      await tracing?.shutdown();
    } catch (error) {
      log.error({ err: error }, 'shutdown failed');
      releaseDataDir();
      process.exit(1);
    }
    clearTimeout(deadline);
    releaseDataDir();
    log.info({ seconds: Math.round(performance.now() - started) / 1000 }, 'stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const where = address.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://127.0.0.1');
  const lines = [
    '',
    `  iBet ${role === 'all' ? '' : `(${role}) `}is running on ${config.databaseUrl ? 'PostgreSQL' : `the embedded database in ${config.dataDir}`}`,
    '',
    `  Player site   ${where}/`,
    `  Back office   ${where}/backoffice/`,
    `  Partners      ${where}/partners/`,
    `  API docs      ${where}/api/docs`,
    `  Health        ${where}/healthz   ${where}/readyz   ${where}/metrics`,
  ];
  if (config.demo) {
    lines.push(
      '',
      `  Demo player   ${DEMO_PLAYER.email} / ${DEMO_PLAYER.password}`,
      `  Demo admin    ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password}   (POST /api/v1/staff/auth/login)`,
      `                TOTP secret ${DEMO_ADMIN.totpSecret} (add it to an authenticator app)`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      to: { type: 'string' },
      from: { type: 'string' },
      force: { type: 'boolean' },
      id: { type: 'string' },
      all: { type: 'boolean' },
      archive: { type: 'boolean' },
    },
  });
  const command = positionals[0] ?? 'start';
  if (command === 'config') {
    for (const v of variables)
      process.stdout.write(`${v.name}\n  ${v.description}\n  default: ${v.default}\n`);
    return 0;
  }
  const loaded = loadConfig();
  // One-off commands wait for long statements (a check of a big ledger) unless told otherwise.
  const config =
    command === 'start' || command === 'serve' || process.env.IBET_DATABASE_TIMEOUT_SECONDS
      ? loaded
      : { ...loaded, databaseTimeoutSeconds: 3600 };
  switch (command) {
    case 'start':
      await serve(config, 'all', true);
      return -1;
    case 'serve': {
      const role = (values.role ?? config.role) as ProcessRole;
      if (!['all', 'api', 'worker', 'realtime'].includes(role))
        throw new ConfigError('--role', 'expected all, api, worker or realtime');
      await serve({ ...config, role }, role, false);
      return -1;
    }
    case 'migrate': {
      const db = await openDatabase(config);
      const applied = await migrate(db);
      process.stdout.write(
        applied.length ? `applied ${applied.join(', ')}\n` : 'database is up to date\n',
      );
      // Where roles run apart (Kubernetes: a migration Job, then `serve --role`), this is the
      // one step that runs before them all: it bootstraps the admin as `start` does.
      if (
        config.admin &&
        (await ensureAdmin(
          db,
          { ...config.admin, totpSecret: config.adminTotpSecret },
          config.argon2,
        ))
      ) {
        process.stdout.write(`bootstrap admin ${config.admin.email} created\n`);
      }
      await db.close();
      return 0;
    }
    case 'seed': {
      const db = await openDatabase(config);
      await migrate(db);
      await seedDemo(db, config);
      await db.close();
      return 0;
    }
    case 'keys:rotate': {
      const db = await openDatabase(config);
      await migrate(db);
      process.stdout.write(`signing with key ${await rotateSigningKey(db)}\n`);
      await db.close();
      return 0;
    }
    case 'ledger:check': {
      const db = await openDatabase(config);
      const report = await checkLedger(db);
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      await db.close();
      return report.ok ? 0 : 1;
    }
    case 'backup': {
      const started = performance.now();
      const { manifest, manifestAt } = await backup(config, { to: values.to, version: VERSION });
      process.stdout.write(
        `${JSON.stringify(
          {
            manifest: manifestAt,
            file: manifest.file,
            sizeBytes: manifest.sizeBytes,
            sha256: manifest.sha256,
            seconds: Math.round(performance.now() - started) / 1000,
            ledgerOk: manifest.ledger.ok,
          },
          null,
          2,
        )}\n`,
      );
      return 0;
    }
    case 'restore': {
      const result = await restore(config, { from: values.from, force: values.force === true });
      process.stdout.write(
        `${JSON.stringify(
          {
            restored: result.manifest.file,
            takenAt: result.manifest.startedAt,
            seconds: Math.round(result.seconds * 1000) / 1000,
            verified: result.problems.length === 0,
            problems: result.problems,
          },
          null,
          2,
        )}\n`,
      );
      return result.problems.length === 0 ? 0 : 1;
    }
    case 'notifications:retry': {
      if (!values.id && !values.all)
        throw new ConfigError('--id', 'give --id <delivery id> or --all');
      if (values.id && !/^\d{1,18}$/.test(values.id))
        throw new ConfigError('--id', 'expected a delivery id');
      const db = await openDatabase(config);
      const requeued = await requeueDeadLetters(db, values.id ? { id: values.id } : { all: true });
      process.stdout.write(`requeued ${requeued} notification(s)\n`);
      await db.close();
      return 0;
    }
    case 'audit:verify': {
      const db = await openDatabase(config);
      let report: Awaited<ReturnType<typeof verifyChains>>;
      if (values.archive) {
        if (!config.audit.signingKey)
          throw new ConfigError('IBET_AUDIT_SIGNING_KEY', 'needed to verify the audit archives');
        report = await verifyWithArchives(
          db,
          openArchiveStore(config.audit.archiveLocation, config.notifications.aws),
          parseSigningKey(config.audit.signingKey),
        );
      } else {
        report = await verifyChains(db);
      }
      await db.close();
      const { chains: _chains, ...summary } = report;
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      if (!report.ok) {
        const first = report.broken[0]!;
        process.stderr.write(
          `audit chain broken: chain ${first.chain} at link ${first.seq}${first.eventId ? ` (record ${first.eventId})` : ''}: ${first.reason}: ${first.detail}\n`,
        );
      }
      return report.ok ? 0 : 1;
    }
    default:
      process.stderr.write(
        `unknown command "${command}"; try start, serve, migrate, seed, ledger:check, keys:rotate, backup, restore, notifications:retry, audit:verify, config\n`,
      );
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`iBet cannot start: invalid configuration: ${error.message}\n`);
      process.exit(78);
    }
    process.stderr.write(
      `iBet failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
