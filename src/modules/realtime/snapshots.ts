// Snapshots: the whole state of a topic, read from the database, with the topic's sequence
// number read *before* it. Every frame up to that number was published after its change
// committed, so the snapshot already shows it; frames after it may show changes the snapshot
// also has, which is harmless because every message is a whole state. A snapshot is shared
// by the subscribers of the next second (reconnect storms cost one read per topic).
import type { Queryable } from '../../platform/db/db.ts';
import type { FanOut, TopicHead } from '../../platform/events/fanout.ts';
import { listBets } from '../betting/index.ts';
import { getEvent, getMarket, getSportBoard } from '../catalog/index.ts';
import { getWallet } from '../wallet/index.ts';
import type { Topic } from './topics.ts';

export interface Snapshot {
  head: TopicHead;
  data: unknown;
}

const TTL_MS = 1000;

async function read(db: Queryable, topic: Topic): Promise<unknown> {
  switch (topic.kind) {
    case 'event':
      return getEvent(db, topic.id);
    case 'market':
      return getMarket(db, topic.id);
    case 'sport':
      return getSportBoard(db, topic.id);
    case 'player': {
      const [wallet, open] = await Promise.all([
        getWallet(db, topic.id),
        listBets(db, topic.id, { status: 'open', limit: 100 }),
      ]);
      return { wallet, openBets: open.items };
    }
  }
}

export interface Snapshots {
  /** The topic's snapshot, at most a second old unless `fresh`. */
  get(topic: Topic, fresh?: boolean): Promise<Snapshot>;
}

export function createSnapshots(db: Queryable, fanout: FanOut): Snapshots {
  const cache = new Map<string, { at: number; value: Promise<Snapshot> }>();
  const load = async (topic: Topic): Promise<Snapshot> => {
    const head = await fanout.head(topic.name);
    return { head, data: await read(db, topic) };
  };
  return {
    get(topic, fresh = false) {
      const now = Date.now();
      const cached = cache.get(topic.name);
      if (!fresh && cached && now - cached.at < TTL_MS) return cached.value;
      if (cache.size > 10_000) {
        for (const [name, entry] of cache) if (now - entry.at >= TTL_MS) cache.delete(name);
      }
      const value = load(topic);
      const entry = { at: now, value };
      cache.set(topic.name, entry);
      value.catch(() => {
        if (cache.get(topic.name) === entry) cache.delete(topic.name);
      });
      return value;
    },
  };
}
