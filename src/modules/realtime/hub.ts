// The topics of one realtime process and the connections subscribed to them. Frames come
// from the fan-out in sequence order per topic; each batch of a topic is joined into one
// WebSocket frame (one message per line) built once and written to every subscriber.
//
// A new subscriber is first *syncing*: it is registered before anything is read, so no
// frame can slip past it; frames arriving while its snapshot or replay is read are queued,
// then it gets subscribed → snapshot (or the frames it missed) → the queue, each frame once,
// in order. It joins the fast path (no per-subscriber checks) once this process's own
// stream has reached what it was sent. A gap in the stream (Redis reconnected) is filled
// from the topic's buffer, or, if that is gone, every subscriber of the topic gets a
// fresh snapshot.
import type { Logger } from 'pino';
import { DomainError } from '../../platform/errors.ts';
import type { Delivered, FanOut, TopicHead } from '../../platform/events/fanout.ts';
import type { RealtimeMetrics } from './metrics.ts';
import type { Snapshots } from './snapshots.ts';
import type { Topic } from './topics.ts';

export interface Subscriber {
  /** Writes a ready frame of topic messages; false if the subscriber was dropped. */
  push(frame: Buffer): boolean;
  /** Sends a control message (subscribed, snapshot, error). */
  control(message: Record<string, unknown>): void;
  /** The subscription ended on the server's side (topic gone, failure): forget it. */
  lost(topic: Topic): void;
}

interface Sync {
  topic: Topic;
  lastSent: number;
  /** Frames that arrived while the snapshot or replay was being read; null once flushed. */
  queue: Delivered[] | null;
}

class LocalTopic {
  readonly live = new Map<Subscriber, Topic>();
  readonly syncing = new Map<Subscriber, Sync>();
  /** The last sequence number this process received (0: none yet). */
  lastSeq = 0;
  epoch: string | undefined;
  /** Frames held while a gap is being filled. */
  filling: Delivered[] | null = null;
  get size() {
    return this.live.size + this.syncing.size;
  }
}

const join = (frames: readonly Delivered[]) =>
  Buffer.from(frames.length === 1 ? frames[0]!.frame : frames.map((f) => f.frame).join('\n'));

export class Hub {
  readonly #topics = new Map<string, LocalTopic>();
  #pending = new Map<string, Delivered[]>();
  #scheduled = false;
  readonly #stop: (() => void)[] = [];

  constructor(
    private readonly fanout: FanOut,
    private readonly snapshots: Snapshots,
    private readonly metrics: RealtimeMetrics,
    private readonly log: Logger,
  ) {
    this.#stop.push(fanout.subscribe((frames) => this.#receive(frames)));
    this.#stop.push(fanout.onResync(() => this.#resyncAll()));
  }

  close(): void {
    for (const stop of this.#stop) stop();
    this.#topics.clear();
  }

  /** Frames of one read from the fan-out; delivered together on the next turn. */
  #receive(frames: Delivered[]): void {
    for (const frame of frames) {
      if (!this.#topics.has(frame.topic)) continue; // nobody here listens
      const list = this.#pending.get(frame.topic);
      if (list) list.push(frame);
      else this.#pending.set(frame.topic, [frame]);
    }
    if (this.#pending.size > 0 && !this.#scheduled) {
      this.#scheduled = true;
      // Everything received while this process was busy goes out as one frame per topic.
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    const pending = this.#pending;
    this.#pending = new Map();
    for (const [name, frames] of pending) {
      const topic = this.#topics.get(name);
      if (topic) this.#deliver(name, topic, frames);
    }
  }

  #deliver(name: string, t: LocalTopic, frames: Delivered[]): void {
    if (t.filling) {
      t.filling.push(...frames);
      return;
    }
    const first = frames[0]!;
    if (t.epoch !== undefined && first.epoch !== t.epoch) {
      // The topic's numbering started over: every subscriber needs a new snapshot.
      this.#restart(name, t);
      return;
    }
    if (t.lastSeq > 0 && first.seq > t.lastSeq + 1) {
      t.filling = [...frames];
      void this.#fill(name, t);
      return;
    }
    this.#send(t, t.lastSeq > 0 ? frames.filter((f) => f.seq > t.lastSeq) : frames);
  }

  #send(t: LocalTopic, frames: Delivered[]): void {
    if (frames.length === 0) return;
    const last = frames.at(-1)!;
    t.lastSeq = last.seq;
    t.epoch = last.epoch;
    let data: Buffer | undefined;
    let recipients = 0;
    if (t.live.size > 0) {
      data = join(frames);
      for (const subscriber of t.live.keys()) if (subscriber.push(data)) recipients++;
    }
    let extra = 0;
    for (const [subscriber, sync] of t.syncing) {
      if (sync.queue) {
        sync.queue.push(...frames);
        continue;
      }
      const fresh = frames.filter((f) => f.seq > sync.lastSent);
      if (fresh.length > 0) {
        if (fresh.length === frames.length) data ??= join(frames);
        if (!subscriber.push(fresh.length === frames.length && data ? data : join(fresh))) continue;
        extra += fresh.length;
        sync.lastSent = fresh.at(-1)!.seq;
      }
      // Once this process's stream has caught up with what the subscriber was sent (its
      // replay may have come from a buffer ahead of the stream), it joins the fast path.
      if (last.seq >= sync.lastSent) {
        t.syncing.delete(subscriber);
        t.live.set(subscriber, sync.topic);
      }
    }
    const sent = frames.length * recipients + extra;
    if (sent > 0) {
      this.metrics.messagesSent.inc(sent);
      this.metrics.framesSent.inc(recipients + (extra > 0 ? 1 : 0));
      const now = Date.now();
      for (const frame of frames) {
        if (frame.at > 0) this.metrics.commitToPush.observe(Math.max(0, now - frame.at) / 1000);
      }
    }
  }

  /** Fills a gap from the topic's buffer; without one, snapshots for everyone. */
  async #fill(name: string, t: LocalTopic): Promise<void> {
    const after: TopicHead = { epoch: t.epoch ?? '', seq: t.lastSeq };
    let missed: Delivered[] | null = null;
    try {
      missed = (await this.fanout.since(name, after))?.frames ?? null;
    } catch (error) {
      this.log.warn({ err: error, topic: name }, 'could not fill a gap in a topic');
    }
    if (this.#topics.get(name) !== t) return;
    const held = t.filling ?? [];
    t.filling = null;
    if (!missed) {
      this.#restart(name, t);
      return;
    }
    const all = [...missed, ...held].filter((f) => f.seq > t.lastSeq && f.epoch === after.epoch);
    all.sort((a, b) => a.seq - b.seq);
    const unique = all.filter((f, i) => i === 0 || f.seq !== all[i - 1]!.seq);
    this.#send(t, unique);
  }

  /** Every subscriber of the topic starts over with a snapshot. */
  #restart(name: string, t: LocalTopic): void {
    const subscribers = [
      ...[...t.live].map(([s, topic]) => [s, topic] as const),
      ...[...t.syncing].map(([s, sync]) => [s, sync.topic] as const),
    ];
    this.#topics.delete(name);
    this.metrics.subscriptions.dec(subscribers.length);
    for (const [subscriber, topic] of subscribers) void this.subscribe(subscriber, topic);
  }

  /** After a Redis reconnect: look for gaps in every topic that has subscribers. */
  #resyncAll(): void {
    for (const [name, t] of this.#topics) {
      if (t.lastSeq === 0 || t.filling) continue;
      t.filling = [];
      void this.#fill(name, t);
    }
  }

  /**
   * Subscribes; sends subscribed, then the snapshot or the missed frames. Resolves false
   * (after sending an error) if the topic cannot be had.
   */
  async subscribe(
    subscriber: Subscriber,
    topic: Topic,
    resume?: TopicHead,
    requestId?: string,
  ): Promise<boolean> {
    let t = this.#topics.get(topic.name);
    if (!t) {
      t = new LocalTopic();
      this.#topics.set(topic.name, t);
    }
    const sync: Sync = { topic, lastSent: 0, queue: [] };
    t.syncing.set(subscriber, sync);
    this.metrics.subscriptions.inc();
    const current = () => this.#topics.get(topic.name)?.syncing.get(subscriber) === sync;
    const id = requestId ? { id: requestId } : {};
    try {
      let replay = resume ? await this.fanout.since(topic.name, resume) : null;
      if (!current()) return false;
      if (replay && resume) {
        this.metrics.snapshots.inc({ kind: 'resumed' });
        subscriber.control({
          type: 'subscribed',
          topic: topic.label,
          epoch: replay.head.epoch,
          seq: resume.seq,
          resumed: true,
          ...id,
        });
        sync.lastSent = resume.seq;
      } else {
        let snapshot = await this.snapshots.get(topic);
        replay = await this.fanout.since(topic.name, snapshot.head);
        if (!replay) {
          // The shared snapshot is older than the buffer (or the epoch changed): read again.
          snapshot = await this.snapshots.get(topic, true);
          replay = (await this.fanout.since(topic.name, snapshot.head)) ?? {
            head: snapshot.head,
            frames: [],
          };
        }
        if (!current()) return false;
        this.metrics.snapshots.inc({ kind: 'snapshot' });
        subscriber.control({
          type: 'subscribed',
          topic: topic.label,
          epoch: snapshot.head.epoch,
          seq: snapshot.head.seq,
          resumed: false,
          ...id,
        });
        subscriber.control({
          type: 'snapshot',
          topic: topic.label,
          seq: snapshot.head.seq,
          data: snapshot.data,
        });
        sync.lastSent = snapshot.head.seq;
      }
      const queued = sync.queue ?? [];
      sync.queue = null;
      const frames = [...replay.frames, ...queued].filter((f) => f.seq > sync.lastSent);
      frames.sort((a, b) => a.seq - b.seq);
      const unique = frames.filter((f, i) => i === 0 || f.seq !== frames[i - 1]!.seq);
      if (unique.length > 0) {
        if (!subscriber.push(join(unique))) return false;
        sync.lastSent = unique.at(-1)!.seq;
        this.metrics.messagesSent.inc(unique.length);
      }
      const local = this.#topics.get(topic.name);
      if (local === t && t.lastSeq >= sync.lastSent && t.lastSeq > 0) {
        t.syncing.delete(subscriber);
        t.live.set(subscriber, topic);
      }
      return true;
    } catch (error) {
      if (!current()) return false;
      this.unsubscribe(subscriber, topic.name);
      subscriber.lost(topic);
      const known = error instanceof DomainError && error.kind === 'not_found';
      if (!known) this.log.error({ err: error, topic: topic.name }, 'subscription failed');
      subscriber.control({
        type: 'error',
        code: known ? 'topic_not_found' : 'unavailable',
        message: known
          ? `No such ${topic.kind}.`
          : 'The subscription could not be set up; try again.',
        topic: topic.label,
        ...id,
      });
      return false;
    }
  }

  unsubscribe(subscriber: Subscriber, name: string): void {
    const t = this.#topics.get(name);
    if (!t) return;
    if (t.live.delete(subscriber) || t.syncing.delete(subscriber)) this.metrics.subscriptions.dec();
    if (t.size === 0) this.#topics.delete(name);
  }

  /** Topics with subscribers on this process (tests and metrics). */
  get topicCount(): number {
    return this.#topics.size;
  }
}
