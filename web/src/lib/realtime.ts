// The WebSocket at /ws (docs/realtime.md), one per tab: topics subscribed while some screen
// listens, each message handed to the screens listening to its topic. Messages numbered at or
// below the last applied of their topic are repeats and dropped; after a dropped connection it
// reconnects (with a growing pause) and resumes each topic from the last number it applied —
// or takes the fresh snapshot the server sends instead. The player's access token travels in
// an `auth` message (never in the URL) for the private `me` topic.

export interface ServerMessage {
  type: string;
  topic?: string;
  seq?: number;
  [field: string]: unknown;
}

export type Listener = (message: ServerMessage) => void;
export type ConnectionState = 'connecting' | 'open' | 'closed';

interface TopicState {
  listeners: Set<Listener>;
  epoch: string | null;
  seq: number;
  /** The last snapshot, handed to a listener that joins later. */
  snapshot: ServerMessage | null;
}

export interface RealtimeOptions {
  url?: string;
  /** The access token for `me`, or null when signed out. */
  token?: () => string | null;
  WebSocketImpl?: typeof WebSocket;
}

export class Realtime {
  private socket: WebSocket | null = null;
  private readonly topics = new Map<string, TopicState>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private retries = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pinger: ReturnType<typeof setInterval> | null = null;
  private state: ConnectionState = 'closed';
  private stopped = false;

  constructor(private readonly options: RealtimeOptions = {}) {}

  get connection(): ConnectionState {
    return this.state;
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Listens to a topic; the returned function stops listening (the last one unsubscribes). */
  subscribe(topic: string, listener: Listener): () => void {
    let state = this.topics.get(topic);
    if (!state) {
      state = { listeners: new Set(), epoch: null, seq: 0, snapshot: null };
      this.topics.set(topic, state);
      this.send({ op: 'subscribe', topic });
    } else if (state.snapshot) {
      listener(state.snapshot);
    }
    state.listeners.add(listener);
    this.ensureOpen();
    return () => {
      const current = this.topics.get(topic);
      if (!current) return;
      current.listeners.delete(listener);
      if (current.listeners.size === 0) {
        this.topics.delete(topic);
        this.send({ op: 'unsubscribe', topic });
      }
    };
  }

  /** Sends a fresh access token (after sign-in or a refresh) for the private topics. */
  authenticate(): void {
    const token = this.options.token?.();
    if (token) this.send({ op: 'auth', token });
  }

  /** (Re)starts after close(): reconnects if some screen still listens. */
  start(): void {
    this.stopped = false;
    if (this.topics.size > 0) this.ensureOpen();
  }

  close(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pinger) clearInterval(this.pinger);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      socket.close();
    }
    this.setState('closed');
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const l of this.stateListeners) l(state);
  }

  private send(message: Record<string, unknown>): void {
    if (this.socket?.readyState === 1) this.socket.send(JSON.stringify(message));
  }

  private url(): string {
    if (this.options.url) return this.options.url;
    // globalThis, not window: this file is also compiled (and tested) without the DOM types.
    const { protocol, host } = (
      globalThis as unknown as { location: { protocol: string; host: string } }
    ).location;
    return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/ws`;
  }

  private ensureOpen(): void {
    if (this.socket || this.stopped || this.timer) return;
    const Impl = this.options.WebSocketImpl ?? WebSocket;
    this.setState('connecting');
    let socket: WebSocket;
    try {
      socket = new Impl(this.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.retries = 0;
      this.setState('open');
      this.authenticate();
      for (const [topic, state] of this.topics) {
        this.send(
          state.epoch
            ? { op: 'subscribe', topic, resume: { epoch: state.epoch, seq: state.seq } }
            : { op: 'subscribe', topic },
        );
      }
      // Browsers cannot send WebSocket pings: an application ping keeps idle proxies quiet.
      this.pinger = setInterval(() => this.send({ op: 'ping' }), 25_000);
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      for (const line of event.data.split('\n')) {
        if (!line) continue;
        try {
          this.handle(JSON.parse(line) as ServerMessage);
        } catch {
          // an unreadable line: skip it
        }
      }
    };
    socket.onclose = () => {
      if (this.pinger) clearInterval(this.pinger);
      this.pinger = null;
      this.socket = null;
      this.setState('closed');
      if (!this.stopped && this.topics.size > 0) this.scheduleReconnect();
    };
  }

  private scheduleReconnect(delayMs?: number): void {
    if (this.timer) return;
    const wait = delayMs ?? Math.min(30_000, 500 * 2 ** this.retries) * (0.75 + Math.random() / 2);
    this.retries++;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.ensureOpen();
    }, wait);
  }

  private handle(message: ServerMessage): void {
    if (message.type === 'reconnect') {
      const wait = Number(message.retryAfterMs);
      this.socket?.close();
      this.scheduleReconnect(Number.isFinite(wait) ? wait : undefined);
      return;
    }
    if (message.type === 'auth_expired') {
      this.authenticate();
      return;
    }
    if (message.type === 'error' && message.code === 'account_mismatch') {
      // Another player signed in in this tab: start a new connection for them.
      this.socket?.close();
      return;
    }
    const topic = typeof message.topic === 'string' ? message.topic : null;
    const state = topic ? this.topics.get(topic) : undefined;
    if (!state) return;
    if (message.type === 'subscribed') {
      state.epoch = typeof message.epoch === 'string' ? message.epoch : null;
      if (typeof message.seq === 'number') state.seq = message.seq;
      return;
    }
    if (message.type === 'snapshot') {
      if (typeof message.seq === 'number') state.seq = message.seq;
      state.snapshot = message;
    } else if (typeof message.seq === 'number') {
      if (message.seq <= state.seq) return; // a repeat
      state.seq = message.seq;
    } else if (message.type !== 'error') {
      return;
    }
    for (const listener of [...state.listeners]) listener(message);
  }
}
