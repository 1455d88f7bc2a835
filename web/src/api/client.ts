// The typed API client of the three front doors. Request and response types come from the
// generated schema (schema.gen.ts, from docs/openapi.json): `api.call('POST /api/v1/bets',
// { body, idempotencyKey })` checks the body and returns the 201 answer's type.
//
// What it does for every screen, so that screens do not:
// - sends the access token on every route that is not public;
// - on a 401 exchanges the refresh token once (concurrent 401s share one exchange: refresh
//   tokens work once) and retries; if that fails the sign-in has ended;
// - on 403 step_up_required asks the screen's step-up dialog for a code and retries;
// - turns problem+json answers into ApiError (stable `code`) and lost answers into
//   NetworkError, so a caller can tell "refused" from "unknown outcome".
import type { Input, Result } from './operations.ts';
import { OPERATIONS, type OperationKey } from './schema.gen.ts';
import type { Problem } from './types.ts';

export type { Body, Input, Query, Result } from './operations.ts';
export type { Problem } from './types.ts';

export type Door = 'player' | 'staff' | 'partner';

/** Where each kind of account signs in. */
export const DOOR_AUTH: Record<Door, string> = {
  player: '/api/v1/auth',
  staff: '/api/v1/staff/auth',
  partner: '/api/v1/partner/auth',
};

/** The API refused the request (a problem+json answer, or another non-2xx answer). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem;
  readonly requestId: string | null;

  constructor(status: number, problem: Partial<Problem> | undefined, requestId: string | null) {
    const code = typeof problem?.code === 'string' ? problem.code : `http_${status}`;
    super(typeof problem?.detail === 'string' ? problem.detail : `The server answered ${status}.`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.problem = { ...problem, status, code };
    this.requestId = requestId;
  }
}

/** No answer at all: the request may or may not have reached the server. */
export class NetworkError extends Error {
  constructor() {
    super('The server could not be reached.');
    this.name = 'NetworkError';
  }
}

/** Whether a failed money request may have happened: retry it with the same key. */
export function isOutcomeUnknown(error: unknown): boolean {
  return (
    error instanceof NetworkError ||
    (error instanceof ApiError &&
      (error.status >= 500 || error.code === 'idempotency_key_in_progress'))
  );
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/**
 * The sign-in of one door in this tab (sessionStorage: it ends with the tab, and each door
 * keeps its own). Falls back to memory when storage is refused.
 */
export class TokenStore {
  private memory: Tokens | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly key: string) {}

  get(): Tokens | null {
    try {
      const value = JSON.parse(sessionStorage.getItem(this.key) ?? 'null') as Tokens | null;
      if (value && typeof value.accessToken === 'string') return value;
    } catch {
      // unreadable: treat as signed out
    }
    return this.memory;
  }

  set(tokens: Tokens): void {
    this.memory = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
    try {
      sessionStorage.setItem(this.key, JSON.stringify(this.memory));
    } catch {
      // storage refused (private mode, quota): the sign-in lasts while the page is open
    }
    this.emit();
  }

  /** A new access token for the same sign-in (after a step-up or an MFA enrolment). */
  setAccessToken(accessToken: string): void {
    const current = this.get();
    if (current) this.set({ ...current, accessToken });
  }

  clear(): void {
    this.memory = null;
    try {
      sessionStorage.removeItem(this.key);
    } catch {
      // nothing stored
    }
    this.emit();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

export interface ClientHooks {
  /** The sign-in ended (the refresh token was refused): show the sign-in page. */
  onSessionEnded?: () => void;
  /** A sensitive action needs a recent second factor: true once proved, false if cancelled. */
  onStepUpRequired?: () => Promise<boolean>;
}

export interface ApiClient {
  readonly door: Door;
  readonly tokens: TokenStore;
  readonly hooks: ClientHooks;
  call<K extends OperationKey>(
    key: K,
    ...input: object extends Input<K> ? [Input<K>?] : [Input<K>]
  ): Promise<Result<K>>;
  /** A file upload (multipart/form-data operations, whose body the document does not type). */
  upload<K extends OperationKey>(key: K, input: Input<K> & { form: FormData }): Promise<Result<K>>;
}

function fillPath(template: string, params: Record<string, unknown> | undefined): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === null)
      throw new TypeError(`missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}

function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function readAnswer(response: Response): Promise<unknown> {
  if (response.status === 204 || response.status === 202) return null;
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) return null;
  try {
    return await response.json();
  } catch {
    return null;
  }
}

export function createClient(door: Door, base = ''): ApiClient {
  const tokens = new TokenStore(`ibet.${door}.tokens`);
  const hooks: ClientHooks = {};
  let refreshing: Promise<boolean> | null = null;

  async function send(
    method: string,
    url: string,
    options: { body?: unknown; token?: string; idempotencyKey?: string; signal?: AbortSignal },
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const form = options.body instanceof FormData ? options.body : null;
    // A form sets its own multipart content type (with the boundary).
    if (options.body !== undefined && !form) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    try {
      return await fetch(`${base}${url}`, {
        method,
        headers,
        cache: 'no-store',
        credentials: 'omit',
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.body === undefined ? {} : { body: form ?? JSON.stringify(options.body) }),
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new NetworkError();
    }
  }

  async function exchangeRefreshToken(): Promise<boolean> {
    const refreshToken = tokens.get()?.refreshToken;
    if (!refreshToken) return false;
    const response = await send('POST', `${DOOR_AUTH[door]}/refresh`, { body: { refreshToken } });
    if (!response.ok) return false;
    tokens.set((await response.json()) as Tokens);
    return true;
  }

  function refresh(): Promise<boolean> {
    refreshing ??= exchangeRefreshToken()
      .catch(() => false)
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  }

  function sessionEnded(): ApiError {
    tokens.clear();
    hooks.onSessionEnded?.();
    return new ApiError(
      401,
      { code: 'session_ended', detail: 'Your sign-in has ended. Please sign in again.' },
      null,
    );
  }

  async function call(key: OperationKey, input: Record<string, unknown> = {}): Promise<unknown> {
    const meta = OPERATIONS[key];
    const needsToken = meta.access !== 'public';
    const url =
      fillPath(meta.path, input.path as Record<string, unknown> | undefined) +
      queryString(input.query as Record<string, unknown> | undefined);
    const attempt = () => {
      const token = needsToken ? tokens.get()?.accessToken : undefined;
      return {
        token,
        response: send(meta.method, url, {
          body:
            input.form instanceof FormData
              ? input.form
              : (input.body ?? (meta.method === 'POST' || meta.method === 'PUT' ? {} : undefined)),
          ...(token ? { token } : {}),
          ...(typeof input.idempotencyKey === 'string'
            ? { idempotencyKey: input.idempotencyKey }
            : {}),
          ...(input.signal instanceof AbortSignal ? { signal: input.signal } : {}),
        }),
      };
    };

    if (needsToken && !tokens.get()) throw sessionEnded();
    let sent = attempt();
    let response = await sent.response;
    if (needsToken && response.status === 401) {
      // Another call may have refreshed while this one was in flight.
      const latest = tokens.get()?.accessToken;
      const renewed = latest && latest !== sent.token ? true : await refresh();
      if (!renewed) throw sessionEnded();
      sent = attempt();
      response = await sent.response;
      if (response.status === 401) throw sessionEnded();
    }
    if (response.status === 403 && hooks.onStepUpRequired) {
      const problem = (await readAnswer(response.clone())) as Partial<Problem> | null;
      if (problem?.code === 'step_up_required' && (await hooks.onStepUpRequired())) {
        response = await attempt().response;
      }
    }
    const answer = await readAnswer(response);
    if (!response.ok) {
      throw new ApiError(
        response.status,
        (answer ?? undefined) as Partial<Problem> | undefined,
        response.headers.get('x-request-id'),
      );
    }
    return answer;
  }

  return {
    door,
    tokens,
    hooks,
    call: call as ApiClient['call'],
    upload: call as unknown as ApiClient['upload'],
  };
}
