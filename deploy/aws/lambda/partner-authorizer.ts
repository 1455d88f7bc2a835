// The Lambda authorizer of the partner API (API Gateway REST API, REQUEST type, identity
// source: the X-Api-Key header). It asks iBet who the key belongs to — GET /api/v1/b2b/me,
// authenticated by the key itself — and allows the key's calls to the whole partner API:
// API Gateway caches the answer per key (IBET authorizer TTL), so the policy must not depend
// on the method called. iBet still checks each route's scope and per-key rate on every call.
import { callJson, type Fetch, requiredEnv } from './shared.ts';

export interface AuthorizerEvent {
  type: 'REQUEST';
  methodArn: string;
  headers?: Record<string, string | undefined> | null;
}

export interface PolicyResult {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: { Action: 'execute-api:Invoke'; Effect: 'Allow' | 'Deny'; Resource: string }[];
  };
  context: Record<string, string>;
}

export interface PartnerIdentity {
  partnerId: string;
  keyId: string;
  scopes: string[];
}

/** The shape of an iBet partner API key: `ibet_<12 hex prefix>_<64 hex secret>`. */
const KEY_PATTERN = /^ibet_[0-9a-f]{12}_[0-9a-f]{64}$/;

/** The message that makes API Gateway answer 401 (any other error is a 500). */
export const UNAUTHORIZED = 'Unauthorized';

export function apiKeyOf(event: AuthorizerEvent): string | undefined {
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (name.toLowerCase() === 'x-api-key' && value) return value.trim();
  }
  return undefined;
}

/** `arn:…:execute-api:region:account:api/stage/METHOD/path` → every method and path of the stage. */
export function stageWildcard(methodArn: string): string {
  const [prefix, path] = methodArn.split(':execute-api:') as [string, string | undefined];
  if (!path) throw new Error(`not an execute-api ARN: ${methodArn}`);
  const [region, account, rest] = path.split(':');
  const [apiId, stage] = (rest ?? '').split('/');
  if (!region || !account || !apiId || !stage) throw new Error(`not a method ARN: ${methodArn}`);
  return `${prefix}:execute-api:${region}:${account}:${apiId}/${stage}/*/*`;
}

export function parseIdentity(body: unknown): PartnerIdentity {
  const b = body as Record<string, unknown> | null;
  const ok =
    b !== null &&
    typeof b === 'object' &&
    typeof b.partnerId === 'string' &&
    b.partnerId.length > 0 &&
    typeof b.keyId === 'string' &&
    b.keyId.length > 0 &&
    Array.isArray(b.scopes) &&
    b.scopes.every((s) => typeof s === 'string');
  if (!ok) throw new Error('iBet answered /api/v1/b2b/me without partnerId, keyId and scopes');
  return {
    partnerId: b.partnerId as string,
    keyId: b.keyId as string,
    scopes: b.scopes as string[],
  };
}

export function allow(methodArn: string, who: PartnerIdentity): PolicyResult {
  return {
    principalId: `partner:${who.partnerId}`,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageWildcard(methodArn) },
      ],
    },
    // Passed to the integration as $context.authorizer.* (and into the access log).
    context: { partnerId: who.partnerId, keyId: who.keyId, scopes: who.scopes.join(' ') },
  };
}

export interface AuthorizerDeps {
  fetch: Fetch;
  /** iBet's public base URL, e.g. https://ibet.example.com */
  apiUrl: string;
  timeoutMs: number;
}

export async function authorize(
  event: AuthorizerEvent,
  deps: AuthorizerDeps,
): Promise<PolicyResult> {
  const key = apiKeyOf(event);
  // A malformed key never reaches iBet.
  if (!key || !KEY_PATTERN.test(key)) throw new Error(UNAUTHORIZED);
  const { status, body } = await callJson(deps.fetch, `${deps.apiUrl}/api/v1/b2b/me`, {
    method: 'GET',
    headers: { 'x-api-key': key },
    timeoutMs: deps.timeoutMs,
  });
  if (status === 401 || status === 403) throw new Error(UNAUTHORIZED);
  // Anything else (iBet down, rate limited, a 5xx) is not the caller's fault: API Gateway
  // answers 500 and caches nothing, so the next call asks again.
  if (status !== 200) throw new Error(`iBet answered ${status} to /api/v1/b2b/me`);
  return allow(event.methodArn, parseIdentity(body));
}

export async function handler(event: AuthorizerEvent): Promise<PolicyResult> {
  return authorize(event, {
    fetch,
    apiUrl: requiredEnv('IBET_API_URL'),
    timeoutMs: Number(process.env.IBET_TIMEOUT_MS ?? 3000),
  });
}
