// Fan-out of realtime messages to every realtime process: in-process (one process does
// everything) or through Redis pub/sub (see redis-fanout.ts). The publisher is the outbox
// relay, so only committed changes are published.
//
// A message announces the new state of one thing (`key`, e.g. a market) at `version` (the
// id of the outbox event that carried it) and goes to one or more topics. Publishing is
// atomic per batch and does three things per topic, in one place that every process shares:
//   - drops a message whose key already has this version or a newer one (the relay
//     delivers at least once, and several relays may publish out of order);
//   - numbers it with the topic's next sequence number and builds the client frame once;
//   - keeps the last N frames of the topic, so that a client that reconnects can resume.
// Each topic also has an epoch: a new one when its numbering starts over (its keys expired
// or Redis lost them), so a resume from another numbering is recognised and refused.

export interface OutgoingTopic {
  /** Internal topic: `market:<id>`, `event:<id>`, `sport:<id>`, `player:<id>`. */
  name: string;
  /** The topic as the client names it (`me` for `player:<own id>`). */
  label: string;
}

export interface Outgoing {
  /** What this message is the state of: `market:<id>`, `balance:<player id>` … */
  key: string;
  /** Outbox event id: a message older than the key's last published version is dropped. */
  version: bigint;
  /** When the change happened (ms since the epoch), for the commit-to-push histogram. */
  at: number;
  topics: OutgoingTopic[];
  /** The message's JSON members after `topic` and `seq`, e.g. `"type":"market","id":"…"`. */
  body: string;
}

/** A numbered frame of one topic, as every realtime process receives it. */
export interface Delivered {
  topic: string;
  seq: number;
  epoch: string;
  at: number;
  /** `{"topic":…,"seq":…,…}`: sent to clients as it is. */
  frame: string;
}

export interface TopicHead {
  epoch: string;
  seq: number;
}

export interface FanOut {
  readonly kind: 'memory' | 'redis';
  /** Numbers, keeps and broadcasts the messages; returns how many frames went out. */
  publish(messages: readonly Outgoing[]): Promise<number>;
  /** Receives every published frame, in sequence order per topic. */
  subscribe(handler: (frames: Delivered[]) => void): () => void;
  /** Called when frames may have been missed (the Redis subscription was re-established). */
  onResync(handler: () => void): () => void;
  /** The topic's epoch and last sequence number (creating the topic if it has none). */
  head(topic: string): Promise<TopicHead>;
  /**
   * The frames of `topic` after `after.seq`, oldest first, if they are all still kept and
   * `after.epoch` is the topic's epoch; otherwise null (the client needs a snapshot).
   */
  since(topic: string, after: TopicHead): Promise<{ head: TopicHead; frames: Delivered[] } | null>;
  close(): Promise<void>;
}

export interface FanOutOptions {
  /** Frames kept per topic for resuming. */
  bufferSize: number;
}

/** Builds a frame the way the Redis script does (kept identical: clients see one format). */
export function buildFrame(label: string, seq: number, body: string): string {
  return `{"topic":${JSON.stringify(label)},"seq":${seq},${body}}`;
}

const TOPIC_TTL_MS = 3600_000;
const MAX_VERSIONS = 200_000;

let epochCounter = 0;
const newEpoch = () => `${Date.now().toString(36)}${(epochCounter++ % 1296).toString(36)}`;

/** Everything in this process: for the embedded default (role `all`) and tests. */
export function createMemoryFanOut(options: FanOutOptions): FanOut {
  const versions = new Map<string, bigint>();
  const topics = new Map<
    string,
    { epoch: string; seq: number; buffer: Delivered[]; touched: number }
  >();
  const handlers = new Set<(frames: Delivered[]) => void>();
  let swept = Date.now();
  const topicOf = (name: string) => {
    let topic = topics.get(name);
    if (!topic) {
      topic = { epoch: newEpoch(), seq: 0, buffer: [], touched: Date.now() };
      topics.set(name, topic);
    }
    topic.touched = Date.now();
    return topic;
  };
  // Bounded like the Redis keys: a topic quiet for an hour is forgotten (its next frame
  // starts a new epoch), and only the newest versions are remembered.
  const sweep = () => {
    const now = Date.now();
    if (now - swept < 60_000) return;
    swept = now;
    for (const [name, topic] of topics) if (now - topic.touched > TOPIC_TTL_MS) topics.delete(name);
    if (versions.size > MAX_VERSIONS) {
      let excess = versions.size - MAX_VERSIONS * 0.9;
      for (const key of versions.keys()) {
        if (excess-- <= 0) break;
        versions.delete(key);
      }
    }
  };

  return {
    kind: 'memory',
    async publish(messages) {
      sweep();
      const out: Delivered[] = [];
      for (const message of messages) {
        const current = versions.get(message.key);
        if (current !== undefined && current >= message.version) continue;
        versions.delete(message.key); // re-inserted last: the map stays in recency order
        versions.set(message.key, message.version);
        for (const { name, label } of message.topics) {
          const topic = topicOf(name);
          topic.seq += 1;
          const delivered: Delivered = {
            topic: name,
            seq: topic.seq,
            epoch: topic.epoch,
            at: message.at,
            frame: buildFrame(label, topic.seq, message.body),
          };
          topic.buffer.push(delivered);
          if (topic.buffer.length > options.bufferSize) topic.buffer.shift();
          out.push(delivered);
        }
      }
      // Delivered on a later turn, as Redis would: never inside the publisher's call stack.
      if (out.length > 0) {
        setImmediate(() => {
          for (const handler of handlers) handler(out);
        });
      }
      return out.length;
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    onResync() {
      return () => {};
    },
    async head(name) {
      const topic = topicOf(name);
      return { epoch: topic.epoch, seq: topic.seq };
    },
    async since(name, after) {
      const topic = topicOf(name);
      const head = { epoch: topic.epoch, seq: topic.seq };
      if (after.epoch !== topic.epoch || after.seq > topic.seq || after.seq < 0) return null;
      const missing = topic.seq - after.seq;
      if (missing > topic.buffer.length) return null;
      return { head, frames: missing === 0 ? [] : topic.buffer.slice(-missing) };
    },
    async close() {
      handlers.clear();
    },
  };
}
