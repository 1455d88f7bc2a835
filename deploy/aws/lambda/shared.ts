// What the automation handlers share: a bounded HTTP call to iBet, CloudWatch metrics as
// structured log lines (Embedded Metric Format: no SDK call, no extra permission), and
// reading required environment variables.

export const METRIC_NAMESPACE = 'iBet/Automation';

/** Writes one EMF record: CloudWatch Logs turns it into the named metrics. */
export function emitMetrics(
  metrics: Record<string, number>,
  dimensions: Record<string, string>,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): void {
  write(
    JSON.stringify({
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: METRIC_NAMESPACE,
            Dimensions: [Object.keys(dimensions)],
            Metrics: Object.keys(metrics).map((Name) => ({ Name, Unit: 'Count' })),
          },
        ],
      },
      ...dimensions,
      ...metrics,
    }),
  );
}

export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** A JSON call to iBet that gives up after `timeoutMs`. */
export async function callJson(
  fetchImpl: Fetch,
  url: string,
  init: RequestInit & { timeoutMs: number },
): Promise<{ status: number; body: unknown }> {
  const { timeoutMs, ...rest } = init;
  const response = await fetchImpl(url, {
    ...rest,
    headers: { accept: 'application/json', ...(rest.headers ?? {}) },
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.status, body };
}
