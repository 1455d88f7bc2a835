// A running iBet app on a fresh database for one test file, with helpers that go through
// the HTTP API the way a client would.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import type { PaymentProvider } from '../../src/modules/wallet/index.ts';
import { loadConfig } from '../../src/platform/config.ts';
import type { Db } from '../../src/platform/db/db.ts';
import { createLogger } from '../../src/platform/observability/logger.ts';
import { createTestDb } from './db.ts';
import { staffSession } from './identity-helpers.ts';
import { assertMoneyInvariants } from './invariants.ts';

export interface Response<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

export interface RequestOptions {
  token?: string | undefined;
  idempotencyKey?: string | undefined;
  headers?: Record<string, string>;
}

export class Api {
  constructor(private readonly app: App) {}

  async request<T = any>(
    method: string,
    url: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<Response<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    const response = await this.app.http.inject({
      method: method as 'GET',
      url,
      headers,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    const text = response.body;
    const type = String(response.headers['content-type'] ?? '');
    return {
      status: response.statusCode,
      body: type.includes('json') && text ? JSON.parse(text) : text,
      headers: response.headers,
    };
  }

  get<T = any>(url: string, options?: RequestOptions) {
    return this.request<T>('GET', url, undefined, options);
  }
  post<T = any>(url: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('POST', url, body ?? {}, options);
  }
  patch<T = any>(url: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PATCH', url, body ?? {}, options);
  }
  put<T = any>(url: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PUT', url, body ?? {}, options);
  }
  delete<T = any>(url: string, options?: RequestOptions) {
    return this.request<T>('DELETE', url, undefined, options);
  }
}

export interface Player {
  id: string;
  email: string;
  token: string;
  refreshToken: string;
}

export interface Staff {
  id: string;
  token: string;
  refreshToken: string;
  totpSecret: string;
}

export interface TestApp {
  app: App;
  db: Db;
  api: Api;
  player(overrides?: Partial<{ currency: string; country: string }>): Promise<Player>;
  staff(roles: string[]): Promise<Staff>;
  deposit(player: Player, amount: bigint | string): Promise<void>;
  balance(player: Player): Promise<bigint>;
  /** An event starting in `startsInHours` with a three-way match result market. */
  event(options?: { startsInHours?: number; prices?: [string, string, string] }): Promise<any>;
  trader(): Promise<Staff>;
  close(): Promise<void>;
}

export const PASSWORD = 'correct horse battery staple';

export interface TestAppOptions {
  paymentProvider?: PaymentProvider;
  /** Environment variables on top of the test defaults (e.g. small throttling limits). */
  env?: Record<string, string>;
  /** A database of the test's own (e.g. one a child process also uses); closed by close(). */
  db?: Db;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = options.db ?? (await createTestDb());
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    IBET_DATA_DIR: '/nonexistent',
    ...options.env,
  });
  const app = await createApp({
    config,
    db,
    log: createLogger('silent'),
    role: 'all',
    background: false,
    ...(options.paymentProvider ? { paymentProvider: options.paymentProvider } : {}),
  });
  const api = new Api(app);
  let trader: Staff | undefined;
  let competitionId: string | undefined;

  const t: TestApp = {
    app,
    db,
    api,
    async player(overrides = {}) {
      const email = `p-${randomUUID()}@example.com`;
      const registered = await api.post('/api/v1/auth/register', {
        email,
        password: PASSWORD,
        displayName: 'Test Player',
        dateOfBirth: '1990-01-01',
        country: overrides.country ?? 'IE',
        currency: overrides.currency ?? 'EUR',
      });
      if (registered.status !== 201)
        throw new Error(`register: ${JSON.stringify(registered.body)}`);
      const login = await api.post('/api/v1/auth/login', { email, password: PASSWORD });
      if (login.status !== 200) throw new Error(`login: ${JSON.stringify(login.body)}`);
      return {
        id: registered.body.accountId,
        email,
        token: login.body.accessToken,
        refreshToken: login.body.refreshToken,
      };
    },
    async staff(roles) {
      return staffSession(db, api, roles);
    },
    async trader() {
      trader ??= await t.staff(['trader']);
      return trader;
    },
    async deposit(player, amount) {
      const response = await api.post(
        '/api/v1/wallet/deposits',
        { amount: amount.toString() },
        { token: player.token, idempotencyKey: randomUUID() },
      );
      if (response.status !== 201) throw new Error(`deposit: ${JSON.stringify(response.body)}`);
    },
    async balance(player) {
      const response = await api.get('/api/v1/wallet', { token: player.token });
      return BigInt(response.body.balance);
    },
    async event(opts = {}) {
      const { token } = await t.trader();
      if (!competitionId) {
        const admin = await t.staff(['admin']);
        const sport = await api.post(
          '/api/v1/admin/sports',
          { slug: 'football', name: 'Football' },
          { token: admin.token },
        );
        const competition = await api.post(
          '/api/v1/admin/competitions',
          { sportId: sport.body.id, name: 'Test League' },
          { token: admin.token },
        );
        competitionId = competition.body.id as string;
      }
      const prices = opts.prices ?? ['2.10', '3.40', '3.25'];
      const response = await api.post(
        '/api/v1/admin/events',
        {
          competitionId,
          name: 'Home FC v Away United',
          home: 'Home FC',
          away: 'Away United',
          startsAt: new Date(Date.now() + (opts.startsInHours ?? 24) * 3600_000).toISOString(),
          markets: [
            {
              type: 'match_result',
              name: 'Match result',
              selections: [
                { name: 'Home FC', outcome: 'home', price: prices[0] },
                { name: 'Draw', outcome: 'draw', price: prices[1] },
                { name: 'Away United', outcome: 'away', price: prices[2] },
              ],
            },
          ],
        },
        { token },
      );
      if (response.status !== 201) throw new Error(`event: ${JSON.stringify(response.body)}`);
      return response.body;
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
  return t;
}

/**
 * Starts an app for the enclosing file (or describe block) and checks the money invariants
 * after every test. Use the returned object's fields inside tests.
 */
export function useTestApp(options: TestAppOptions = {}): TestApp {
  const holder = {} as { current?: TestApp };
  beforeAll(async () => {
    holder.current = await startTestApp(options);
  });
  afterEach(async () => {
    if (holder.current) await assertMoneyInvariants(holder.current.db);
  });
  afterAll(async () => {
    await holder.current?.close();
  });
  return new Proxy({} as TestApp, {
    get(_target, property) {
      if (!holder.current) throw new Error('the test app is not started yet');
      const value = holder.current[property as keyof TestApp];
      return typeof value === 'function' ? value.bind(holder.current) : value;
    },
  });
}
