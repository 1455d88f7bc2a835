// The in-process event bus that the outbox relay publishes to. Subscribers are either
// durable consumers (they record each event they handle, in their own transaction, so a
// redelivered event changes nothing) or live listeners (push to connected clients).
import type { Db, Tx } from '../db/db.ts';
import type { OutboxEvent } from './outbox.ts';

export type Listener = (event: OutboxEvent) => void | Promise<void>;

export interface Consumer {
  /** Stable name: the key under which handled events are recorded. */
  name: string;
  types: readonly string[];
  handle(tx: Tx, event: OutboxEvent): Promise<void>;
}

/** Sees each published batch whole, before the per-event listeners (realtime push). */
export type BatchListener = (events: readonly OutboxEvent[]) => void | Promise<void>;

export class EventBus {
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #batchListeners = new Set<BatchListener>();

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
    for (const type of consumer.types) {
      this.on(type, (event) => handleOnce(db, consumer, event));
    }
  }

  /** Delivers events in order; rejects if a listener fails (the relay then retries). */
  async publish(events: readonly OutboxEvent[]): Promise<void> {
    // Batch listeners first: pushing to clients should not wait for durable consumers'
    // transactions. If either fails the relay publishes the whole batch again.
    for (const listener of this.#batchListeners) await listener(events);
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
