// Load shedding at the database (IBET_DATABASE_QUEUE_LIMIT): with the pool's connections
// taken and the queue full, a request is refused at once with 429 overloaded before it writes
// anything; the same request goes through once the queue drains; work outside requests is
// queued, never refused. Runs on both engines.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';

describe('load shedding at the database queue', () => {
  const t = useTestApp({ env: { IBET_DATABASE_QUEUE_LIMIT: '2' } });

  /**
   * Holds every connection of the app's own database handle, outside any request, with
   * `waiting` more operations queued behind them.
   */
  function hold(waiting: number) {
    const count = t.app.db.gate.size + waiting;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const held = Array.from({ length: count }, () =>
      t.app.db.transaction(async (tx) => {
        await tx.query('SELECT 1');
        await gate;
        return 'done';
      }),
    );
    return { release, done: () => Promise.all(held) };
  }

  it('refuses a request with 429 overloaded while the queue is full, writes nothing, and takes the same request once it drains', async () => {
    const player = await t.player();
    const before = await t.balance(player);
    const payments = async () =>
      (
        await t.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM wallet.payments WHERE owner_id = $1',
          [player.id],
        )
      )[0]!.n;
    const paid = await payments();

    // Every connection taken and two waiting: the queue limit of 2 is reached.
    const held = hold(2);
    const key = randomUUID();
    const refused = await t.api.post(
      '/api/v1/wallet/deposits',
      { amount: '1500' },
      { token: player.token, idempotencyKey: key },
    );
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toMatchObject({ status: 429, code: 'overloaded' });
    expect(Number(await t.app.metrics.dbRequestsShed.get().then((m) => m.values[0]?.value))).toBe(
      1,
    );

    held.release();
    expect(new Set(await held.done())).toEqual(new Set(['done']));
    expect(await payments()).toBe(paid);
    expect(await t.balance(player)).toBe(before);

    const accepted = await t.api.post(
      '/api/v1/wallet/deposits',
      { amount: '1500' },
      { token: player.token, idempotencyKey: key },
    );
    expect(accepted.status).toBe(201);
    expect(await t.balance(player)).toBe(before + 1500n);
  });

  it('queues work outside requests past the limit instead of refusing it', async () => {
    const held = hold(5);
    held.release();
    expect(await held.done()).toEqual(Array(t.app.db.gate.size + 5).fill('done'));
  });

  it('answers the liveness check while the queue is full', async () => {
    const held = hold(2);
    try {
      expect((await t.api.get('/healthz')).status).toBe(200);
    } finally {
      held.release();
      await held.done();
    }
  });
});
