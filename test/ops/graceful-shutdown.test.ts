// SIGTERM under load, on a real process: readiness fails first, the requests in flight finish,
// the process exits 0 within the grace period — and no request the server accepted is lost:
// every bet the database holds was answered to its client, every 201 is in the database.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PLAYER } from '../../src/seed/demo.ts';
import { engine } from '../support/engine.ts';
import { prepareTarget, type Server, startServer, type Target } from './support/process.ts';

interface Outcome {
  key: string;
  sentAt: number;
  status?: number;
  code?: string;
  error?: string;
}

function request(
  agent: http.Agent,
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          ...headers,
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe(`SIGTERM under load (${engine})`, () => {
  let target: Target;
  let server: Server;

  beforeAll(async () => {
    target = await prepareTarget('ibet-shutdown');
    server = await startServer(['start'], {
      ...target.env,
      IBET_DEMO: 'true',
      IBET_SIMULATOR: 'false',
      IBET_SHUTDOWN_DELAY_SECONDS: '1',
      IBET_SHUTDOWN_GRACE_SECONDS: '20',
      LOG_LEVEL: 'info',
    });
  }, 180_000);
  afterAll(async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    await target?.cleanup();
  });

  it('finishes every accepted request, then exits 0 within the grace period', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const login = await request(
      agent,
      server.base,
      'POST',
      '/api/v1/auth/login',
      {},
      {
        email: DEMO_PLAYER.email,
        password: DEMO_PLAYER.password,
      },
    );
    expect(login.status).toBe(200);
    const token = login.body.accessToken as string;
    const events = await request(agent, server.base, 'GET', '/api/v1/events?limit=50', {});
    const selection = (events.body.items as any[])
      .flatMap((e) => e.markets as any[])
      .find((m) => m.status === 'open')?.selections[0];
    expect(selection).toBeDefined();

    const prefix = `shutdown-${randomUUID()}`;
    const outcomes: Outcome[] = [];
    const readiness: { at: number; status: number | string }[] = [];
    let signalledAt = Number.POSITIVE_INFINITY;
    let stopLoad = false;

    const bettor = async (n: number) => {
      for (let i = 0; !stopLoad; i++) {
        const outcome: Outcome = { key: `${prefix}-${n}-${i}`, sentAt: performance.now() };
        outcomes.push(outcome);
        try {
          const response = await request(
            agent,
            server.base,
            'POST',
            '/api/v1/bets',
            { authorization: `Bearer ${token}`, 'idempotency-key': outcome.key },
            { stake: '10', legs: [{ selectionId: selection.id, price: selection.price }] },
          );
          outcome.status = response.status;
          outcome.code = response.body?.code;
        } catch (error) {
          outcome.error = (error as NodeJS.ErrnoException).code ?? String(error);
          // Refused connections mean the listener is closed: the load is over for this client.
          if (outcome.error === 'ECONNREFUSED') return;
        }
      }
    };
    const prober = async () => {
      while (!stopLoad) {
        try {
          const r = await request(agent, server.base, 'GET', '/readyz', {});
          readiness.push({ at: performance.now(), status: r.status });
        } catch (error) {
          readiness.push({
            at: performance.now(),
            status: (error as NodeJS.ErrnoException).code ?? 'error',
          });
          if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    const load = Promise.all([...Array.from({ length: 8 }, (_, n) => bettor(n)), prober()]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    signalledAt = performance.now();
    server.child.kill('SIGTERM');
    const code = await Promise.race([
      server.exited,
      new Promise((resolve) => setTimeout(() => resolve('timeout'), 30_000)),
    ]);
    const shutdownSeconds = (performance.now() - signalledAt) / 1000;
    stopLoad = true;
    await load;
    agent.destroy();

    expect(code, server.output().slice(-3000)).toBe(0);
    expect(shutdownSeconds).toBeLessThan(20);
    expect(server.output()).toMatch(/"msg":"stopped"/);

    // Traffic went on after the signal (the delay), while readiness already said 503.
    const after = outcomes.filter((o) => o.sentAt > signalledAt);
    expect(after.filter((o) => o.status === 201).length).toBeGreaterThan(0);
    expect(readiness.some((r) => r.at > signalledAt && r.status === 503)).toBe(true);
    expect(readiness.filter((r) => r.at < signalledAt).every((r) => r.status === 200)).toBe(true);

    // The database agrees with what clients were told.
    const db = await target.open();
    try {
      // A completed key is a bet placed (its transaction stored the result with the bet).
      const rows = await db.query<{ key: string; completed: boolean }>(
        `SELECT key, completed_at IS NOT NULL AS completed FROM platform.idempotency_keys WHERE key LIKE $1`,
        [`${prefix}-%`],
      );
      const stored = new Map(rows.map((r) => [r.key, r.completed]));
      const answered = new Map(
        outcomes.filter((o) => o.status !== undefined).map((o) => [o.key, o]),
      );
      // Accepted by the server (its transaction ran) but never answered: lost.
      const lost = [...stored.keys()].filter((key) => !answered.has(key));
      expect(lost).toEqual([]);
      // Every 201 a client saw is a bet the database keeps.
      const acknowledged = outcomes.filter((o) => o.status === 201);
      expect(acknowledged.length).toBeGreaterThan(20);
      expect(acknowledged.filter((o) => stored.get(o.key) !== true)).toEqual([]);
      // Anything else was refused before it did anything: 503 while closing, or no connection.
      const others = outcomes.filter((o) => o.status !== 201);
      expect(others.filter((o) => o.status !== undefined && o.status !== 503)).toEqual([]);
      expect(others.filter((o) => stored.has(o.key))).toEqual([]);
      const [{ bets }] = (await db.query<{ bets: bigint }>(
        `SELECT count(*) AS bets FROM platform.idempotency_keys WHERE key LIKE $1 AND completed_at IS NOT NULL`,
        [`${prefix}-%`],
      )) as [{ bets: bigint }];
      expect(Number(bets)).toBe(acknowledged.length);
    } finally {
      await db.close();
    }
  }, 120_000);
});
