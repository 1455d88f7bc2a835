// Real WebSocket clients for the realtime tests: every message received is checked against
// the documented schema (ServerMessage); tests wait for messages by predicate.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import type { App } from '../../src/app.ts';
import { ServerMessage } from '../../src/modules/realtime/index.ts';

const ajv = new Ajv({ strict: false });
const validServerMessage = ajv.compile(ServerMessage);

export const REDIS_URL = process.env.IBET_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** A Redis prefix of its own for one test file; `cleanRedis` removes its keys. */
export const redisPrefix = (name: string) => `ibet-test-${name}-${randomBytes(4).toString('hex')}`;

export async function cleanRedis(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Starts the app's HTTP server on a free port; returns its ws:// URL. */
export async function listen(app: App): Promise<string> {
  if (!app.http.server.listening) await app.http.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.http.server.address() as AddressInfo;
  return `ws://127.0.0.1:${port}/ws`;
}

export type Message = Record<string, any>;

export class Client {
  readonly received: Message[] = [];
  /** Raw frames (a frame may hold several messages, one per line). */
  readonly frames: string[] = [];
  readonly invalid: unknown[] = [];
  closed: Promise<{ code: number; reason: string }>;
  #waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  #cursor = 0;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    ws.on('message', (data) => {
      const text = data.toString();
      this.frames.push(text);
      for (const line of text.split('\n')) {
        const message = JSON.parse(line) as Message;
        if (!validServerMessage(message))
          this.invalid.push({ message, errors: validServerMessage.errors });
        this.received.push(message);
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.match(message)) return true;
          w.resolve(message);
          return false;
        });
      }
    });
  }

  static async connect(
    url: string,
    options: { token?: string; autoPong?: boolean } = {},
  ): Promise<Client> {
    const ws = new WebSocket(url, {
      ...(options.token ? { headers: { authorization: `Bearer ${options.token}` } } : {}),
      autoPong: options.autoPong ?? true,
    });
    const client = new Client(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused: ${res.statusCode}`)),
      );
    });
    await client.next((m) => m.type === 'welcome');
    return client;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message after the previous `next` that matches (waits up to `ms`). */
  next(match: (m: Message) => boolean, ms = 5000): Promise<Message> {
    for (let i = this.#cursor; i < this.received.length; i++) {
      if (match(this.received[i]!)) {
        this.#cursor = i + 1;
        return Promise.resolve(this.received[i]!);
      }
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `no matching message within ${ms} ms; got ${JSON.stringify(this.received.slice(-5))}`,
          ),
        );
      }, ms);
      const done = (m: Message) => {
        clearTimeout(timer);
        this.#cursor = this.received.length;
        resolve(m);
      };
      this.#waiters.push({ match, resolve: done });
    });
  }

  /** Sends and waits for the answer carrying the same `id`. */
  async request(message: Record<string, unknown>, ms = 5000): Promise<Message> {
    const id = randomBytes(6).toString('hex');
    const answer = this.next((m) => m.id === id, ms);
    this.send({ ...message, id });
    return answer;
  }

  /** Subscribes and waits for `subscribed` (and the snapshot, unless resumed). */
  async subscribe(
    topic: string,
    resume?: { epoch: string; seq: number },
  ): Promise<{ subscribed: Message; snapshot?: Message }> {
    const subscribed = await this.request({
      op: 'subscribe',
      topic,
      ...(resume ? { resume } : {}),
    });
    if (subscribed.type !== 'subscribed') return { subscribed };
    if (subscribed.resumed) return { subscribed };
    const snapshot = await this.next((m) => m.type === 'snapshot' && m.topic === subscribed.topic);
    return { subscribed, snapshot };
  }

  /** Data messages of a topic received so far. */
  on(topic: string): any[] {
    return this.received.filter(
      (m) =>
        m.topic === topic &&
        typeof m.seq === 'number' &&
        m.type !== 'subscribed' &&
        m.type !== 'snapshot',
    );
  }

  /** Waits until `n` data messages of the topic have arrived. */
  async until(topic: string, n: number, ms = 5000): Promise<any[]> {
    const deadline = Date.now() + ms;
    while (this.on(topic).length < n) {
      if (Date.now() > deadline)
        throw new Error(
          `${this.on(topic).length} of ${n} messages on ${topic}: ${JSON.stringify(this.received.slice(-5))}`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.on(topic);
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close();
    return this.closed;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
