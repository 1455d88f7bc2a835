import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, variables } from './config.ts';

/** Runs loadConfig and returns the ConfigError it throws. */
function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

const ADMIN_PASSWORD = 'fifteen chars ok';

describe('configuration', () => {
  it('runs on the embedded database with demo data and documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: undefined,
      databasePoolSize: 16,
      databaseTimeoutSeconds: 10,
      databaseQueueLimit: 0,
      dataDir: path.resolve('./data'),
      host: '127.0.0.1',
      port: 3000,
      role: 'all',
      logLevel: 'info',
      demo: true,
      admin: undefined,
      accessTokenTtlSeconds: 900,
      sessions: {
        player: { idleSeconds: 604_800, maxSeconds: 2_592_000 },
        staff: { idleSeconds: 900, maxSeconds: 43_200 },
      },
      stepUpSeconds: 300,
      argon2: { memoryCost: 19_456, timeCost: 2, parallelism: 1 },
      throttle: { accountPerHour: 100, staffPerHour: 20, ipPerHour: 300 },
      adminTotpSecret: undefined,
      publicUrl: 'http://127.0.0.1:3000',
      currencies: ['EUR', 'GBP', 'USD', 'SEK', 'NOK', 'DKK', 'PLN', 'CHF'],
      limits: {
        minStake: 10n,
        maxStake: 1_000_000n,
        maxPayout: 100_000_000n,
        minDeposit: 100n,
        maxDeposit: 10_000_000n,
        minWithdrawal: 100n,
      },
      outboxPollMs: 250,
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', IBET_DEMO: '', DATABASE_URL: '', LOG_LEVEL: '' })).toEqual(
      loadConfig({}),
    );
  });

  it('gives the worker a longer database timeout than the processes players wait on', () => {
    expect(loadConfig({}).databaseTimeoutSeconds).toBe(10);
    expect(loadConfig({ IBET_ROLE: 'api' }).databaseTimeoutSeconds).toBe(10);
    expect(loadConfig({ IBET_ROLE: 'worker' }).databaseTimeoutSeconds).toBe(120);
    expect(
      loadConfig({ IBET_ROLE: 'worker', IBET_DATABASE_TIMEOUT_SECONDS: '30' })
        .databaseTimeoutSeconds,
    ).toBe(30);
  });

  it('sheds load at the database queue only when a limit is set', () => {
    expect(loadConfig({}).databaseQueueLimit).toBe(0);
    expect(
      loadConfig({ IBET_ROLE: 'api', IBET_DATABASE_QUEUE_LIMIT: '64' }).databaseQueueLimit,
    ).toBe(64);
    expect(() => loadConfig({ IBET_DATABASE_QUEUE_LIMIT: '-1' })).toThrow(
      /IBET_DATABASE_QUEUE_LIMIT/,
    );
  });

  it('turns demo data off by default when DATABASE_URL is set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://ibet@db.internal:5432/ibet' });
    expect(config.databaseUrl).toBe('postgres://ibet@db.internal:5432/ibet');
    expect(config.demo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/ibet', IBET_DEMO: 'yes' }).demo).toBe(true);
  });

  it.each([
    ['true', true],
    ['1', true],
    ['ON', true],
    ['false', false],
    ['0', false],
    ['No', false],
  ])('reads IBET_DEMO=%s as %s', (value, expected) => {
    expect(loadConfig({ IBET_DEMO: value }).demo).toBe(expected);
  });

  it('reads the other variables', () => {
    const config = loadConfig({
      IBET_DATABASE_POOL_SIZE: '4',
      IBET_DATABASE_TIMEOUT_SECONDS: '30',
      IBET_DATA_DIR: '/var/lib/ibet',
      HOST: '0.0.0.0',
      PORT: '8080',
      IBET_ROLE: 'worker',
      LOG_LEVEL: 'debug',
      IBET_ADMIN_EMAIL: 'root@example.com',
      IBET_ADMIN_PASSWORD: ADMIN_PASSWORD,
      IBET_ACCESS_TOKEN_TTL: '60',
      IBET_PLAYER_SESSION_IDLE: '3600',
      IBET_STAFF_SESSION_MAX: '7200',
      IBET_ADMIN_TOTP_SECRET: 'jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp',
      IBET_PUBLIC_URL: 'https://bet.example.com/',
      IBET_CURRENCIES: 'eur, usd,EUR',
      IBET_TRUSTED_PROXIES: '10.0.0.0/16, 2600:9000::/28,192.0.2.10',
      IBET_MIN_STAKE: '50',
      IBET_MAX_STAKE: '500',
      IBET_OUTBOX_POLL_MS: '1000',
    });
    expect(config).toMatchObject({
      databasePoolSize: 4,
      databaseTimeoutSeconds: 30,
      dataDir: '/var/lib/ibet',
      host: '0.0.0.0',
      port: 8080,
      role: 'worker',
      logLevel: 'debug',
      admin: { email: 'root@example.com', password: ADMIN_PASSWORD },
      accessTokenTtlSeconds: 60,
      sessions: {
        player: { idleSeconds: 3600, maxSeconds: 2_592_000 },
        staff: { idleSeconds: 900, maxSeconds: 7200 },
      },
      adminTotpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
      publicUrl: 'https://bet.example.com',
      currencies: ['EUR', 'USD'],
      trustedProxies: ['10.0.0.0/16', '2600:9000::/28', '192.0.2.10'],
      outboxPollMs: 1000,
    });
    expect(config.limits).toMatchObject({ minStake: 50n, maxStake: 500n });
  });

  it.each([
    ['PORT', { PORT: 'http' }],
    ['PORT', { PORT: '65536' }],
    ['PORT', { PORT: '-1' }],
    ['PORT', { PORT: '80.5' }],
    ['IBET_DATABASE_POOL_SIZE', { IBET_DATABASE_POOL_SIZE: '0' }],
    ['IBET_DATABASE_TIMEOUT_SECONDS', { IBET_DATABASE_TIMEOUT_SECONDS: '0' }],
    ['IBET_DEMO', { IBET_DEMO: 'maybe' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://root@localhost/ibet' }],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'INFO' }],
    ['IBET_ROLE', { IBET_ROLE: 'gateway' }],
    ['REDIS_URL', { REDIS_URL: 'http://127.0.0.1:6379' }],
    ['IBET_REDIS_PREFIX', { IBET_REDIS_PREFIX: 'has spaces' }],
    ['IBET_WS_MAX_BUFFER', { IBET_WS_MAX_BUFFER: '10' }],
    ['IBET_FEED_MARGIN_BPS', { IBET_FEED_MARGIN_BPS: '-5' }],
    ['IBET_ADMIN_PASSWORD', { IBET_ADMIN_EMAIL: 'root@example.com' }],
    ['IBET_ADMIN_EMAIL', { IBET_ADMIN_PASSWORD: ADMIN_PASSWORD }],
    ['IBET_ADMIN_EMAIL', { IBET_ADMIN_EMAIL: 'root', IBET_ADMIN_PASSWORD: ADMIN_PASSWORD }],
    [
      'IBET_ADMIN_PASSWORD',
      { IBET_ADMIN_EMAIL: 'root@example.com', IBET_ADMIN_PASSWORD: 'fourteen chars' },
    ],
    ['IBET_ACCESS_TOKEN_TTL', { IBET_ACCESS_TOKEN_TTL: '901' }],
    ['IBET_ACCESS_TOKEN_TTL', { IBET_ACCESS_TOKEN_TTL: '29' }],
    ['IBET_PLAYER_SESSION_IDLE', { IBET_PLAYER_SESSION_IDLE: '59' }],
    ['IBET_ACCESS_TOKEN_TTL', { IBET_ACCESS_TOKEN_TTL: '900', IBET_STAFF_SESSION_IDLE: '600' }],
    ['IBET_ARGON2_MEMORY_KIB', { IBET_ARGON2_MEMORY_KIB: '1024' }],
    ['IBET_ADMIN_TOTP_SECRET', { IBET_ADMIN_TOTP_SECRET: 'JBSWY3DPEHPK3PXP' }],
    [
      'IBET_ADMIN_TOTP_SECRET',
      {
        IBET_ADMIN_EMAIL: 'root@example.com',
        IBET_ADMIN_PASSWORD: ADMIN_PASSWORD,
        IBET_ADMIN_TOTP_SECRET: 'not base32 at all 0189!!!!!!!!',
      },
    ],
    [
      'IBET_ADMIN_TOTP_SECRET',
      {
        IBET_ADMIN_EMAIL: 'root@example.com',
        IBET_ADMIN_PASSWORD: ADMIN_PASSWORD,
        // 26 characters whose last one carries bits past the 16th byte: not what apps read.
        IBET_ADMIN_TOTP_SECRET: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      },
    ],
    ['IBET_PUBLIC_URL', { IBET_PUBLIC_URL: 'ftp://example.com' }],
    ['IBET_MAX_PAYOUT', { IBET_MAX_PAYOUT: '100', IBET_MAX_STAKE: '1000' }],
    ['IBET_TRUSTED_PROXIES', { IBET_TRUSTED_PROXIES: '10.0.0.0/33' }],
    ['IBET_TRUSTED_PROXIES', { IBET_TRUSTED_PROXIES: 'load-balancer.internal' }],
    ['IBET_CURRENCIES', { IBET_CURRENCIES: 'EUR,XXY' }],
    ['IBET_CURRENCIES', { IBET_CURRENCIES: 'EUR,' }],
    ['IBET_CURRENCIES', { IBET_CURRENCIES: 'EURO' }],
    ['IBET_MIN_STAKE', { IBET_MIN_STAKE: '0' }],
    ['IBET_MIN_STAKE', { IBET_MIN_STAKE: '1.50' }],
    ['IBET_MAX_STAKE', { IBET_MAX_STAKE: '1e6' }],
    ['IBET_MAX_PAYOUT', { IBET_MAX_PAYOUT: '1234567890123456' }],
    ['IBET_MIN_STAKE', { IBET_MIN_STAKE: '501', IBET_MAX_STAKE: '500' }],
    ['IBET_MIN_DEPOSIT', { IBET_MIN_DEPOSIT: '1000', IBET_MAX_DEPOSIT: '999' }],
    ['IBET_OUTBOX_POLL_MS', { IBET_OUTBOX_POLL_MS: '5' }],
  ])('refuses an invalid %s, naming it', (variable, env) => {
    const error = refusal(env);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('quotes the offending value so the operator can find it', () => {
    expect(refusal({ LOG_LEVEL: 'verbose' }).message).toContain('"verbose"');
    expect(refusal({ IBET_CURRENCIES: 'EUR,XXY' }).message).toContain('"XXY"');
  });

  it('accepts a 15-character admin password counted in characters', () => {
    const password = '🔑'.repeat(15);
    const config = loadConfig({
      IBET_ADMIN_EMAIL: 'root@example.com',
      IBET_ADMIN_PASSWORD: password,
    });
    expect(config.admin?.password).toBe(password);
  });

  it('documents every variable exactly once', () => {
    const names = variables.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    for (const v of variables) {
      expect(v.description.trim().length, v.name).toBeGreaterThan(0);
      expect(v.default.length, v.name).toBeGreaterThan(0);
    }
  });

  it('reads only variables it documents', () => {
    // Every variable loadConfig looks at is in `variables`: record what it reads.
    const read = new Set<string>();
    const env = new Proxy({} as Record<string, string | undefined>, {
      get(_target, name) {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
    });
    loadConfig(env);
    const documented = new Set(variables.map((v) => v.name));
    expect([...read].filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented].filter((name) => !read.has(name))).toEqual([]);
  });

  it('lists every variable in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const missing = variables
      .map((v) => v.name)
      .filter((name) => !new RegExp(`(^|[^A-Z0-9_])${name}($|[^A-Z0-9_])`).test(readme));
    expect(missing, 'variables the README does not mention').toEqual([]);
  });
});
