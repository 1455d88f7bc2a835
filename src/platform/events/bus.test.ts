import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../../../test/support/db.ts';
import type { Db, Tx } from '../db/db.ts';
import { type Consumer, EventBus } from './bus.ts';
import type { OutboxEvent } from './outbox.ts';

let nextId = 1_000_000n;
const event = (type: string, n: number): OutboxEvent => ({
  id: nextId++,
  type,
  aggregateId: `a${n}`,
  payload: { n },
  createdAt: new Date(),
});

describe('EventBus with a consumer that handles batches', () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
    await db.query('CREATE TABLE public.seen (consumer text, n int, xid text)');
  });
  afterAll(async () => {
    await db.close();
  });

  /** A consumer that records each event it handles, with the transaction that handled it. */
  function recorder(name: string, calls: number[][], fail?: () => boolean): Consumer {
    const write = async (tx: Tx, events: readonly OutboxEvent[]) => {
      const ns = events.map((e) => e.payload.n as number);
      calls.push(ns);
      await tx.query(
        `INSERT INTO public.seen SELECT $1, n, pg_current_xact_id()::text FROM unnest($2::int[]) n`,
        [name, ns],
      );
      if (fail?.()) throw new Error('the consumer failed');
    };
    return {
      name,
      types: ['thing.done'],
      handle: (tx, e) => write(tx, [e]),
      handleBatch: write,
    };
  }

  const seen = (name: string) =>
    db.query<{ n: number; xid: string }>(
      'SELECT n, xid FROM public.seen WHERE consumer = $1 ORDER BY n',
      [name],
    );

  it('hands it its events of a published batch at once, in order, in one transaction', async () => {
    const bus = new EventBus();
    const calls: number[][] = [];
    bus.consume(db, recorder('batch.order', calls));
    await bus.publish([
      event('thing.done', 1),
      event('other.thing', 2),
      event('thing.done', 3),
      event('thing.done', 4),
    ]);
    expect(calls).toEqual([[1, 3, 4]]);
    const rows = await seen('batch.order');
    expect(rows.map((r) => r.n)).toEqual([1, 3, 4]);
    expect(new Set(rows.map((r) => r.xid)).size).toBe(1);
  });

  it('hands it only the events it has not handled before when a batch is delivered again', async () => {
    const bus = new EventBus();
    const calls: number[][] = [];
    bus.consume(db, recorder('batch.again', calls));
    const first = [event('thing.done', 1), event('thing.done', 2)];
    await bus.publish(first);
    await bus.publish([...first, event('thing.done', 3)]);
    await bus.publish(first);
    expect(calls).toEqual([[1, 2], [3]]);
    expect((await seen('batch.again')).map((r) => r.n)).toEqual([1, 2, 3]);
  });

  it('keeps nothing of a batch whose handling fails, so that the next delivery handles it whole', async () => {
    const bus = new EventBus();
    const calls: number[][] = [];
    let failing = true;
    bus.consume(
      db,
      recorder('batch.fails', calls, () => failing),
    );
    const batch = [event('thing.done', 1), event('thing.done', 2)];
    await expect(bus.publish(batch)).rejects.toThrow('the consumer failed');
    expect(await seen('batch.fails')).toEqual([]);
    const [marked] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM platform.processed_events WHERE consumer = 'batch.fails'`,
    );
    expect(marked!.n).toBe(0);
    failing = false;
    await bus.publish(batch);
    expect(calls).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect((await seen('batch.fails')).map((r) => r.n)).toEqual([1, 2]);
  });
});
