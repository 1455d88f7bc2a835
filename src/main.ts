// The iBet command line.
//   start                 migrate, bootstrap the admin, seed demo data (if enabled), serve all
//   serve [--role R]      serve one process role (all | api | worker); migrations must be applied
//   migrate               apply pending migrations and exit
//   seed                  seed demo data and exit
//   ledger:check          print the ledger invariant report; exit 1 if it does not hold
//   keys:rotate           sign access tokens with a new key (the previous one still verifies)
//   config                print the environment variables iBet reads
import { parseArgs } from 'node:util';
import { createApp } from './app.ts';
import { ensureAdmin, rotateSigningKey } from './modules/identity/index.ts';
import { checkLedger } from './modules/wallet/index.ts';
import {
  type Config,
  ConfigError,
  loadConfig,
  type ProcessRole,
  variables,
} from './platform/config.ts';
import { migrate } from './platform/db/migrate.ts';
import { openDatabase } from './platform/db/open.ts';
import { createLogger } from './platform/observability/logger.ts';
import { DEMO_ADMIN, DEMO_PLAYER, seedDemo } from './seed/demo.ts';

async function serve(config: Config, role: ProcessRole, prepare: boolean): Promise<void> {
  const log = createLogger(config.logLevel);
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

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await app.close();
    await db.close();
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
    options: { role: { type: 'string' } },
  });
  const command = positionals[0] ?? 'start';
  if (command === 'config') {
    for (const v of variables)
      process.stdout.write(`${v.name}\n  ${v.description}\n  default: ${v.default}\n`);
    return 0;
  }
  const config = loadConfig();
  switch (command) {
    case 'start':
      await serve(config, 'all', true);
      return -1;
    case 'serve': {
      const role = (values.role ?? config.role) as ProcessRole;
      if (!['all', 'api', 'worker'].includes(role))
        throw new ConfigError('--role', 'expected all, api or worker');
      await serve({ ...config, role }, role, false);
      return -1;
    }
    case 'migrate': {
      const db = await openDatabase(config);
      const applied = await migrate(db);
      process.stdout.write(
        applied.length ? `applied ${applied.join(', ')}\n` : 'database is up to date\n',
      );
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
    default:
      process.stderr.write(
        `unknown command "${command}"; try start, serve, migrate, seed, ledger:check, keys:rotate, config\n`,
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
