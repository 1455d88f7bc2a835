// Tracing, on because OTEL_EXPORTER_OTLP_ENDPOINT points at a local OTLP/HTTP receiver: one
// trace runs from the caller's traceparent through the HTTP server span, the use case and its
// SQL, into the outbox, to the worker's consumer and the mail it sends; log lines carry the
// trace id. Off, the SDK is not even loaded.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/observability/logger.ts';
import { startTracing, type Tracing } from '../../src/platform/observability/tracing.ts';
import { createTestDb } from '../support/db.ts';
import { ROOT } from './support/process.ts';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

const SERVER = 2;
const CONSUMER = 5;

function otlpReceiver() {
  const spans: OtlpSpan[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        for (const rs of JSON.parse(body).resourceSpans ?? [])
          for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  return {
    spans,
    async start() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
};

describe('tracing', () => {
  const receiver = otlpReceiver();
  const logLines: Record<string, any>[] = [];
  let tracing: Tracing | undefined;
  let app: App;
  let base: string;

  beforeAll(async () => {
    const endpoint = await receiver.start();
    tracing = await startTracing({ endpoint, serviceName: 'ibet-test', sampleRatio: 1 });
    const sink = new Writable({
      write(chunk, _encoding, callback) {
        for (const line of String(chunk).split('\n')) if (line) logLines.push(JSON.parse(line));
        callback();
      },
    });
    const db = await createTestDb();
    app = await createApp({
      config: loadConfig({ LOG_LEVEL: 'info', IBET_DATA_DIR: '/nonexistent' }),
      db,
      log: createLogger('info', sink),
      role: 'all',
      background: false,
    });
    base = await app.http.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await app?.db.close();
    await tracing?.shutdown();
    await receiver.close();
  });

  async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  it('follows a deposit from the caller through HTTP, the use case and SQL, the outbox and the worker', async () => {
    const email = `traced-${randomBytes(4).toString('hex')}@example.com`;
    const password = 'a traced player password';
    expect(
      (
        await call('POST', '/api/v1/auth/register', {
          email,
          password,
          displayName: 'Traced Player',
          dateOfBirth: '1990-01-01',
          country: 'IE',
          currency: 'EUR',
        })
      ).status,
    ).toBe(201);
    const login = await call('POST', '/api/v1/auth/login', { email, password });
    // The caller's own trace: W3C traceparent.
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const deposit = await call(
      'POST',
      '/api/v1/wallet/deposits',
      { amount: '2500' },
      {
        authorization: `Bearer ${login.body.accessToken}`,
        'idempotency-key': randomBytes(8).toString('hex'),
        traceparent: `00-${traceId}-${callerSpan}-01`,
      },
    );
    expect(deposit.status).toBe(201);
    await app.relay!.drain();
    await app.notifications!.dispatcher.runOnce();
    await tracing!.shutdown(); // flushes every span to the receiver
    tracing = undefined;

    const trace = receiver.spans.filter((s) => s.traceId === traceId);
    const server = trace.find((s) => s.kind === SERVER);
    expect(server).toMatchObject({
      name: 'POST /api/v1/wallet/deposits',
      parentSpanId: callerSpan,
    });
    expect(attribute(server!, 'http.route')).toBe('/api/v1/wallet/deposits');
    expect(attribute(server!, 'http.response.status_code')).toBe(201);

    const useCase = trace.find(
      (s) => s.parentSpanId === server!.spanId && s.name.startsWith('wallet'),
    );
    expect(useCase, trace.map((s) => s.name).join(', ')).toBeDefined();
    // SQL below the use case: transactions and parameterised statements (never values).
    const below = (id: string): OtlpSpan[] =>
      trace.filter((s) => s.parentSpanId === id).flatMap((s) => [s, ...below(s.spanId)]);
    const sql = below(useCase!.spanId).filter(
      (s) => attribute(s, 'db.system.name') === 'postgresql',
    );
    expect(sql.some((s) => s.name === 'db.transaction')).toBe(true);
    const insert = sql.find((s) =>
      String(attribute(s, 'db.query.text')).includes('INSERT INTO platform.outbox'),
    );
    expect(insert).toBeDefined();
    expect(String(attribute(insert!, 'db.query.text'))).not.toContain('2500');

    // Through the outbox to the worker: the consumer and the mail it sent continue the trace.
    const consumer = trace.find(
      (s) => s.kind === CONSUMER && s.name === 'notifications.mail wallet.deposit.completed',
    );
    expect(consumer).toBeDefined();
    expect(trace.some((s) => s.name === 'notify email deposit_receipt')).toBe(true);
    expect(
      trace.some((s) => s.name === 'notifications.player-messages wallet.deposit.completed'),
    ).toBe(true);

    // The request's log lines carry its trace id.
    expect(logLines.filter((l) => l.trace_id === traceId).length).toBeGreaterThan(0);
  });
});

describe('tracing off', () => {
  /** Loads the app in a child process and lists the OpenTelemetry SDK modules it loaded. */
  function sdkModulesLoaded(env: Record<string, string>): Promise<string[]> {
    const script = `
      import { register } from 'node:module';
      import { MessageChannel } from 'node:worker_threads';
      const { port1, port2 } = new MessageChannel();
      const seen = [];
      port1.on('message', (url) => seen.push(url));
      register('data:text/javascript,' + encodeURIComponent(
        'let port; export function initialize(d) { port = d.port; }' +
        'export async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r; }'),
        { data: { port: port2 }, transferList: [port2] });
      const { startTracing } = await import('./src/platform/observability/tracing.ts');
      await import('./src/app.ts');
      await startTracing({ endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined, serviceName: 'x', sampleRatio: 1 }).then((t) => t?.shutdown());
      await new Promise((r) => setTimeout(r, 100));
      console.log(JSON.stringify(seen.filter((u) => /@opentelemetry\\/(sdk-|exporter-)/.test(u))));
      process.exit(0);
    `;
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
        (error, stdout, stderr) => {
          if (error) return reject(new Error(`${error.message}\n${stderr}`));
          resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
        },
      );
    });
  }

  it('loads no part of the SDK when OTEL_EXPORTER_OTLP_ENDPOINT is unset, and the SDK when it is set', async () => {
    expect(await sdkModulesLoaded({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toEqual([]);
    const on = await sdkModulesLoaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(on.some((u) => u.includes('@opentelemetry/sdk-node'))).toBe(true);
    expect(on.some((u) => u.includes('@opentelemetry/exporter-trace-otlp-http'))).toBe(true);
  }, 90_000);
});
