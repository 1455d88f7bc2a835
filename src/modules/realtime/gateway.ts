// The WebSocket gateway at /ws (docs/realtime.md): authenticates with the API's access tokens
// (or not at all, for public topics), validates every client message, keeps each connection
// within its limits (subscriptions, message rate, bytes queued), pings, closes idle
// connections, and on shutdown tells every client to reconnect elsewhere.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { decodeJwt } from 'jose';
import type { Logger } from 'pino';
import * as wsModule from 'ws';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { Config } from '../../platform/config.ts';
import { DomainError } from '../../platform/errors.ts';
import type { ApiClient, Principal } from '../../platform/http/access.ts';
import { problem } from '../../platform/http/problem.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import type { Hub, Subscriber } from './hub.ts';
import type { RealtimeMetrics } from './metrics.ts';
import { CLOSE, type ClientMessage, parseClientMessage } from './protocol.ts';
import { isTopicError, resolveTopic, type Topic } from './topics.ts';

export const WS_PATH = '/ws';
/** Client frames are small commands; anything larger is refused (close 1009). */
export const MAX_CLIENT_FRAME = 4096;
/** Over-limit messages tolerated before the connection is closed (4029). */
const RATE_STRIKES = 50;

export interface GatewayOptions {
  http: HttpServer;
  hub: Hub;
  verifyToken(token: string): Promise<Principal>;
  /** Partner programs: an X-Api-Key with the odds:read scope opens a connection for public topics. */
  verifyApiKey?(key: string): Promise<ApiClient>;
  limits: Config['realtime'];
  metrics: RealtimeMetrics;
  log: Logger;
}

export interface Gateway {
  readonly draining: boolean;
  readonly connectionCount: number;
  /** Refuses new connections from now on (readiness fails elsewhere). */
  beginDrain(): void;
  /** Tells every client to reconnect elsewhere and closes them over the drain window. */
  close(): Promise<void>;
}

const SEND_TEXT = { binary: false } as const;

// A frame of topic messages goes to thousands of sockets: it is framed once (the WebSocket
// header computed once, header and payload in one buffer) and written to each socket as it
// is. Safe because compression is off, so the ws library writes whole frames straight to the
// socket too and nothing of ours can land inside one of its frames.
type FrameFn = (data: Buffer, options: Record<string, unknown>) => Buffer[];
const frameOf = (wsModule as unknown as { Sender: { frame: FrameFn } }).Sender.frame;
const FRAME = { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false };
const framed = new WeakMap<Buffer, Buffer>();
function prebuilt(data: Buffer): Buffer {
  let frame = framed.get(data);
  if (!frame) {
    const parts = frameOf(data, FRAME);
    frame = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    framed.set(data, frame);
  }
  return frame;
}

const accountOf = (p: Principal) => ({ id: p.accountId, kind: p.kind });

class Connection implements Subscriber {
  readonly id = randomUUID();
  principal: Principal | undefined;
  /** A partner program's API key (public topics only: it is never a principal). */
  apiClient: ApiClient | undefined;
  readonly topics = new Map<string, Topic>();
  tokens: number;
  lastRefill = Date.now();
  strikes = 0;
  lastRateError = 0;
  lastActivity = Date.now();
  alive = true;
  closed = false;
  #expiry: NodeJS.Timeout | undefined;

  constructor(
    readonly ws: WebSocket,
    private readonly gateway: GatewayImpl,
  ) {
    this.tokens = gateway.limits.messagesPerSecond * 2;
  }

  push(frame: Buffer): boolean {
    if (this.closed) return false;
    // What is still queued from earlier frames, not this frame's size: a client that keeps
    // up takes a large batch; one that does not is dropped before it costs more memory.
    if (this.ws.bufferedAmount > this.gateway.limits.maxBufferBytes) {
      this.gateway.drop(this, CLOSE.slowConsumer, 'slow_consumer');
      return false;
    }
    const socket = (this.ws as unknown as { _socket?: Socket })._socket;
    if (socket && this.ws.readyState === WebSocket.OPEN) socket.write(prebuilt(frame));
    else this.ws.send(frame, SEND_TEXT);
    return true;
  }

  control(message: Record<string, unknown>): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify(message));
  }

  lost(topic: Topic): void {
    if (this.topics.get(topic.label) === topic) this.topics.delete(topic.label);
  }

  /** Token bucket: messagesPerSecond, bursts of twice that. */
  allow(): boolean {
    const now = Date.now();
    const rate = this.gateway.limits.messagesPerSecond;
    this.tokens = Math.min(rate * 2, this.tokens + ((now - this.lastRefill) / 1000) * rate);
    this.lastRefill = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  authenticate(principal: Principal, expiresAt: number): void {
    this.principal = principal;
    if (this.#expiry) clearTimeout(this.#expiry);
    this.#expiry = setTimeout(() => this.expire(), Math.max(0, expiresAt - Date.now()));
    this.#expiry.unref();
  }

  /** The access token ran out: private topics end; public ones go on. */
  expire(): void {
    this.#expiry = undefined;
    this.principal = undefined;
    for (const topic of [...this.topics.values()]) {
      if (!topic.private) continue;
      this.gateway.hub.unsubscribe(this, topic.name);
      this.topics.delete(topic.label);
    }
    this.control({ type: 'auth_expired' });
  }

  dispose(): void {
    this.closed = true;
    if (this.#expiry) clearTimeout(this.#expiry);
    for (const topic of this.topics.values()) this.gateway.hub.unsubscribe(this, topic.name);
    this.topics.clear();
  }
}

function refuseUpgrade(
  socket: Duplex,
  status: number,
  code: string,
  detail: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(problem(status, code, detail));
  const lines = [
    `HTTP/1.1 ${status} ${problem(status, code, detail).title}`,
    'Connection: close',
    'Content-Type: application/problem+json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** Seconds-since-epoch `exp` of a verified token, as ms. */
function expiryOf(token: string): number {
  const exp = decodeJwt(token).exp;
  return typeof exp === 'number' ? exp * 1000 : Date.now() + 900_000;
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;

class GatewayImpl implements Gateway {
  readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_FRAME,
    perMessageDeflate: false,
    clientTracking: false,
  });
  readonly connections = new Set<Connection>();
  draining = false;
  readonly #sweep: NodeJS.Timeout;
  #lastPing = Date.now();
  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) =>
    void this.upgrade(request, socket, head);

  constructor(readonly options: GatewayOptions) {
    options.http.server.on('upgrade', this.#onUpgrade);
    const { heartbeatSeconds, idleSeconds } = options.limits;
    const every = Math.max(100, Math.min(heartbeatSeconds, idleSeconds) * 500);
    this.#sweep = setInterval(() => this.sweep(), every);
    this.#sweep.unref();
  }

  get limits() {
    return this.options.limits;
  }
  get hub() {
    return this.options.hub;
  }
  get metrics() {
    return this.options.metrics;
  }
  get connectionCount() {
    return this.connections.size;
  }

  async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const path = (request.url ?? '').split('?')[0];
    if (path !== WS_PATH) {
      this.metrics.refused.inc({ reason: 'not_found' });
      return refuseUpgrade(socket, 404, 'route_not_found', `No WebSocket endpoint at ${path}.`);
    }
    if (this.draining) {
      this.metrics.refused.inc({ reason: 'draining' });
      return refuseUpgrade(socket, 503, 'draining', 'This server is shutting down; reconnect.', {
        'Retry-After': '1',
      });
    }
    if (this.connections.size >= this.limits.maxConnections) {
      this.metrics.refused.inc({ reason: 'capacity' });
      return refuseUpgrade(socket, 503, 'capacity', 'This server is full; reconnect.', {
        'Retry-After': '1',
      });
    }
    // Programs may authenticate on the upgrade; browsers, which cannot set the header, send
    // {"op":"auth"} as their first message.
    let principal: Principal | undefined;
    let expiresAt = 0;
    const header = request.headers.authorization;
    if (header) {
      const token = BEARER.exec(header)?.[1];
      try {
        if (!token) throw new DomainError('token_invalid', 'unauthenticated', 'Bad header.');
        principal = await this.options.verifyToken(token);
        expiresAt = expiryOf(token);
      } catch (error) {
        this.metrics.refused.inc({ reason: 'unauthenticated' });
        const known = error instanceof DomainError;
        return refuseUpgrade(
          socket,
          401,
          known ? error.code : 'token_invalid',
          known ? error.message : 'The access token is not valid.',
        );
      }
    }
    // Partner programs send their API key instead; it must carry odds:read, and it opens
    // the public topics only (a key is never a player).
    let apiClient: ApiClient | undefined;
    const apiKey = request.headers['x-api-key'];
    if (typeof apiKey === 'string' && apiKey !== '' && !principal) {
      try {
        if (!this.options.verifyApiKey) {
          throw new DomainError(
            'api_key_invalid',
            'unauthenticated',
            'API keys are not accepted here.',
          );
        }
        apiClient = await this.options.verifyApiKey(apiKey);
      } catch (error) {
        this.metrics.refused.inc({ reason: 'unauthenticated' });
        const known = error instanceof DomainError;
        return refuseUpgrade(
          socket,
          known && error.kind === 'forbidden' ? 403 : 401,
          known ? error.code : 'api_key_invalid',
          known ? error.message : 'The API key is not valid.',
        );
      }
      if (!apiClient.scopes.has('odds:read')) {
        this.metrics.refused.inc({ reason: 'forbidden' });
        return refuseUpgrade(socket, 403, 'forbidden', 'This API key lacks the "odds:read" scope.');
      }
    }
    if (socket.destroyed) return;
    this.wss.handleUpgrade(request, socket, head, (ws) =>
      this.accept(ws, principal, expiresAt, apiClient),
    );
  }

  accept(
    ws: WebSocket,
    principal: Principal | undefined,
    expiresAt: number,
    apiClient?: ApiClient,
  ): void {
    const conn = new Connection(ws, this);
    conn.apiClient = apiClient;
    this.connections.add(conn);
    this.metrics.connections.inc();
    if (principal) conn.authenticate(principal, expiresAt);
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('message', (data, isBinary) => this.message(conn, data, isBinary));
    ws.on('error', () => {}); // e.g. an oversized frame: ws closes with 1009 itself
    ws.on('close', () => {
      if (!this.connections.delete(conn)) return;
      this.metrics.connections.dec();
      conn.dispose();
    });
    conn.control({
      type: 'welcome',
      connection: conn.id,
      heartbeatSeconds: this.limits.heartbeatSeconds,
      account: principal ? accountOf(principal) : null,
    });
  }

  message(conn: Connection, data: RawData, isBinary: boolean): void {
    if (conn.closed) return;
    conn.alive = true;
    conn.lastActivity = Date.now();
    if (!conn.allow()) {
      this.metrics.clientMessages.inc({ op: 'rate_limited' });
      if (++conn.strikes > RATE_STRIKES) {
        this.drop(conn, CLOSE.rateLimited, 'rate_limited');
        return;
      }
      // One error a second is enough: a flood must not make the server flood back.
      if (conn.lastActivity - conn.lastRateError >= 1000) {
        conn.lastRateError = conn.lastActivity;
        conn.control({
          type: 'error',
          code: 'rate_limited',
          message: `Over ${this.limits.messagesPerSecond} messages a second: this one was ignored; keep it up and the connection closes (4029).`,
        });
      }
      return;
    }
    conn.strikes = 0;
    if (isBinary) {
      this.metrics.clientMessages.inc({ op: 'invalid' });
      conn.control({
        type: 'error',
        code: 'invalid_message',
        message: 'Send text frames of JSON.',
      });
      return;
    }
    const parsed = parseClientMessage(data.toString());
    if (!parsed.ok) {
      this.metrics.clientMessages.inc({ op: 'invalid' });
      conn.control({
        type: 'error',
        code: parsed.code,
        message: parsed.message,
        ...(parsed.id ? { id: parsed.id } : {}),
      });
      return;
    }
    this.metrics.clientMessages.inc({ op: parsed.message.op });
    void this.handle(conn, parsed.message).catch((error: unknown) => {
      this.options.log.error({ err: error }, 'realtime message failed');
      conn.control({ type: 'error', code: 'internal', message: 'Something went wrong.' });
    });
  }

  async handle(conn: Connection, message: ClientMessage): Promise<void> {
    const id = message.id ? { id: message.id } : {};
    switch (message.op) {
      case 'ping':
        conn.control({ type: 'pong', ...id });
        return;
      case 'auth': {
        let principal: Principal;
        try {
          principal = await this.options.verifyToken(message.token);
        } catch (error) {
          const known = error instanceof DomainError;
          conn.control({
            type: 'error',
            code: known ? error.code : 'token_invalid',
            message: known ? error.message : 'The access token is not valid.',
            ...id,
          });
          return;
        }
        if (conn.principal && conn.principal.accountId !== principal.accountId) {
          conn.control({
            type: 'error',
            code: 'account_mismatch',
            message: 'This connection belongs to another account; open a new one.',
            ...id,
          });
          return;
        }
        const expiresAt = expiryOf(message.token);
        conn.authenticate(principal, expiresAt);
        conn.control({
          type: 'authenticated',
          account: accountOf(principal),
          expiresAt: new Date(expiresAt).toISOString(),
          ...id,
        });
        return;
      }
      case 'subscribe': {
        const topic = resolveTopic(message.topic, conn.principal);
        if (isTopicError(topic)) {
          conn.control({ type: 'error', ...topic, topic: message.topic.slice(0, 80), ...id });
          return;
        }
        if (conn.topics.has(topic.label)) {
          conn.control({
            type: 'error',
            code: 'already_subscribed',
            message: `Already subscribed to ${topic.label}; unsubscribe first to start over.`,
            topic: topic.label,
            ...id,
          });
          return;
        }
        if (conn.topics.size >= this.limits.maxSubscriptions) {
          conn.control({
            type: 'error',
            code: 'too_many_subscriptions',
            message: `At most ${this.limits.maxSubscriptions} topics per connection.`,
            topic: topic.label,
            ...id,
          });
          return;
        }
        conn.topics.set(topic.label, topic);
        await this.hub.subscribe(conn, topic, message.resume, message.id);
        return;
      }
      case 'unsubscribe': {
        const label =
          conn.principal && message.topic === `player:${conn.principal.accountId}`
            ? 'me'
            : message.topic;
        const topic = conn.topics.get(label);
        if (!topic) {
          conn.control({
            type: 'error',
            code: 'not_subscribed',
            message: `Not subscribed to ${message.topic.slice(0, 80)}.`,
            ...id,
          });
          return;
        }
        conn.topics.delete(label);
        this.hub.unsubscribe(conn, topic.name);
        conn.control({ type: 'unsubscribed', topic: label, ...id });
        return;
      }
    }
  }

  /** Ends a connection for a reason of the server's (slow, flooding, idle). */
  drop(conn: Connection, code: number, reason: string): void {
    if (conn.closed) return;
    conn.dispose();
    this.metrics.closed.inc({ reason });
    // The close frame queues behind what is buffered; ws destroys the socket if the client
    // does not answer it within its close timeout.
    conn.ws.close(code, reason);
  }

  sweep(): void {
    const now = Date.now();
    const ping = now - this.#lastPing >= this.limits.heartbeatSeconds * 1000;
    if (ping) this.#lastPing = now;
    const idleMs = this.limits.idleSeconds * 1000;
    for (const conn of this.connections) {
      if (conn.closed) continue;
      if (conn.topics.size === 0 && now - conn.lastActivity > idleMs) {
        this.drop(conn, CLOSE.idle, 'idle');
        continue;
      }
      if (!ping) continue;
      if (!conn.alive) {
        // No pong since the last ping: the peer is gone; nobody is there to read a close frame.
        conn.dispose();
        this.metrics.closed.inc({ reason: 'heartbeat' });
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }

  beginDrain(): void {
    this.draining = true;
  }

  async close(): Promise<void> {
    this.beginDrain();
    clearInterval(this.#sweep);
    const conns = [...this.connections];
    // Spread over the window, so that clients do not all reconnect in the same instant.
    const windowMs = this.limits.drainSeconds * 1000;
    const steps = Math.max(1, Math.min(conns.length, Math.ceil(windowMs / 50)));
    const perStep = Math.ceil(conns.length / steps);
    for (let i = 0; i < conns.length; i += perStep) {
      for (const conn of conns.slice(i, i + perStep)) {
        if (conn.closed) continue;
        conn.control({
          type: 'reconnect',
          reason: 'draining',
          retryAfterMs: Math.floor(Math.random() * 1000),
        });
        this.drop(conn, CLOSE.goingAway, 'draining');
      }
      if (i + perStep < conns.length) await new Promise((r) => setTimeout(r, windowMs / steps));
    }
    // Give the close handshakes a moment, then cut what is left.
    const deadline = Date.now() + 2000;
    while (this.connections.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const conn of this.connections) conn.ws.terminate();
    this.options.http.server.off('upgrade', this.#onUpgrade);
    this.wss.close();
  }
}

export function startGateway(options: GatewayOptions): Gateway {
  const gateway = new GatewayImpl(options);
  // A plain GET (no upgrade) gets a clear answer instead of a 404.
  options.http.get(
    WS_PATH,
    { config: { access: 'public' }, schema: { hide: true } },
    async (_request, reply) =>
      reply
        .code(426)
        .header('upgrade', 'websocket')
        .type('application/problem+json')
        .send(
          problem(
            426,
            'upgrade_required',
            'This is a WebSocket endpoint: connect with a WebSocket client (see docs/realtime.md).',
          ),
        ),
  );
  return gateway;
}
