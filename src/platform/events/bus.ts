// The in-process event bus that the outbox relay publishes to. Subscribers are either
// durable consumers (they record each event they handle, in their own transaction, so a
// redelivered event changes nothing) or live listeners (push to connected clients).
// A durable consumer handles an event in a transaction of its own, or — when it can handle a
// batch — all of a published batch's events of its types in one transaction: settling a
// market publishes thousands of `bet.settled` at once, and a transaction per event and
// consumer was most of the worker's statements.
import type { Db, Tx } from '../db/db.ts';
import type { OutboxEvent } from './outbox.ts';

export type Listener = (event: OutboxEvent) => void | Promise<void>;

export interface Consumer {
  /** Stable name: the key under which handled events are recorded. */
  name: string;
  types: readonly string[];
  handle(tx: Tx, event: OutboxEvent): Promise<void>;
  /**
   * Handles the events (of its types, not yet handled, in outbox order) in one transaction,
   * with the effect `handle` would have for each in turn. Batched consumers run before the
   * per-event ones, so only a consumer whose work does not depend on another consumer's
   * work for the same batch may have it.
   */
  handleBatch?(tx: Tx, events: readonly OutboxEvent[]): Promise<void>;
}

/** Sees each published batch whole, before the per-event listeners (realtime push). */
export type BatchListener = (events: readonly OutboxEvent[]) => void | Promise<void>;

export class EventBus {
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #batchListeners = new Set<BatchListener>();
  readonly #batchConsumers: { db: Db; consumer: Consumer }[] = [];

  /** Registers a listener for whole batches. Returns an unsubscribe function. */
  onBatch(listener: BatchListener): () => void {
    this.#batchListeners.add(listener);
    return () => this.#batchListeners.delete(listener);
  }

  /** `type` may be '*' for every event. Returns an unsubscribe function. */
  on(type: string, listener: Listener): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Registers a durable consumer: each event is handled at most once per consumer. */
  consume(db: Db, consumer: Consumer): void {
    if (consumer.handleBatch) {
      this.#batchConsumers.push({ db, consumer });
      return;
    }
    for (const type of consumer.types) {
      this.on(type, (event) => handleOnce(db, consumer, event));
    }
  }

  /** Delivers events in order; rejects if a listener fails (the relay then retries). */
  async publish(events: readonly OutboxEvent[]): Promise<void> {
    // Batch listeners first: pushing to clients should not wait for durable consumers'
    // transactions. If either fails the relay publishes the whole batch again.
    for (const listener of this.#batchListeners) await listener(events);
    for (const { db, consumer } of this.#batchConsumers) {
      const mine = events.filter((e) => consumer.types.includes(e.type));
      if (mine.length > 0) await handleBatchOnce(db, consumer, mine);
    }
    for (const event of events) {
      const listeners = [
        ...(this.#listeners.get(event.type) ?? []),
        ...(this.#listeners.get('*') ?? []),
      ];
      for (const listener of listeners) await listener(event);
    }
  }
}

export async function handleOnce(db: Db, consumer: Consumer, event: OutboxEvent): Promise<void> {
  await db.transaction(async (tx) => {
    const fresh = await tx.query(
      `INSERT INTO platform.processed_events (consumer, event_id) VALUES ($1, $2)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [consumer.name, event.id],
    );
    if (fresh.length > 0) await consumer.handle(tx, event);
  });
}

/** `handleOnce` for a batch: the consumer's events not yet handled, in one transaction. */
export async function handleBatchOnce(
  db: Db,
  consumer: Consumer,
  events: readonly OutboxEvent[],
): Promise<void> {
  await db.transaction(async (tx) => {
    const fresh = await tx.query<{ event_id: bigint }>(
      `INSERT INTO platform.processed_events (consumer, event_id)
       SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING RETURNING event_id`,
      [consumer.name, events.map((e) => e.id)],
    );
    if (fresh.length === 0) return;
    const ids = new Set(fresh.map((r) => BigInt(r.event_id)));
    await consumer.handleBatch!(
      tx,
      events.filter((e) => ids.has(e.id)),
    );
  });
}
