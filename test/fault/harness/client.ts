// A client that records what it was told: `ok` (2xx), `failed` (a definite refusal, 4xx: the
// request did nothing) or `unknown` (no answer, a timeout, a 5xx or 503, or "still in
// progress": it may or may not have happened). Money requests carry an Idempotency-Key the
// client generates once and keeps across retries, so an unknown outcome is settled by asking
// again with the same key.

export type Verdict = 'ok' | 'failed' | 'unknown';

export interface Answer {
  outcome: Verdict;
  status?: number;
  code?: string;
  body?: any;
  error?: string;
  /** The request got no answer within the hang limit. */
  hung?: boolean;
  ms: number;
  /** Wall-clock ms when the request was sent and when its answer (or error) came. */
  sentAt: number;
  at: number;
}

export interface CallOptions {
  token?: string;
  key?: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** Answers that mean "maybe": ask again with the same key. */
const UNKNOWN_CODES = new Set(['idempotency_key_in_progress']);

export async function call(
  base: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const started = performance.now();
  const sentAt = Date.now();
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.key) headers['idempotency-key'] = options.key;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const timeoutMs = options.timeoutMs ?? 30_000;
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    const status = response.status;
    const code = (body as { code?: string } | null)?.code;
    const outcome: Verdict =
      status >= 200 && status < 300
        ? 'ok'
        : status >= 500 || status === 429 || (code !== undefined && UNKNOWN_CODES.has(code))
          ? 'unknown'
          : 'failed';
    return {
      outcome,
      status,
      ...(code === undefined ? {} : { code }),
      body,
      ms: performance.now() - started,
      sentAt,
      at: Date.now(),
    };
  } catch (error) {
    const err = error as Error & { cause?: { code?: string } };
    const hung = err.name === 'TimeoutError';
    return {
      outcome: 'unknown',
      error: hung ? 'timeout' : (err.cause?.code ?? err.message),
      hung,
      ms: performance.now() - started,
      sentAt,
      at: Date.now(),
    };
  }
}

/** One money request of a client: what was asked, and every answer it got. */
export interface Op {
  kind: string;
  player: number;
  key: string;
  method: string;
  path: string;
  body: unknown;
  amount: bigint;
  answers: Answer[];
  /** The last definite answer, or unknown. */
  outcome: Verdict;
  result?: Answer;
}

export function record(op: Op, answer: Answer): Op {
  op.answers.push(answer);
  op.outcome = answer.outcome;
  if (answer.outcome !== 'unknown' || op.result === undefined) op.result = answer;
  return op;
}

/**
 * Retries every unknown operation with its own key until it gets a definite answer or
 * `deadlineMs` passes; returns how many stay unknown.
 */
export async function resolveUnknowns(
  ops: Op[],
  bases: () => string[],
  tokenOf: (player: number) => string,
  deadlineMs = 60_000,
): Promise<number> {
  const deadline = Date.now() + deadlineMs;
  let pending = ops.filter((op) => op.outcome === 'unknown');
  for (let round = 0; pending.length > 0 && Date.now() < deadline; round++) {
    const targets = bases();
    await Promise.all(
      pending.map(async (op, i) => {
        const base = targets[(i + round) % targets.length]!;
        record(
          op,
          await call(base, op.method, op.path, {
            token: tokenOf(op.player),
            key: op.key,
            body: op.body,
            timeoutMs: 15_000,
          }),
        );
      }),
    );
    pending = pending.filter((op) => op.outcome === 'unknown');
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 250 * Math.min(8, round + 1)));
  }
  return pending.length;
}
