import { describe, expect, it } from 'vitest';
import { DatabaseUnavailable } from './db.ts';
import { ConnectionGate } from './gate.ts';

/** A promise and the function that settles it. */
function held() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { done, release };
}

describe('ConnectionGate', () => {
  it('runs no more operations at once than it has permits, the rest first come, first served', async () => {
    const gate = new ConnectionGate(2);
    const order: number[] = [];
    const holds = [held(), held(), held(), held()];
    const runs = holds.map((h, i) =>
      gate.run(async () => {
        order.push(i);
        await h.done;
        return i;
      }),
    );
    await Promise.resolve();
    expect(order).toEqual([0, 1]);
    expect([gate.inUse, gate.waiting]).toEqual([2, 2]);

    holds[1]!.release();
    await runs[1];
    await Promise.resolve();
    expect(order).toEqual([0, 1, 2]);
    for (const h of holds) h.release();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect([gate.inUse, gate.waiting]).toEqual([0, 0]);
  });

  it('gives a permit back when the operation fails', async () => {
    const gate = new ConnectionGate(1);
    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run(async () => 'next')).toBe('next');
    expect(gate.inUse).toBe(0);
  });

  it('fails a wait longer than its limit with DatabaseUnavailable, leaving the queue and the permits as they were', async () => {
    const gate = new ConnectionGate(1, 20);
    const waits: number[] = [];
    gate.onWait.add((ms) => waits.push(ms));
    const busy = held();
    const holder = gate.run(() => busy.done);
    const late = gate.run(async () => 'never');
    expect(gate.waiting).toBe(1);
    await expect(late).rejects.toBeInstanceOf(DatabaseUnavailable);
    expect([gate.inUse, gate.waiting]).toEqual([1, 0]);

    // The permit goes to the next waiter, not to the one that gave up.
    const next = gate.run(async () => 'next');
    busy.release();
    await holder;
    expect(await next).toBe('next');
    expect([gate.inUse, gate.waiting]).toEqual([0, 0]);
    // Waits are reported for the operations that ran: none for the one that gave up.
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBe(0);
  });
});
