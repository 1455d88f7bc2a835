// The WebSocket protocol (docs/realtime.md): what clients may send, validated at the edge
// like HTTP bodies, and what the server sends. One schema per shape, also the TypeScript type.
import { Ajv, type ValidateFunction } from 'ajv';
import { type Static, Type } from 'typebox';

/** Close codes; 1xxx are the standard ones iBet uses, 4xxx its own. */
export const CLOSE = {
  normal: 1000,
  /** The server is draining (deploy, scale-in): reconnect, to another process. */
  goingAway: 1001,
  /** A frame over the size limit (sent by the ws library itself). */
  tooBig: 1009,
  /** No subscription and no message for IBET_WS_IDLE_SECONDS. */
  idle: 4000,
  /** The client did not read fast enough: more than IBET_WS_MAX_BUFFER bytes queued. */
  slowConsumer: 4008,
  /** The client kept sending over its message-rate limit. */
  rateLimited: 4029,
} as const;

const RequestId = Type.Optional(
  Type.String({ maxLength: 64, description: 'Echoed in the answer, to match it.' }),
);

/** `me`, or `event:<uuid>`, `market:<uuid>`, `sport:<uuid>`. */
export const TopicName = Type.String({ minLength: 1, maxLength: 80 });

export const AuthMessage = Type.Object(
  {
    op: Type.Literal('auth'),
    token: Type.String({ minLength: 1, maxLength: 4096 }),
    id: RequestId,
  },
  { additionalProperties: false },
);

export const Resume = Type.Object(
  {
    epoch: Type.String({ minLength: 1, maxLength: 40 }),
    seq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  },
  { additionalProperties: false },
);

export const SubscribeMessage = Type.Object(
  { op: Type.Literal('subscribe'), topic: TopicName, resume: Type.Optional(Resume), id: RequestId },
  { additionalProperties: false },
);

export const UnsubscribeMessage = Type.Object(
  { op: Type.Literal('unsubscribe'), topic: TopicName, id: RequestId },
  { additionalProperties: false },
);

export const PingMessage = Type.Object(
  { op: Type.Literal('ping'), id: RequestId },
  { additionalProperties: false },
);

export type AuthMessage = Static<typeof AuthMessage>;
export type SubscribeMessage = Static<typeof SubscribeMessage>;
export type UnsubscribeMessage = Static<typeof UnsubscribeMessage>;
export type PingMessage = Static<typeof PingMessage>;
export type ClientMessage = AuthMessage | SubscribeMessage | UnsubscribeMessage | PingMessage;

const ajv = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: false });
const VALIDATORS: Record<ClientMessage['op'], ValidateFunction> = {
  auth: ajv.compile(AuthMessage),
  subscribe: ajv.compile(SubscribeMessage),
  unsubscribe: ajv.compile(UnsubscribeMessage),
  ping: ajv.compile(PingMessage),
};

export type Parsed =
  | { ok: true; message: ClientMessage }
  | { ok: false; code: 'invalid_json' | 'invalid_message'; message: string; id?: string };

/** Parses one client frame: JSON, then the schema of its `op`. */
export function parseClientMessage(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: 'invalid_json', message: 'The frame is not JSON.' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'invalid_message', message: 'A message is a JSON object.' };
  }
  const record = value as Record<string, unknown>;
  const id = typeof record.id === 'string' && record.id.length <= 64 ? record.id : undefined;
  const op = record.op;
  if (typeof op !== 'string' || !Object.hasOwn(VALIDATORS, op)) {
    return {
      ok: false,
      code: 'invalid_message',
      message: `"op" must be one of ${Object.keys(VALIDATORS).join(', ')}.`,
      ...(id ? { id } : {}),
    };
  }
  const validate = VALIDATORS[op as ClientMessage['op']];
  if (!validate(value)) {
    const error = validate.errors?.[0];
    const where = error?.instancePath ? error.instancePath.slice(1) : op;
    const detail =
      error?.keyword === 'additionalProperties'
        ? `unknown field "${(error.params as { additionalProperty: string }).additionalProperty}"`
        : (error?.message ?? 'invalid');
    return {
      ok: false,
      code: 'invalid_message',
      message: `${op}: ${where} ${detail}.`,
      ...(id ? { id } : {}),
    };
  }
  return { ok: true, message: value as ClientMessage };
}

// ---------------------------------------------------------------------------------------
// What the server sends. Data messages (market, result, event, bet, balance) belong to a
// topic and carry its sequence number; a frame may hold several messages, one per line.

const Seq = Type.Integer({ minimum: 1 });
const Price = Type.String({ pattern: '^[0-9]+(\\.[0-9]{1,3})?$' });
const Amount = Type.String({ pattern: '^-?[0-9]+$' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

export const MarketMessage = Type.Object(
  {
    topic: Type.String(),
    seq: Seq,
    type: Type.Literal('market'),
    id: Type.String(),
    event: Type.String(),
    status: Type.Union([
      Type.Literal('open'),
      Type.Literal('suspended'),
      Type.Literal('closed'),
      Type.Literal('settled'),
    ]),
    prices: Type.Record(Type.String(), Price, { description: 'selection id → decimal odds' }),
  },
  { additionalProperties: false, description: 'A market’s status and prices changed.' },
);

export const ResultMessage = Type.Object(
  {
    topic: Type.String(),
    seq: Seq,
    type: Type.Literal('result'),
    id: Type.String(),
    event: Type.String(),
    void: Type.Boolean(),
    winners: Type.Array(Type.String()),
  },
  { additionalProperties: false, description: 'A market was resulted (it is settled).' },
);

const Score = Nullable(
  Type.Object(
    { home: Type.Integer(), away: Type.Integer(), detail: Nullable(Type.String()) },
    { additionalProperties: false },
  ),
);
const Clock = Nullable(
  Type.Object(
    { period: Type.String(), minute: Nullable(Type.Integer()), running: Type.Boolean() },
    { additionalProperties: false },
  ),
);

export const EventMessage = Type.Object(
  {
    topic: Type.String(),
    seq: Seq,
    type: Type.Literal('event'),
    id: Type.String(),
    sport: Type.String(),
    name: Type.String(),
    startsAt: Type.String(),
    status: Type.Union([
      Type.Literal('scheduled'),
      Type.Literal('live'),
      Type.Literal('ended'),
      Type.Literal('cancelled'),
    ]),
    score: Score,
    clock: Clock,
    markets: Type.Optional(Type.Array(Type.Unknown(), { description: 'new events only' })),
  },
  { additionalProperties: false, description: 'An event was created or its live state changed.' },
);

export const BetMessage = Type.Object(
  {
    topic: Type.Literal('me'),
    seq: Seq,
    type: Type.Literal('bet'),
    id: Type.String(),
    status: Type.String({ description: 'open, won, lost, void … (as the bet API)' }),
    stake: Amount,
    currency: Type.String(),
    potentialPayout: Type.Optional(Amount),
    payout: Type.Optional(Nullable(Amount)),
  },
  { additionalProperties: false, description: 'One of my bets was placed or changed.' },
);

export const BalanceMessage = Type.Object(
  {
    topic: Type.Literal('me'),
    seq: Seq,
    type: Type.Literal('balance'),
    currency: Type.String(),
    balance: Amount,
  },
  { additionalProperties: false, description: 'My cash balance changed.' },
);

export const RealityCheckMessage = Type.Object(
  {
    topic: Type.Literal('me'),
    seq: Seq,
    type: Type.Literal('reality_check'),
    id: Type.String({
      description: 'acknowledge at POST /api/v1/me/reality-check/{id}/acknowledge',
    }),
    dueAt: Type.String(),
    elapsedSeconds: Type.Integer({ description: 'since the session began' }),
    staked: Amount,
    returned: Amount,
    net: Amount,
    currency: Type.String(),
  },
  {
    additionalProperties: false,
    description: 'A reality check is due: show it and have the player acknowledge it.',
  },
);

export const DataMessage = Type.Union([
  MarketMessage,
  ResultMessage,
  EventMessage,
  BetMessage,
  BalanceMessage,
  RealityCheckMessage,
]);
export type DataMessage = Static<typeof DataMessage>;

/** Control messages: answers and notices without a topic sequence. */
export const ControlMessage = Type.Union([
  Type.Object({
    type: Type.Literal('welcome'),
    connection: Type.String(),
    heartbeatSeconds: Type.Integer(),
    account: Nullable(Type.Object({ id: Type.String(), kind: Type.String() })),
  }),
  Type.Object({
    type: Type.Literal('authenticated'),
    account: Type.Object({ id: Type.String(), kind: Type.String() }),
    expiresAt: Type.String(),
    id: RequestId,
  }),
  Type.Object({ type: Type.Literal('auth_expired') }),
  Type.Object({
    type: Type.Literal('subscribed'),
    topic: Type.String(),
    epoch: Type.String(),
    seq: Type.Integer({ minimum: 0 }),
    resumed: Type.Boolean(),
    id: RequestId,
  }),
  Type.Object({
    type: Type.Literal('snapshot'),
    topic: Type.String(),
    seq: Type.Integer({ minimum: 0 }),
    data: Type.Unknown(),
  }),
  Type.Object({ type: Type.Literal('unsubscribed'), topic: Type.String(), id: RequestId }),
  Type.Object({ type: Type.Literal('pong'), id: RequestId }),
  Type.Object({
    type: Type.Literal('reconnect'),
    reason: Type.String(),
    retryAfterMs: Type.Integer(),
  }),
  Type.Object({
    type: Type.Literal('error'),
    code: Type.String(),
    message: Type.String(),
    topic: Type.Optional(Type.String()),
    id: RequestId,
  }),
]);
export type ControlMessage = Static<typeof ControlMessage>;

export const ServerMessage = Type.Union([DataMessage, ControlMessage]);
