// The nightly ledger check: signs in to iBet's staff door as the automation account (a staff
// member whose only permission is ledger:read, with its TOTP secret), calls
// GET /api/v1/admin/ledger/check and fails — which alarms — when the ledger does not hold
// or iBet cannot be asked. The metric LedgerImbalanced tells the two apart.
import { callJson, emitMetrics, type Fetch, requiredEnv } from './shared.ts';
import { totp } from './totp.ts';

export interface AutomationCredentials {
  email: string;
  password: string;
  totpSecret: string;
}

export interface LedgerReport {
  ok: boolean;
  currencies?: { currency: string; sum: string }[];
  drift?: unknown[];
}

export interface LedgerCheckDeps {
  fetch: Fetch;
  apiUrl: string;
  credentials: () => Promise<AutomationCredentials>;
  now: () => number;
  timeoutMs: number;
  metrics?: (values: Record<string, number>) => void;
}

export function parseCredentials(text: string): AutomationCredentials {
  const value = JSON.parse(text) as Record<string, unknown>;
  for (const field of ['email', 'password', 'totpSecret']) {
    if (typeof value[field] !== 'string' || !value[field]) {
      throw new Error(`the automation secret has no ${field}`);
    }
  }
  return value as unknown as AutomationCredentials;
}

async function staffToken(deps: LedgerCheckDeps): Promise<string> {
  const { email, password, totpSecret } = await deps.credentials();
  const post = (path: string, body: unknown) =>
    callJson(deps.fetch, `${deps.apiUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      timeoutMs: deps.timeoutMs,
    });
  const login = await post('/api/v1/staff/auth/login', { email, password });
  if (login.status !== 200) throw new Error(`staff sign-in answered ${login.status}`);
  const first = login.body as { accessToken?: string; mfaRequired?: boolean; mfaToken?: string };
  if (first.accessToken) return first.accessToken;
  if (!first.mfaRequired || !first.mfaToken)
    throw new Error('staff sign-in gave neither token nor challenge');
  const second = await post('/api/v1/staff/auth/login/mfa', {
    mfaToken: first.mfaToken,
    code: totp(totpSecret, deps.now()),
  });
  const tokens = second.body as { accessToken?: string };
  if (second.status !== 200 || !tokens.accessToken) {
    throw new Error(`staff second factor answered ${second.status}`);
  }
  return tokens.accessToken;
}

export async function checkLedger(deps: LedgerCheckDeps): Promise<LedgerReport> {
  const metrics = deps.metrics ?? ((values) => emitMetrics(values, { Check: 'ledger' }));
  const token = await staffToken(deps);
  const { status, body } = await callJson(deps.fetch, `${deps.apiUrl}/api/v1/admin/ledger/check`, {
    method: 'GET',
    headers: { authorization: `Bearer ${token}` },
    timeoutMs: deps.timeoutMs,
  });
  if (status !== 200) throw new Error(`ledger check answered ${status}`);
  const report = body as LedgerReport;
  if (typeof report?.ok !== 'boolean') throw new Error('ledger check answered without ok');
  metrics({ LedgerImbalanced: report.ok ? 0 : 1 });
  if (!report.ok) {
    throw new Error(`the ledger does not hold: ${JSON.stringify(report)}`);
  }
  return report;
}

export async function handler(): Promise<{ ok: true }> {
  const secretId = requiredEnv('IBET_AUTOMATION_SECRET_ID');
  await checkLedger({
    fetch,
    apiUrl: requiredEnv('IBET_API_URL'),
    now: Date.now,
    timeoutMs: Number(process.env.IBET_TIMEOUT_MS ?? 20_000),
    credentials: async () => {
      const { SecretsManagerClient, GetSecretValueCommand } = await import(
        '@aws-sdk/client-secrets-manager'
      );
      const out = await new SecretsManagerClient({}).send(
        new GetSecretValueCommand({ SecretId: secretId }),
      );
      return parseCredentials(out.SecretString ?? '');
    },
  });
  return { ok: true };
}
