// The load generator: a separate process (so the servers under test do not share its event
// loop) driven over IPC by bench/run.ts. Each scenario is one or more autocannon instances
// against 127.0.0.1 whose requests are built per request: a player (a signed access token of
// one of the bench's players, taken in turn so that concurrent requests are different
// players), a fresh Idempotency-Key per placement, a random event or selections. Every
// response's latency is recorded per second of the run, so a run gives both the overall
// percentiles and a timeline (the spike's "during" and "after"). Every run is bounded by its
// duration.
/// <reference path="./autocannon.d.ts" />
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { importJWK, SignJWT } from 'jose';
import { playerId, sessionId } from './seed.ts';

export type RequestKind = 'sports' | 'events' | 'event' | 'quote' | 'single' | 'multiple' | 'bare';

export interface LoadPhase {
  /** Seconds from the start of the scenario. */
  at: number;
  seconds: number;
  connections: number;
  /** Requests a second over all connections; undefined: as fast as they answer. */
  rate?: number | undefined;
  /** Another server than the spec's (several API processes). */
  url?: string | undefined;
}

export interface LoadSpec {
  name: string;
  url: string;
  /** Relative weights of the kinds of request. */
  mix: Partial<Record<RequestKind, number>>;
  phases: LoadPhase[];
  /** Player numbers to use, taken in turn. */
  players?: { from: number; count: number } | undefined;
}

export interface SetupMessage {
  type: 'setup';
  kid: string;
  privateJwk: Record<string, unknown>;
  events: { id: string; selections: { id: string; price: number }[] }[];
}

export interface SecondStats {
  second: number;
  requests: number;
  errors: number;
  /** 429 answers (documented throttling), counted apart from errors. */
  throttled: number;
  p50: number;
  p99: number;
}

export interface LoadResult {
  name: string;
  seconds: number;
  requests: number;
  ok: number;
  errors: number;
  throttled: number;
  /** Non-2xx answers by status and problem code, e.g. {"422 insufficient_funds": 3}. */
  failures: Record<string, number>;
  throughput: number;
  latency: { p50: number; p95: number; p99: number; max: number; mean: number };
  timeline: SecondStats[];
}

let setup: SetupMessage | undefined;
const tokens = new Map<number, string>();

async function signTokens(from: number, count: number, deadline: number): Promise<void> {
  if (!setup) throw new Error('not set up');
  const key = await importJWK(setup.privateJwk as never, 'ES256');
  for (let n = from; n < from + count; n++) {
    if (tokens.has(n)) continue;
    if (Date.now() > deadline) throw new Error('signing tokens took too long');
    tokens.set(
      n,
      await new SignJWT({ kind: 'player', roles: [], sid: sessionId(n), mfa: false })
        .setProtectedHeader({ alg: 'ES256', kid: setup.kid, typ: 'JWT' })
        .setSubject(playerId(n))
        .setIssuer('ibet')
        .setAudience('ibet-api')
        .setIssuedAt()
        .setExpirationTime('15m')
        .sign(key),
    );
  }
}

/** Cumulative weights → a picker. */
export function picker<K extends string>(mix: Partial<Record<K, number>>): (r: number) => K {
  const entries = Object.entries(mix).filter(([, w]) => (w as number) > 0) as [K, number][];
  const total = entries.reduce((s, [, w]) => s + w, 0);
  return (r) => {
    let x = r * total;
    for (const [k, w] of entries) {
      x -= w;
      if (x < 0) return k;
    }
    return entries.at(-1)![0];
  };
}

const decimal = (price: number) => (price / 1000).toFixed(3);

function requestFor(kind: RequestKind, spec: LoadSpec, nextPlayer: () => number) {
  const events = setup!.events;
  const event = events[Math.floor(Math.random() * events.length)]!;
  switch (kind) {
    case 'bare':
      return { method: 'GET', path: '/' };
    case 'sports':
      return { method: 'GET', path: '/api/v1/sports' };
    case 'events':
      return { method: 'GET', path: '/api/v1/events?limit=20&sport=football' };
    case 'event':
      return { method: 'GET', path: `/api/v1/events/${event.id}` };
    default: {
      const legs: { selectionId: string; price: string }[] = [];
      const count = kind === 'multiple' ? 3 : 1;
      const used = new Set<number>();
      while (legs.length < count) {
        const i = Math.floor(Math.random() * events.length);
        if (used.has(i)) continue;
        used.add(i);
        const selections = events[i]!.selections;
        const s = selections[Math.floor(Math.random() * selections.length)]!;
        legs.push({ selectionId: s.id, price: decimal(s.price) });
      }
      const n = nextPlayer();
      const headers: Record<string, string> = {
        authorization: `Bearer ${tokens.get(n)}`,
        'content-type': 'application/json',
      };
      if (kind !== 'quote') headers['idempotency-key'] = randomUUID();
      void spec;
      return {
        method: 'POST',
        path: kind === 'quote' ? '/api/v1/betslip/quote' : '/api/v1/bets',
        headers,
        body: JSON.stringify({ stake: String(100 + 100 * (n % 5)), legs }),
      };
    }
  }
}

/** Percentile of sorted values (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank]!;
}

async function run(spec: LoadSpec, progress: (line: string) => void): Promise<LoadResult> {
  if (!setup) throw new Error('not set up');
  const pick = picker(spec.mix);
  const total = Math.max(...spec.phases.map((p) => p.at + p.seconds));
  if (spec.players) {
    progress(`${spec.name}: signing ${spec.players.count} access tokens`);
    await signTokens(spec.players.from, spec.players.count, Date.now() + 120_000);
  }
  let turn = 0;
  const nextPlayer = () => {
    const p = spec.players!;
    return p.from + (turn++ % p.count);
  };
  const latencies: number[] = [];
  const perSecond = new Map<number, { latencies: number[]; errors: number; throttled: number }>();
  const failures: Record<string, number> = {};
  let connectionErrors = 0;
  const t0 = performance.now();
  const slot = () => {
    const s = Math.floor((performance.now() - t0) / 1000);
    let entry = perSecond.get(s);
    if (!entry) {
      entry = { latencies: [], errors: 0, throttled: 0 };
      perSecond.set(s, entry);
    }
    return entry;
  };
  const instances = spec.phases.map(
    (phase) =>
      new Promise<void>((resolve, reject) => {
        const start = () => {
          const instance = autocannon(
            {
              url: phase.url ?? spec.url,
              connections: phase.connections,
              duration: phase.seconds,
              ...(phase.rate ? { overallRate: phase.rate } : {}),
              timeout: 10,
              requests: [
                {
                  setupRequest: (request: Record<string, unknown>) => ({
                    ...request,
                    ...requestFor(pick(Math.random()), spec, nextPlayer),
                  }),
                  // Problem codes of failed answers, for the report.
                  onResponse: (status: number, body: string) => {
                    if (status < 400) return;
                    let code = '';
                    try {
                      code = (JSON.parse(body) as { code?: string }).code ?? '';
                    } catch {}
                    const name = `${status} ${code}`.trim();
                    failures[name] = (failures[name] ?? 0) + 1;
                  },
                },
              ],
            },
            (error) => (error ? reject(error) : resolve()),
          );
          instance.on(
            'response',
            (client: { on: unknown }, status: number, _bytes: number, time: number) => {
              void client;
              const entry = slot();
              if (status === 429) entry.throttled++;
              else if (status >= 400) entry.errors++;
              entry.latencies.push(time);
              latencies.push(time);
            },
          );
          instance.on('reqError', () => {
            slot().errors++;
            connectionErrors++;
            failures['connection error or timeout'] =
              (failures['connection error or timeout'] ?? 0) + 1;
          });
        };
        setTimeout(start, phase.at * 1000);
      }),
  );
  const ticker = setInterval(() => {
    const s = Math.floor((performance.now() - t0) / 1000);
    const entry = perSecond.get(s - 1);
    progress(
      `${spec.name}: ${s}/${total} s, ${entry?.latencies.length ?? 0} req/s, ${entry?.errors ?? 0} errors`,
    );
  }, 1000);
  // Every run ends: its own duration bounds autocannon; this bounds the wait.
  const guard = new Promise<void>((_, reject) =>
    setTimeout(() => reject(new Error(`${spec.name} did not finish`)), (total + 30) * 1000).unref(),
  );
  try {
    await Promise.race([Promise.all(instances), guard]);
  } finally {
    clearInterval(ticker);
  }
  const elapsed = (performance.now() - t0) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  let errors = 0;
  let throttled = 0;
  const timeline: SecondStats[] = [];
  for (let s = 0; s < Math.ceil(elapsed); s++) {
    const entry = perSecond.get(s) ?? { latencies: [], errors: 0, throttled: 0 };
    errors += entry.errors;
    throttled += entry.throttled;
    const sec = Float64Array.from(entry.latencies).sort();
    timeline.push({
      second: s,
      requests: entry.latencies.length,
      errors: entry.errors,
      throttled: entry.throttled,
      p50: percentile(sec, 0.5),
      p99: percentile(sec, 0.99),
    });
  }
  const answered = latencies.length;
  return {
    name: spec.name,
    seconds: Math.min(elapsed, total),
    requests: answered,
    ok: answered - (errors - connectionErrors) - throttled,
    errors,
    throttled,
    failures,
    throughput: answered / Math.min(elapsed, total),
    latency: {
      p50: percentile(sorted, 0.5),
      p95: percentile(sorted, 0.95),
      p99: percentile(sorted, 0.99),
      max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
      mean: answered ? latencies.reduce((a, b) => a + b, 0) / answered : Number.NaN,
    },
    timeline,
  };
}

// Only when run.ts forked this file (a test importing the helpers above is a forked process too).
if (process.send && process.env.IBET_BENCH_LOADER === '1') {
  const progress = (line: string) => process.send!({ type: 'progress', line });
  process.on('message', (message: { type: string; spec?: LoadSpec } & Partial<SetupMessage>) => {
    if (message.type === 'setup') {
      setup = message as SetupMessage;
      process.send!({ type: 'ready' });
    } else if (message.type === 'run') {
      run(message.spec!, progress).then(
        (result) => process.send!({ type: 'result', result }),
        (error: unknown) => process.send!({ type: 'failed', error: String(error) }),
      );
    } else if (message.type === 'exit') {
      process.exit(0);
    }
  });
  process.send({ type: 'started' });
}
