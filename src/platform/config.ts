// Configuration is read from the environment once, at start-up, into one typed object.
// Every variable is declared here with its documentation; an invalid value stops the
// process with a message naming the variable (see `ConfigError`).
import { isIP } from 'node:net';
import path from 'node:path';
import { base32nopad } from '@scure/base';

export type ProcessRole = 'all' | 'api' | 'worker' | 'realtime';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  /** PostgreSQL connection string; undefined means the embedded PGlite database. */
  databaseUrl: string | undefined;
  databasePoolSize: number;
  /** Seconds a database statement may run; an answer later than that plus 1 s is lost. */
  databaseTimeoutSeconds: number;
  /** Operations that may wait for a connection before requests are refused (0: no limit). */
  databaseQueueLimit: number;
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
  /** Load balancers / CDNs whose X-Forwarded-For and -Proto are believed (addresses, CIDRs). */
  trustedProxies: string[];
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
  /** How long an API process reuses a catalogue read, in ms (undefined: by role; 0: off). */
  catalogueCacheMs: number | undefined;
  /** Requests a minute one partner API key may make to the B2B routes. */
  apiKeyRateLimit: number;
  /** Cash out: margin kept off the fair value, and how long a quote may be confirmed. */
  sportsbook: { cashOutMarginBps: number; cashOutQuoteSeconds: number };
  /** Redis for fan-out across processes; undefined: in-process (a single process). */
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel iBet uses (several deployments, one Redis). */
  redisPrefix: string;
  /** The WebSocket gateway (`realtime` role): limits, heartbeats, drain, resume. */
  realtime: {
    maxConnections: number;
    maxSubscriptions: number;
    messagesPerSecond: number;
    maxBufferBytes: number;
    heartbeatSeconds: number;
    idleSeconds: number;
    drainSeconds: number;
    resumeBuffer: number;
  };
  /** The live-match simulator (a feed provider) and the margin applied to feed prices. */
  simulator: { enabled: boolean; speed: number; football: number; tennis: number };
  feedMarginBps: number;
  /** SIGTERM: how long to keep serving while readiness fails, and the whole time allowed. */
  shutdown: { delaySeconds: number; graceSeconds: number };
  /** OpenTelemetry traces over OTLP/HTTP; off when `endpoint` is undefined. */
  tracing: { endpoint: string | undefined; serviceName: string; sampleRatio: number };
  notifications: NotificationsConfig;
  /** Where `backup` writes and `restore` reads by default: a directory or s3://bucket/prefix. */
  backupLocation: string;
  /** How often the worker checks the ledger invariant (and exports ibet_ledger_check_ok). */
  ledgerCheckSeconds: number;
  /** Partner webhooks: delivery attempts, timeouts, and which endpoint addresses are allowed. */
  webhooks: WebhooksConfig;
  /** Affiliate tracking: which click a registration is credited to, and for how long. */
  affiliates: { attribution: 'first_click' | 'last_click'; cookieDays: number };
  /** The audit trail's archive: age at which records leave the database, where, signed how. */
  audit: AuditConfig;
  /** AML thresholds (minor units of the player's currency) that raise flags for review. */
  aml: AmlConfig;
  /** Responsible gambling and KYC: jurisdiction packs, the national register, documents. */
  compliance: ComplianceConfig;
}

export interface AuditConfig {
  retentionDays: number;
  /** A directory or s3://bucket/prefix. */
  archiveLocation: string;
  /** hmac:<secret> or ed25519:<base64 PKCS#8 key>; undefined: nothing is archived. */
  signingKey: string | undefined;
  archiveEverySeconds: number;
}

export interface AmlConfig {
  singleDeposit: bigint;
  singleWithdrawal: bigint;
  cumulativeDeposits: bigint;
  cumulativeWithdrawals: bigint;
  periodDays: number;
  rapidCycleHours: number;
  /** A withdrawal after a deposit with less than this share of it staked is a rapid cycle. */
  rapidCycleTurnoverPercent: number;
  stakeFactor: number;
  stakeMinimum: bigint;
  stakeHistory: number;
}

export interface WebhooksConfig {
  /** Attempts before a delivery goes to the dead-letter list. */
  maxAttempts: number;
  /** First retry delay; it doubles per attempt (with jitter), up to 6 hours. */
  retrySeconds: number;
  /** An endpoint that has not answered within this is a failed attempt. */
  timeoutMs: number;
  pollMs: number;
  /** Development and tests only: http:// URLs and loopback/private addresses allowed. */
  allowInsecure: boolean;
}

export type EmailProvider = 'captured' | 'smtp' | 'ses' | 'sqs';
export type MessageProvider = 'captured' | 'sns' | 'sqs';

export interface NotificationsConfig {
  email: EmailProvider;
  sms: MessageProvider;
  push: MessageProvider;
  /** The From header of mail. */
  from: string;
  /** smtp://user:pass@host:587 or smtps://…:465 (provider smtp). */
  smtpUrl: string | undefined;
  aws: {
    region: string | undefined;
    endpoint: string | undefined;
    sqsQueueUrl: string | undefined;
  };
  /** Attempts before a notification goes to the dead-letter list. */
  maxAttempts: number;
  /** First retry delay; it doubles per attempt (with jitter), up to 6 hours. */
  retrySeconds: number;
  pollMs: number;
  /** Language of messages for accounts whose country maps to none we have templates for. */
  defaultLocale: string;
}

export interface ComplianceConfig {
  /** Country code → jurisdiction pack id; other countries follow `default`. */
  countries: Record<string, string>;
  /** A JSON file adjusting or adding jurisdiction packs. */
  jurisdictionFile: string | undefined;
  /** The national self-exclusion register as a file (one address or sha256: hash a line). */
  registerFile: string | undefined;
  /** Where identity documents are kept: a directory or s3://bucket/prefix. */
  documentStorage: string;
  documentMaxBytes: number;
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
    description:
      'Connections in the PostgreSQL pool per process. A market being settled runs in parts side by side: 4 with 16 connections or more, 2 from 8, 1 below (docs/architecture.md).',
    default: '16',
  },
  {
    name: 'IBET_DATABASE_TIMEOUT_SECONDS',
    description:
      'PostgreSQL: seconds a statement may run before the server cancels it (statement_timeout; migrations excepted). A statement, BEGIN, COMMIT or connection attempt still unanswered 1 s later means the connection is lost: the request answers 503 database_unavailable (outcome unknown: retry with the same Idempotency-Key), and the pool is replaced if nothing on it answered meanwhile. Transactions idle for twice this long are ended by the server. One-off commands (migrate, ledger:check, audit:verify, backup, …) wait up to 3600 s unless it is set.',
    default: '10 (worker: 120)',
  },
  {
    name: 'IBET_DATABASE_QUEUE_LIMIT',
    description:
      "Load shedding: how many statements and transactions of this process may wait for a database connection at once. When that many wait, a new request is refused at once with 429 overloaded and Retry-After: 1, before it has written anything; background work and the readiness check never are. A count, not a time: size it from the pool and a statement's time under load (docs/performance.md). 0: no limit.",
    default: '0 (off)',
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
    description: 'Process role for `serve`: all, api, worker or realtime (see ARCHITECTURE).',
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
    name: 'IBET_TRUSTED_PROXIES',
    description:
      'Addresses or CIDR ranges of the load balancers in front of iBet, comma-separated: only from these is X-Forwarded-For/-Proto believed (client IPs for throttling, sessions and audit; HSTS behind TLS).',
    default: '(none: the connecting address is the client)',
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
    name: 'IBET_CATALOGUE_CACHE_MS',
    description:
      'How long an API process reuses a public catalogue read (sports, event list, event page), in milliseconds; catalogue changes clear it at once. 0: off.',
    default: '1000 in `api` processes, 0 in `all`',
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
  {
    name: 'IBET_CASH_OUT_MARGIN_BPS',
    description:
      'Cash out: basis points kept off the fair value of a bet at current prices (500 = 5%).',
    default: '500',
  },
  {
    name: 'IBET_CASH_OUT_QUOTE_SECONDS',
    description: 'Cash out: how long a quoted value may be confirmed.',
    default: '5',
  },
  {
    name: 'REDIS_URL',
    description:
      'Redis (redis://host:6379/0 or rediss://…) carrying realtime fan-out between processes. Unset: in-process, which only works when one process (role all) does everything.',
    default: '(unset: in-process)',
  },
  {
    name: 'IBET_REDIS_PREFIX',
    description: 'Prefix of every Redis key and channel iBet uses.',
    default: 'ibet',
  },
  {
    name: 'IBET_WS_MAX_CONNECTIONS',
    description: 'WebSocket connections one realtime process accepts; beyond: 503 to the upgrade.',
    default: '20000',
  },
  {
    name: 'IBET_WS_MAX_SUBSCRIPTIONS',
    description: 'Topics one WebSocket connection may subscribe to at once.',
    default: '100',
  },
  {
    name: 'IBET_WS_MESSAGES_PER_SECOND',
    description:
      'Messages a client may send per second (bursts of twice that); beyond: rate_limited errors, then close 4029.',
    default: '20',
  },
  {
    name: 'IBET_WS_MAX_BUFFER',
    description:
      'Bytes queued for one client before it counts as a slow consumer and is closed (4008).',
    default: '1048576',
  },
  {
    name: 'IBET_WS_HEARTBEAT_SECONDS',
    description:
      'Interval of WebSocket pings; a client that has not answered the previous one is dropped.',
    default: '25',
  },
  {
    name: 'IBET_WS_IDLE_SECONDS',
    description: 'A connection with no subscription and no message for this long is closed (4000).',
    default: '120',
  },
  {
    name: 'IBET_WS_DRAIN_SECONDS',
    description:
      'On SIGTERM, clients are told to reconnect elsewhere and closed over this many seconds.',
    default: '5',
  },
  {
    name: 'IBET_WS_RESUME_BUFFER',
    description: 'Messages kept per topic for clients that reconnect and resume.',
    default: '500',
  },
  {
    name: 'IBET_SIMULATOR',
    description:
      'Run the live-match simulator (football and tennis matches played in-play, priced, resulted and settled): true or false. Run it in one process only.',
    default: 'true when embedded with demo data, false otherwise',
  },
  {
    name: 'IBET_SIMULATOR_SPEED',
    description: 'How many times faster than real time simulated matches run.',
    default: '30',
  },
  {
    name: 'IBET_SIMULATOR_FOOTBALL',
    description: 'Simulated football matches kept going at once.',
    default: '2',
  },
  {
    name: 'IBET_SIMULATOR_TENNIS',
    description: 'Simulated tennis matches kept going at once.',
    default: '1',
  },
  {
    name: 'IBET_SHUTDOWN_DELAY_SECONDS',
    description:
      'On SIGTERM, keep serving this long while /readyz answers 503, so load balancers stop sending first (Kubernetes: 5).',
    default: '0',
  },
  {
    name: 'IBET_SHUTDOWN_GRACE_SECONDS',
    description:
      'On SIGTERM, time allowed for in-flight requests and jobs to finish; past it the process exits 1 (keep it below the pod terminationGracePeriodSeconds).',
    default: '25',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    description:
      'OpenTelemetry collector (OTLP over HTTP, e.g. http://otel-collector:4318): traces go to …/v1/traces. Unset: tracing is off and costs nothing.',
    default: '(unset: no tracing)',
  },
  {
    name: 'OTEL_SERVICE_NAME',
    description: 'service.name of the traces.',
    default: 'ibet',
  },
  {
    name: 'OTEL_TRACES_SAMPLER_ARG',
    description:
      'Fraction of traces started here that are recorded (0 to 1); a request whose caller sampled its trace is always recorded.',
    default: '1',
  },
  {
    name: 'IBET_MAIL_PROVIDER',
    description:
      'How mail leaves: captured (kept for the back office, GET /api/v1/admin/mail), smtp (SMTP_URL), ses (Amazon SES) or sqs (handed to IBET_SQS_QUEUE_URL for another sender).',
    default: 'captured',
  },
  {
    name: 'SMTP_URL',
    description:
      'SMTP server for IBET_MAIL_PROVIDER=smtp: smtp://user:password@host:587 (STARTTLS when offered) or smtps://…:465.',
    default: '(unset)',
  },
  {
    name: 'IBET_MAIL_FROM',
    description: 'From address of mail.',
    default: 'iBet <no-reply@ibet.example>',
  },
  {
    name: 'IBET_SMS_PROVIDER',
    description: 'How text messages leave: captured, sns (Amazon SNS) or sqs.',
    default: 'captured',
  },
  {
    name: 'IBET_PUSH_PROVIDER',
    description: 'How push notifications leave: captured, sns (SNS platform endpoints) or sqs.',
    default: 'captured',
  },
  {
    name: 'AWS_REGION',
    description: 'AWS region of SES, SNS and SQS (credentials come from the usual AWS chain).',
    default: '(unset)',
  },
  {
    name: 'IBET_AWS_ENDPOINT',
    description: 'Overrides the AWS endpoint (LocalStack, a VPC endpoint, tests).',
    default: '(unset: the public AWS endpoints)',
  },
  {
    name: 'IBET_SQS_QUEUE_URL',
    description:
      'Queue that provider sqs sends rendered notifications to (FIFO queues are deduplicated by message id).',
    default: '(unset)',
  },
  {
    name: 'IBET_NOTIFY_MAX_ATTEMPTS',
    description: 'Send attempts before a notification goes to the dead-letter list.',
    default: '8',
  },
  {
    name: 'IBET_NOTIFY_RETRY_SECONDS',
    description:
      'Delay before the first retry of a failed send; it doubles each attempt (with jitter) up to 6 hours.',
    default: '30',
  },
  {
    name: 'IBET_NOTIFY_POLL_MS',
    description: 'How often the notifications worker looks for messages to send.',
    default: '1000',
  },
  {
    name: 'IBET_DEFAULT_LOCALE',
    description:
      "Language of messages when the account's country has no template language (en, de, es, fr, it, sv …).",
    default: 'en',
  },
  {
    name: 'IBET_BACKUP_LOCATION',
    description:
      'Where npm run backup writes and restore reads by default: a directory or s3://bucket/prefix.',
    default: './backups',
  },
  {
    name: 'IBET_WEBHOOK_MAX_ATTEMPTS',
    description: 'Delivery attempts of a partner webhook before it goes to the dead-letter list.',
    default: '10',
  },
  {
    name: 'IBET_WEBHOOK_RETRY_SECONDS',
    description:
      'Delay before the first retry of a failed webhook; it doubles each attempt (with jitter) up to 6 hours.',
    default: '30',
  },
  {
    name: 'IBET_WEBHOOK_TIMEOUT_MS',
    description:
      'How long a webhook endpoint may take to answer before the attempt counts as failed.',
    default: '10000',
  },
  {
    name: 'IBET_WEBHOOK_POLL_MS',
    description: 'How often the webhook worker looks for deliveries that are due.',
    default: '1000',
  },
  {
    name: 'IBET_WEBHOOK_ALLOW_INSECURE',
    description:
      'Development and tests only: allow http:// webhook URLs and loopback or private addresses (refused otherwise, against SSRF).',
    default: 'false',
  },
  {
    name: 'IBET_AFFILIATE_ATTRIBUTION',
    description:
      'Which tracking-link click a registration is credited to: first_click or last_click (within the cookie window).',
    default: 'last_click',
  },
  {
    name: 'IBET_AFFILIATE_COOKIE_DAYS',
    description:
      'How long after a click on a tracking link a registration is still credited to it.',
    default: '30',
  },
  {
    name: 'IBET_LEDGER_CHECK_SECONDS',
    description:
      'How often the worker checks the ledger invariant (exported as ibet_ledger_check_ok).',
    default: '300',
  },
  {
    name: 'IBET_AUDIT_RETENTION_DAYS',
    description:
      'Audit records older than this leave the database for the audit archive (signed gzip files).',
    default: '90',
  },
  {
    name: 'IBET_AUDIT_ARCHIVE_LOCATION',
    description: 'Where audit archives are written: a directory or s3://bucket/prefix.',
    default: '<IBET_DATA_DIR>/audit-archive',
  },
  {
    name: 'IBET_AUDIT_SIGNING_KEY',
    description:
      'Signs audit archives: hmac:<secret of 32+ characters> or ed25519:<base64 PKCS#8 DER private key>. Unset: records are not archived.',
    default: '(unset)',
  },
  {
    name: 'IBET_AUDIT_ARCHIVE_SECONDS',
    description: 'How often the worker archives audit records past their retention.',
    default: '3600',
  },
  {
    name: 'IBET_AML_SINGLE_DEPOSIT',
    description: 'A deposit of at least this (minor units) raises an AML flag.',
    default: '1000000',
  },
  {
    name: 'IBET_AML_SINGLE_WITHDRAWAL',
    description: 'A withdrawal of at least this (minor units) raises an AML flag.',
    default: '1000000',
  },
  {
    name: 'IBET_AML_CUMULATIVE_DEPOSITS',
    description:
      'Deposits adding up to at least this within IBET_AML_PERIOD_DAYS raise an AML flag.',
    default: '2500000',
  },
  {
    name: 'IBET_AML_CUMULATIVE_WITHDRAWALS',
    description:
      'Withdrawals adding up to at least this within IBET_AML_PERIOD_DAYS raise an AML flag.',
    default: '2500000',
  },
  {
    name: 'IBET_AML_PERIOD_DAYS',
    description: 'The rolling period of the cumulative AML thresholds.',
    default: '30',
  },
  {
    name: 'IBET_AML_RAPID_CYCLE_HOURS',
    description:
      'A withdrawal within this many hours of a deposit, with little of it staked, raises a rapid-cycle flag.',
    default: '24',
  },
  {
    name: 'IBET_AML_RAPID_CYCLE_TURNOVER_PERCENT',
    description:
      'Rapid cycle: the share of the deposits in the window that must have been staked for a withdrawal not to be flagged.',
    default: '50',
  },
  {
    name: 'IBET_AML_STAKE_FACTOR',
    description:
      "A stake at least this many times the player's average stake raises a stake-pattern flag.",
    default: '10',
  },
  {
    name: 'IBET_AML_STAKE_MINIMUM',
    description: 'Stakes below this (minor units) never raise a stake-pattern flag.',
    default: '10000',
  },
  {
    name: 'IBET_AML_STAKE_HISTORY',
    description:
      "How many of the player's previous bets make their pattern (fewer than 5: no pattern yet).",
    default: '30',
  },
  {
    name: 'IBET_JURISDICTIONS',
    description:
      'Country → jurisdiction pack (`uk`, `mt`, `on` or a pack of IBET_JURISDICTION_FILE); players of other countries follow `default`.',
    default: 'GB=uk,MT=mt,CA=on',
  },
  {
    name: 'IBET_JURISDICTION_FILE',
    description:
      'A JSON file of pack id → rules that adjusts the built-in jurisdiction packs or adds packs (docs/jurisdictions.md).',
    default: 'unset',
  },
  {
    name: 'IBET_SELF_EXCLUSION_REGISTER',
    description:
      'A file with the national self-exclusion register (one email address, or sha256: of one, per line), checked at registration and sign-in.',
    default: 'unset',
  },
  {
    name: 'IBET_KYC_STORAGE',
    description:
      'Where identity documents are stored: a directory, or s3://bucket/prefix (server-side encryption requested).',
    default: 'IBET_DATA_DIR/kyc-documents',
  },
  {
    name: 'IBET_KYC_MAX_BYTES',
    description: 'Largest identity document accepted, in bytes.',
    default: '10485760',
  },
  {
    name: 'IBET_FEED_MARGIN_BPS',
    description:
      'Bookmaker margin applied to feed prices, in basis points of overround (600 = 6%).',
    default: '600',
  },
];

function compliance(env: Env, dataDir: string): ComplianceConfig {
  const raw = env.IBET_JURISDICTIONS ?? 'GB=uk,MT=mt,CA=on';
  const countries: Record<string, string> = {};
  for (const pair of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([A-Z]{2})=([a-z][a-z0-9_-]{0,31})$/.exec(pair);
    if (!match) {
      throw new ConfigError('IBET_JURISDICTIONS', `expected COUNTRY=pack pairs, got "${pair}"`);
    }
    countries[match[1]!] = match[2]!;
  }
  const storage = env.IBET_KYC_STORAGE || path.join(dataDir, 'kyc-documents');
  if (
    storage.startsWith('s3://') &&
    !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(storage)
  ) {
    throw new ConfigError('IBET_KYC_STORAGE', 'expected s3://bucket/prefix');
  }
  return {
    countries,
    jurisdictionFile: env.IBET_JURISDICTION_FILE || undefined,
    registerFile: env.IBET_SELF_EXCLUSION_REGISTER || undefined,
    documentStorage: storage.startsWith('s3://') ? storage : path.resolve(storage),
    documentMaxBytes: int(env, 'IBET_KYC_MAX_BYTES', 10 * 1024 * 1024, 1024, 100 * 1024 * 1024),
  };
}

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

function redisUrl(env: Env): string | undefined {
  const raw = env.REDIS_URL;
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('REDIS_URL', 'is not a URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError('REDIS_URL', `expected redis://… or rediss://…, got ${url.protocol}//…`);
  }
  return raw;
}

function redisPrefix(env: Env): string {
  const raw = env.IBET_REDIS_PREFIX || 'ibet';
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(raw)) {
    throw new ConfigError('IBET_REDIS_PREFIX', 'use 1-64 letters, digits, _ . : or -');
  }
  return raw;
}

function trustedProxies(env: Env): string[] {
  const entries = (env.IBET_TRUSTED_PROXIES ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address, bits, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 6 ? 128 : 32;
    const validBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (family === 0 || !validBits || rest.length > 0) {
      throw new ConfigError(
        'IBET_TRUSTED_PROXIES',
        `"${entry}" is not an IP address or CIDR range`,
      );
    }
  }
  return entries;
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

function httpUrl(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, 'must be an http(s) URL');
  }
  return raw;
}

function tracing(env: Env): Config['tracing'] {
  const ratioRaw = env.OTEL_TRACES_SAMPLER_ARG;
  const ratio = ratioRaw === undefined || ratioRaw === '' ? 1 : Number(ratioRaw);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new ConfigError(
      'OTEL_TRACES_SAMPLER_ARG',
      `expected a number from 0 to 1, got "${ratioRaw}"`,
    );
  }
  return {
    endpoint: httpUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'),
    serviceName: env.OTEL_SERVICE_NAME || 'ibet',
    sampleRatio: ratio,
  };
}

function notifications(env: Env): NotificationsConfig {
  const email = oneOf(
    env,
    'IBET_MAIL_PROVIDER',
    ['captured', 'smtp', 'ses', 'sqs'] as const,
    'captured',
  );
  const sms = oneOf(env, 'IBET_SMS_PROVIDER', ['captured', 'sns', 'sqs'] as const, 'captured');
  const push = oneOf(env, 'IBET_PUSH_PROVIDER', ['captured', 'sns', 'sqs'] as const, 'captured');
  const smtpUrl = env.SMTP_URL || undefined;
  if (smtpUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(smtpUrl);
    } catch {
      throw new ConfigError('SMTP_URL', 'is not a URL');
    }
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
      throw new ConfigError('SMTP_URL', `expected smtp://… or smtps://…, got ${url.protocol}//…`);
    }
  }
  if (email === 'smtp' && !smtpUrl)
    throw new ConfigError('SMTP_URL', 'is required with IBET_MAIL_PROVIDER=smtp');
  const sqsQueueUrl = httpUrl(env, 'IBET_SQS_QUEUE_URL');
  if ([email, sms, push].includes('sqs') && !sqsQueueUrl) {
    throw new ConfigError('IBET_SQS_QUEUE_URL', 'is required when a provider is sqs');
  }
  const region = env.AWS_REGION || undefined;
  if (!region && ([email, sms, push] as string[]).some((p) => ['ses', 'sns', 'sqs'].includes(p))) {
    throw new ConfigError('AWS_REGION', 'is required with the ses, sns and sqs providers');
  }
  const from = env.IBET_MAIL_FROM || 'iBet <no-reply@ibet.example>';
  if (!/^[^<>]*<[^\s@<>]+@[^\s@<>]+>$|^[^\s@<>]+@[^\s@<>]+$/.test(from)) {
    throw new ConfigError('IBET_MAIL_FROM', 'expected an address, optionally "Name <address>"');
  }
  const locale = (env.IBET_DEFAULT_LOCALE || 'en').toLowerCase();
  if (!/^[a-z]{2}$/.test(locale)) {
    throw new ConfigError('IBET_DEFAULT_LOCALE', 'expected a two-letter language code');
  }
  return {
    email,
    sms,
    push,
    from,
    smtpUrl,
    aws: { region, endpoint: httpUrl(env, 'IBET_AWS_ENDPOINT'), sqsQueueUrl },
    maxAttempts: int(env, 'IBET_NOTIFY_MAX_ATTEMPTS', 8, 1, 100),
    retrySeconds: int(env, 'IBET_NOTIFY_RETRY_SECONDS', 30, 0, 86_400),
    pollMs: int(env, 'IBET_NOTIFY_POLL_MS', 1000, 10, 60_000),
    defaultLocale: locale,
  };
}

function backupLocation(env: Env): string {
  const raw = env.IBET_BACKUP_LOCATION || './backups';
  if (raw.startsWith('s3://')) {
    if (!/^s3:\/\/[a-z0-9.-]{3,63}(\/.*)?$/.test(raw)) {
      throw new ConfigError('IBET_BACKUP_LOCATION', 'expected s3://bucket/prefix');
    }
    return raw.replace(/\/+$/, '');
  }
  return path.resolve(raw);
}

function auditArchiveLocation(env: Env): string {
  const raw = env.IBET_AUDIT_ARCHIVE_LOCATION;
  if (!raw) return path.join(path.resolve(env.IBET_DATA_DIR || './data'), 'audit-archive');
  if (raw.startsWith('s3://')) {
    if (!/^s3:\/\/[a-z0-9.-]{3,63}(\/.*)?$/.test(raw))
      throw new ConfigError('IBET_AUDIT_ARCHIVE_LOCATION', 'expected s3://bucket/prefix');
    return raw.replace(/\/+$/, '');
  }
  return path.resolve(raw);
}

function auditSigningKey(env: Env): string | undefined {
  const raw = env.IBET_AUDIT_SIGNING_KEY;
  if (!raw) return undefined;
  if (raw.startsWith('ed25519:')) {
    if (!/^ed25519:[A-Za-z0-9+/]+={0,2}$/.test(raw))
      throw new ConfigError('IBET_AUDIT_SIGNING_KEY', 'expected ed25519:<base64 PKCS#8 DER>');
    return raw;
  }
  const secret = raw.startsWith('hmac:') ? raw.slice('hmac:'.length) : raw;
  if (secret.length < 32)
    throw new ConfigError('IBET_AUDIT_SIGNING_KEY', 'an HMAC secret needs at least 32 characters');
  return raw;
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
  const role = oneOf(env, 'IBET_ROLE', ['all', 'api', 'worker', 'realtime'] as const, 'all');
  return {
    databaseUrl: dbUrl,
    databasePoolSize: int(env, 'IBET_DATABASE_POOL_SIZE', 16, 1, 500),
    // Players wait on api, realtime and all; the worker's batches and reports run longer.
    databaseTimeoutSeconds: int(
      env,
      'IBET_DATABASE_TIMEOUT_SECONDS',
      role === 'worker' ? 120 : 10,
      1,
      3600,
    ),
    // Off unless set: a burst that queues for a few milliseconds is not an overload, and a
    // count cannot tell the two apart (docs/performance.md).
    databaseQueueLimit: int(env, 'IBET_DATABASE_QUEUE_LIMIT', 0, 0, 100_000),
    dataDir: path.resolve(env.IBET_DATA_DIR || './data'),
    host: env.HOST || '127.0.0.1',
    port: int(env, 'PORT', 3000, 0, 65535),
    role,
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
    trustedProxies: trustedProxies(env),
    currencies: currencies(env),
    limits,
    outboxPollMs: int(env, 'IBET_OUTBOX_POLL_MS', 250, 10, 60_000),
    catalogueCacheMs: env.IBET_CATALOGUE_CACHE_MS
      ? int(env, 'IBET_CATALOGUE_CACHE_MS', 0, 0, 60_000)
      : undefined,
    apiKeyRateLimit: int(env, 'IBET_API_KEY_RATE_LIMIT', 600, 1, 1_000_000),
    sportsbook: {
      cashOutMarginBps: int(env, 'IBET_CASH_OUT_MARGIN_BPS', 500, 0, 5000),
      cashOutQuoteSeconds: int(env, 'IBET_CASH_OUT_QUOTE_SECONDS', 5, 1, 300),
    },
    redisUrl: redisUrl(env),
    redisPrefix: redisPrefix(env),
    realtime: {
      maxConnections: int(env, 'IBET_WS_MAX_CONNECTIONS', 20_000, 1, 1_000_000),
      maxSubscriptions: int(env, 'IBET_WS_MAX_SUBSCRIPTIONS', 100, 1, 10_000),
      messagesPerSecond: int(env, 'IBET_WS_MESSAGES_PER_SECOND', 20, 1, 10_000),
      maxBufferBytes: int(env, 'IBET_WS_MAX_BUFFER', 1_048_576, 1024, 1_073_741_824),
      heartbeatSeconds: int(env, 'IBET_WS_HEARTBEAT_SECONDS', 25, 1, 3600),
      idleSeconds: int(env, 'IBET_WS_IDLE_SECONDS', 120, 1, 86_400),
      drainSeconds: int(env, 'IBET_WS_DRAIN_SECONDS', 5, 0, 600),
      resumeBuffer: int(env, 'IBET_WS_RESUME_BUFFER', 500, 1, 100_000),
    },
    simulator: {
      enabled: bool(env, 'IBET_SIMULATOR', dbUrl === undefined && bool(env, 'IBET_DEMO', true)),
      speed: int(env, 'IBET_SIMULATOR_SPEED', 30, 1, 10_000),
      football: int(env, 'IBET_SIMULATOR_FOOTBALL', 2, 0, 100),
      tennis: int(env, 'IBET_SIMULATOR_TENNIS', 1, 0, 100),
    },
    feedMarginBps: int(env, 'IBET_FEED_MARGIN_BPS', 600, 0, 5000),
    shutdown: {
      delaySeconds: int(env, 'IBET_SHUTDOWN_DELAY_SECONDS', 0, 0, 300),
      graceSeconds: int(env, 'IBET_SHUTDOWN_GRACE_SECONDS', 25, 1, 3600),
    },
    tracing: tracing(env),
    notifications: notifications(env),
    backupLocation: backupLocation(env),
    ledgerCheckSeconds: int(env, 'IBET_LEDGER_CHECK_SECONDS', 300, 10, 86_400),
    webhooks: {
      maxAttempts: int(env, 'IBET_WEBHOOK_MAX_ATTEMPTS', 10, 1, 100),
      retrySeconds: int(env, 'IBET_WEBHOOK_RETRY_SECONDS', 30, 0, 86_400),
      timeoutMs: int(env, 'IBET_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
      pollMs: int(env, 'IBET_WEBHOOK_POLL_MS', 1000, 10, 60_000),
      allowInsecure: bool(env, 'IBET_WEBHOOK_ALLOW_INSECURE', false),
    },
    affiliates: {
      attribution: oneOf(
        env,
        'IBET_AFFILIATE_ATTRIBUTION',
        ['first_click', 'last_click'] as const,
        'last_click',
      ),
      cookieDays: int(env, 'IBET_AFFILIATE_COOKIE_DAYS', 30, 1, 365),
    },
    audit: {
      retentionDays: int(env, 'IBET_AUDIT_RETENTION_DAYS', 90, 1, 36_500),
      archiveLocation: auditArchiveLocation(env),
      signingKey: auditSigningKey(env),
      archiveEverySeconds: int(env, 'IBET_AUDIT_ARCHIVE_SECONDS', 3600, 10, 604_800),
    },
    aml: {
      singleDeposit: minor(env, 'IBET_AML_SINGLE_DEPOSIT', 1_000_000n),
      singleWithdrawal: minor(env, 'IBET_AML_SINGLE_WITHDRAWAL', 1_000_000n),
      cumulativeDeposits: minor(env, 'IBET_AML_CUMULATIVE_DEPOSITS', 2_500_000n),
      cumulativeWithdrawals: minor(env, 'IBET_AML_CUMULATIVE_WITHDRAWALS', 2_500_000n),
      periodDays: int(env, 'IBET_AML_PERIOD_DAYS', 30, 1, 366),
      rapidCycleHours: int(env, 'IBET_AML_RAPID_CYCLE_HOURS', 24, 1, 720),
      rapidCycleTurnoverPercent: int(env, 'IBET_AML_RAPID_CYCLE_TURNOVER_PERCENT', 50, 0, 100),
      stakeFactor: int(env, 'IBET_AML_STAKE_FACTOR', 10, 2, 1000),
      stakeMinimum: minor(env, 'IBET_AML_STAKE_MINIMUM', 10_000n),
      stakeHistory: int(env, 'IBET_AML_STAKE_HISTORY', 30, 5, 1000),
    },
    compliance: compliance(env, path.resolve(env.IBET_DATA_DIR || './data')),
  };
}
