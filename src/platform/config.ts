// Configuration is read from the environment once, at start-up, into one typed object.
// Every variable is declared here with its documentation; an invalid value stops the
// process with a message naming the variable (see `ConfigError`).
import path from 'node:path';
import { base32nopad } from '@scure/base';

export type ProcessRole = 'all' | 'api' | 'worker';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  /** PostgreSQL connection string; undefined means the embedded PGlite database. */
  databaseUrl: string | undefined;
  databasePoolSize: number;
  dataDir: string;
  host: string;
  port: number;
  role: ProcessRole;
  logLevel: LogLevel;
  demo: boolean;
  admin: { email: string; password: string } | undefined;
  accessTokenTtlSeconds: number;
  /** Idle and absolute lifetimes of a sign-in, per kind of account (staff stricter). */
  sessions: {
    player: { idleSeconds: number; maxSeconds: number };
    staff: { idleSeconds: number; maxSeconds: number };
  };
  /** How recent a second-factor proof must be for sensitive actions. */
  stepUpSeconds: number;
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  /** Failed sign-ins allowed per hour: per account, per staff account, per IP address. */
  throttle: { accountPerHour: number; staffPerHour: number; ipPerHour: number };
  /** Base32 TOTP secret given to the bootstrap admin (automated installs). */
  adminTotpSecret: string | undefined;
  /** Where players reach the site; links in mail point here. */
  publicUrl: string;
  currencies: string[];
  limits: {
    minStake: bigint;
    maxStake: bigint;
    maxPayout: bigint;
    minDeposit: bigint;
    maxDeposit: bigint;
    minWithdrawal: bigint;
  };
  outboxPollMs: number;
  /** Requests a minute one partner API key may make to the B2B routes. */
  apiKeyRateLimit: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

interface Variable {
  name: string;
  description: string;
  default: string;
}

/** Every environment variable iBet reads, for the README and `ibet config`. */
export const variables: Variable[] = [
  {
    name: 'DATABASE_URL',
    description:
      'PostgreSQL connection string (postgres://user:pass@host:5432/db). Unset: the embedded PGlite database in IBET_DATA_DIR.',
    default: '(unset: embedded)',
  },
  {
    name: 'IBET_DATABASE_POOL_SIZE',
    description: 'Connections in the PostgreSQL pool per process.',
    default: '16',
  },
  {
    name: 'IBET_DATA_DIR',
    description: 'Where the embedded database keeps its files.',
    default: './data',
  },
  { name: 'HOST', description: 'Interface the HTTP server listens on.', default: '127.0.0.1' },
  { name: 'PORT', description: 'HTTP port.', default: '3000' },
  {
    name: 'IBET_ROLE',
    description: 'Process role for `serve`: all, api or worker (see ARCHITECTURE).',
    default: 'all',
  },
  {
    name: 'LOG_LEVEL',
    description: 'fatal, error, warn, info, debug, trace or silent.',
    default: 'info',
  },
  {
    name: 'IBET_DEMO',
    description:
      'Seed demo data (sports, events with prices, a demo player and admin) on start: true or false.',
    default: 'true when embedded, false with DATABASE_URL',
  },
  {
    name: 'IBET_ADMIN_EMAIL',
    description: 'Creates this admin on start if no account has the address. Needs the password.',
    default: '(unset)',
  },
  {
    name: 'IBET_ADMIN_PASSWORD',
    description: 'Password of the bootstrap admin (at least 15 characters).',
    default: '(unset)',
  },
  {
    name: 'IBET_ACCESS_TOKEN_TTL',
    description: 'Lifetime of access tokens, in seconds (at most 900).',
    default: '900',
  },
  {
    name: 'IBET_PLAYER_SESSION_IDLE',
    description: 'A player or partner sign-in ends after this many seconds without a refresh.',
    default: '604800 (7 days)',
  },
  {
    name: 'IBET_PLAYER_SESSION_MAX',
    description: 'A player or partner sign-in ends this many seconds after it began.',
    default: '2592000 (30 days)',
  },
  {
    name: 'IBET_STAFF_SESSION_IDLE',
    description: 'A staff sign-in ends after this many seconds without a refresh.',
    default: '900 (15 minutes)',
  },
  {
    name: 'IBET_STAFF_SESSION_MAX',
    description: 'A staff sign-in ends this many seconds after it began.',
    default: '43200 (12 hours)',
  },
  {
    name: 'IBET_STEP_UP_SECONDS',
    description:
      'Withdrawals and staff permission changes need a second-factor proof at most this old (accounts with MFA).',
    default: '300',
  },
  {
    name: 'IBET_ARGON2_MEMORY_KIB',
    description:
      'argon2id memory cost of password hashes; hashes are upgraded at sign-in when it changes.',
    default: '19456',
  },
  { name: 'IBET_ARGON2_TIME_COST', description: 'argon2id passes.', default: '2' },
  { name: 'IBET_ARGON2_PARALLELISM', description: 'argon2id lanes.', default: '1' },
  {
    name: 'IBET_LOGIN_FAILURES_PER_HOUR',
    description:
      'Failed sign-ins per hour after which a player or partner address is locked for the hour.',
    default: '100',
  },
  {
    name: 'IBET_STAFF_LOGIN_FAILURES_PER_HOUR',
    description: 'The same for staff addresses.',
    default: '20',
  },
  {
    name: 'IBET_IP_FAILURES_PER_HOUR',
    description: 'Failed sign-ins per hour from one IP address before it is refused.',
    default: '300',
  },
  {
    name: 'IBET_ADMIN_TOTP_SECRET',
    description:
      'Base32 TOTP secret (at least 16 bytes) enrolled for the bootstrap admin, for automated installs.',
    default: '(unset: the admin enrols at first sign-in)',
  },
  {
    name: 'IBET_PUBLIC_URL',
    description:
      'The address players use; links in mail (verification, password reset) point here.',
    default: 'http://HOST:PORT',
  },
  {
    name: 'IBET_CURRENCIES',
    description: 'ISO 4217 codes a player may open a wallet in, comma-separated.',
    default: 'EUR,GBP,USD,SEK,NOK,DKK,PLN,CHF',
  },
  {
    name: 'IBET_MIN_STAKE',
    description: 'Smallest stake, in minor units of the bet currency.',
    default: '10',
  },
  {
    name: 'IBET_MAX_STAKE',
    description: 'Largest stake, in minor units.',
    default: '1000000',
  },
  {
    name: 'IBET_MAX_PAYOUT',
    description: 'Largest potential payout of one bet, in minor units.',
    default: '100000000',
  },
  {
    name: 'IBET_MIN_DEPOSIT',
    description: 'Smallest deposit, in minor units.',
    default: '100',
  },
  {
    name: 'IBET_MAX_DEPOSIT',
    description: 'Largest single deposit, in minor units.',
    default: '10000000',
  },
  {
    name: 'IBET_MIN_WITHDRAWAL',
    description: 'Smallest withdrawal, in minor units.',
    default: '100',
  },
  {
    name: 'IBET_OUTBOX_POLL_MS',
    description: 'How often the outbox relay looks for unpublished events, in milliseconds.',
    default: '250',
  },
  {
    name: 'IBET_API_KEY_RATE_LIMIT',
    description:
      'Requests a minute one partner API key may make to the B2B routes (counted per process for now); beyond: 429.',
    default: '600',
  },
];

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function minor(env: Env, name: string, fallback: bigint): bigint {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[1-9]\d{0,14}$/.test(raw)) {
    throw new ConfigError(name, `expected a positive amount in minor units, got "${raw}"`);
  }
  return BigInt(raw);
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `expected true or false, got "${env[name]}"`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function databaseUrl(env: Env): string | undefined {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DATABASE_URL', 'is not a URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError('DATABASE_URL', `expected postgres://…, got ${url.protocol}//…`);
  }
  return raw;
}

function currencies(env: Env): string[] {
  const raw = env.IBET_CURRENCIES || 'EUR,GBP,USD,SEK,NOK,DKK,PLN,CHF';
  const list = raw.split(',').map((c) => c.trim().toUpperCase());
  for (const code of list) {
    if (!/^[A-Z]{3}$/.test(code) || !Intl.supportedValuesOf('currency').includes(code)) {
      throw new ConfigError('IBET_CURRENCIES', `"${code}" is not an ISO 4217 currency code`);
    }
  }
  return [...new Set(list)];
}

function admin(env: Env): Config['admin'] {
  const email = env.IBET_ADMIN_EMAIL;
  const password = env.IBET_ADMIN_PASSWORD;
  if (!email && !password) return undefined;
  if (!email) throw new ConfigError('IBET_ADMIN_EMAIL', 'is required with IBET_ADMIN_PASSWORD');
  if (!password) throw new ConfigError('IBET_ADMIN_PASSWORD', 'is required with IBET_ADMIN_EMAIL');
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
    throw new ConfigError('IBET_ADMIN_EMAIL', 'is not an email address');
  }
  if ([...password].length < 15) {
    throw new ConfigError('IBET_ADMIN_PASSWORD', 'must have at least 15 characters');
  }
  return { email, password };
}

const accessTokenTtl = (env: Env) => int(env, 'IBET_ACCESS_TOKEN_TTL', 900, 30, 900);

function totpSecret(env: Env): string | undefined {
  const raw = env.IBET_ADMIN_TOTP_SECRET?.replaceAll(' ', '').toUpperCase().replace(/=+$/, '');
  if (!raw) return undefined;
  if (!env.IBET_ADMIN_EMAIL)
    throw new ConfigError('IBET_ADMIN_TOTP_SECRET', 'needs IBET_ADMIN_EMAIL');
  // Strict base32 (RFC 4648, no padding): what authenticator apps read; 16 bytes at least
  // (RFC 4226's minimum).
  let bytes: Uint8Array;
  try {
    bytes = base32nopad.decode(raw);
  } catch {
    throw new ConfigError('IBET_ADMIN_TOTP_SECRET', 'is not canonical base32 (A-Z, 2-7)');
  }
  if (bytes.length < 16) {
    throw new ConfigError(
      'IBET_ADMIN_TOTP_SECRET',
      'must hold at least 16 bytes (26 base32 characters)',
    );
  }
  return raw;
}

function publicUrl(env: Env): string {
  const raw = env.IBET_PUBLIC_URL || `http://${env.HOST || '127.0.0.1'}:${env.PORT || '3000'}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('IBET_PUBLIC_URL', 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('IBET_PUBLIC_URL', 'must be an http(s) URL');
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}

/** Parses the environment; throws `ConfigError` on the first invalid variable. */
export function loadConfig(env: Env = process.env): Config {
  const dbUrl = databaseUrl(env);
  const limits = {
    minStake: minor(env, 'IBET_MIN_STAKE', 10n),
    maxStake: minor(env, 'IBET_MAX_STAKE', 1_000_000n),
    maxPayout: minor(env, 'IBET_MAX_PAYOUT', 100_000_000n),
    minDeposit: minor(env, 'IBET_MIN_DEPOSIT', 100n),
    maxDeposit: minor(env, 'IBET_MAX_DEPOSIT', 10_000_000n),
    minWithdrawal: minor(env, 'IBET_MIN_WITHDRAWAL', 100n),
  };
  if (limits.minStake > limits.maxStake) {
    throw new ConfigError('IBET_MIN_STAKE', 'must not exceed IBET_MAX_STAKE');
  }
  if (accessTokenTtl(env) > int(env, 'IBET_STAFF_SESSION_IDLE', 900, 60, 86400)) {
    throw new ConfigError('IBET_ACCESS_TOKEN_TTL', 'must not exceed IBET_STAFF_SESSION_IDLE');
  }
  if (limits.maxPayout < limits.maxStake) {
    throw new ConfigError(
      'IBET_MAX_PAYOUT',
      'must be at least IBET_MAX_STAKE (a payout is never below its stake)',
    );
  }
  if (limits.minDeposit > limits.maxDeposit) {
    throw new ConfigError('IBET_MIN_DEPOSIT', 'must not exceed IBET_MAX_DEPOSIT');
  }
  return {
    databaseUrl: dbUrl,
    databasePoolSize: int(env, 'IBET_DATABASE_POOL_SIZE', 16, 1, 500),
    dataDir: path.resolve(env.IBET_DATA_DIR || './data'),
    host: env.HOST || '127.0.0.1',
    port: int(env, 'PORT', 3000, 0, 65535),
    role: oneOf(env, 'IBET_ROLE', ['all', 'api', 'worker'] as const, 'all'),
    logLevel: oneOf(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'info',
    ),
    demo: bool(env, 'IBET_DEMO', dbUrl === undefined),
    admin: admin(env),
    accessTokenTtlSeconds: accessTokenTtl(env),
    sessions: {
      player: {
        idleSeconds: int(env, 'IBET_PLAYER_SESSION_IDLE', 7 * 86400, 60, 365 * 86400),
        maxSeconds: int(env, 'IBET_PLAYER_SESSION_MAX', 30 * 86400, 60, 365 * 86400),
      },
      staff: {
        idleSeconds: int(env, 'IBET_STAFF_SESSION_IDLE', 900, 60, 86400),
        maxSeconds: int(env, 'IBET_STAFF_SESSION_MAX', 12 * 3600, 60, 7 * 86400),
      },
    },
    stepUpSeconds: int(env, 'IBET_STEP_UP_SECONDS', 300, 30, 3600),
    argon2: {
      memoryCost: int(env, 'IBET_ARGON2_MEMORY_KIB', 19_456, 8192, 1_048_576),
      timeCost: int(env, 'IBET_ARGON2_TIME_COST', 2, 1, 20),
      parallelism: int(env, 'IBET_ARGON2_PARALLELISM', 1, 1, 16),
    },
    throttle: {
      accountPerHour: int(env, 'IBET_LOGIN_FAILURES_PER_HOUR', 100, 5, 10_000),
      staffPerHour: int(env, 'IBET_STAFF_LOGIN_FAILURES_PER_HOUR', 20, 5, 10_000),
      ipPerHour: int(env, 'IBET_IP_FAILURES_PER_HOUR', 300, 5, 1_000_000),
    },
    adminTotpSecret: totpSecret(env),
    publicUrl: publicUrl(env),
    currencies: currencies(env),
    limits,
    outboxPollMs: int(env, 'IBET_OUTBOX_POLL_MS', 250, 10, 60_000),
    apiKeyRateLimit: int(env, 'IBET_API_KEY_RATE_LIMIT', 600, 1, 1_000_000),
  };
}
