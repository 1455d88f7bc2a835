// Fan-out through Redis: one Lua script numbers, keeps and publishes a batch atomically, so
// every realtime process sees the same sequence numbers and can serve any client's resume.
// Keys (all under the configured prefix):
//   <p>:t:<topic>   hash {seq, epoch}      7 days after the topic's last frame
//   <p>:b:<topic>   list of "seq\tframe"   the last N frames, 1 hour after the last one
//   <p>:v:<key>     newest version         10 minutes (redelivery and relay races are seconds)
//   <p>:fanout      the pub/sub channel: "topic\tseq\tepoch\tat\tframe" lines
// Redis holds nothing durable: losing it costs clients a snapshot, never a wrong state.
// The scripts name keys they compute, so they need a single Redis (or one hash slot).
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Delivered, FanOut, FanOutOptions, TopicHead } from './fanout.ts';

const TOPIC_TTL = 7 * 86400;
const BUFFER_TTL = 3600;
const VERSION_TTL = 600;

// A topic's epoch is made from the server clock when its numbering (re)starts.
const EPOCH = `
local function topic_epoch(tkey)
  local epoch = redis.call('HGET', tkey, 'epoch')
  if not epoch then
    local now = redis.call('TIME')
    epoch = now[1] .. string.format('%06d', tonumber(now[2]))
    redis.call('HSET', tkey, 'epoch', epoch)
  end
  return epoch
end
`;

const PUBLISH = `${EPOCH}
local p, size = ARGV[1], tonumber(ARGV[2])
local out = {}
local i = 4
for _ = 1, tonumber(ARGV[3]) do
  local key, version, at, nt, body = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3]), ARGV[i + 4]
  i = i + 5
  local vkey = p .. ':v:' .. key
  local current = redis.call('GET', vkey)
  local fresh = (not current) or tonumber(current) < tonumber(version)
  if fresh then redis.call('SET', vkey, version, 'EX', ${VERSION_TTL}) end
  for _ = 1, nt do
    local topic, label = ARGV[i], ARGV[i + 1]
    i = i + 2
    if fresh then
      local tkey = p .. ':t:' .. topic
      local seq = redis.call('HINCRBY', tkey, 'seq', 1)
      local epoch = topic_epoch(tkey)
      redis.call('EXPIRE', tkey, ${TOPIC_TTL})
      local frame = '{"topic":"' .. label .. '","seq":' .. seq .. ',' .. body .. '}'
      local bkey = p .. ':b:' .. topic
      redis.call('RPUSH', bkey, seq .. '\\t' .. frame)
      redis.call('LTRIM', bkey, -size, -1)
      redis.call('EXPIRE', bkey, ${BUFFER_TTL})
      out[#out + 1] = topic .. '\\t' .. seq .. '\\t' .. epoch .. '\\t' .. at .. '\\t' .. frame
    end
  end
end
if #out > 0 then redis.call('PUBLISH', p .. ':fanout', table.concat(out, '\\n')) end
return #out
`;

const HEAD = `${EPOCH}
local tkey = ARGV[1] .. ':t:' .. ARGV[2]
local epoch = topic_epoch(tkey)
local seq = tonumber(redis.call('HGET', tkey, 'seq') or '0')
if seq == 0 then redis.call('HSET', tkey, 'seq', 0) end
redis.call('EXPIRE', tkey, ${TOPIC_TTL})
return {epoch, seq}
`;

// Returns {epoch, seq} and, when the frames after ARGV[4] of epoch ARGV[3] are all kept,
// those frames; otherwise {epoch, seq, false}.
const SINCE = `${EPOCH}
local tkey = ARGV[1] .. ':t:' .. ARGV[2]
local epoch = topic_epoch(tkey)
local seq = tonumber(redis.call('HGET', tkey, 'seq') or '0')
local after = tonumber(ARGV[4])
if epoch ~= ARGV[3] or after > seq or after < 0 then return {epoch, seq, 0} end
local missing = seq - after
if missing == 0 then return {epoch, seq, 1} end
local bkey = ARGV[1] .. ':b:' .. ARGV[2]
if redis.call('LLEN', bkey) < missing then return {epoch, seq, 0} end
local frames = redis.call('LRANGE', bkey, -missing, -1)
table.insert(frames, 1, 1)
table.insert(frames, 1, seq)
table.insert(frames, 1, epoch)
return frames
`;

type ScriptRunner = (...args: (string | number)[]) => Promise<unknown>;

interface Scripted extends Redis {
  ibetPublish: ScriptRunner;
  ibetHead: ScriptRunner;
  ibetSince: ScriptRunner;
}

/** Parses one pub/sub payload into frames. */
export function parseFanOutPayload(payload: string): Delivered[] {
  const out: Delivered[] = [];
  for (const line of payload.split('\n')) {
    const a = line.indexOf('\t');
    const b = line.indexOf('\t', a + 1);
    const c = line.indexOf('\t', b + 1);
    const d = line.indexOf('\t', c + 1);
    if (a < 0 || b < 0 || c < 0 || d < 0) continue;
    out.push({
      topic: line.slice(0, a),
      seq: Number(line.slice(a + 1, b)),
      epoch: line.slice(b + 1, c),
      at: Number(line.slice(c + 1, d)),
      frame: line.slice(d + 1),
    });
  }
  return out;
}

function connect(url: string, name: string, log: Logger): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    // A command waits at most this long while Redis is away; the relay then retries the batch.
    maxRetriesPerRequest: 3,
    commandTimeout: 5000,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 5000),
  });
  let down = false;
  redis.on('error', (error) => {
    if (!down) log.warn({ err: error, connection: name }, 'redis connection failed; retrying');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info({ connection: name }, 'redis connection back');
    down = false;
  });
  return redis;
}

export async function createRedisFanOut(
  options: FanOutOptions & { url: string; prefix: string; log: Logger },
): Promise<FanOut> {
  const { prefix, log } = options;
  const channel = `${prefix}:fanout`;
  const commands = connect(options.url, `${prefix}-fanout`, log) as Scripted;
  commands.defineCommand('ibetPublish', { numberOfKeys: 0, lua: PUBLISH });
  commands.defineCommand('ibetHead', { numberOfKeys: 0, lua: HEAD });
  commands.defineCommand('ibetSince', { numberOfKeys: 0, lua: SINCE });
  await commands.connect();

  const handlers = new Set<(frames: Delivered[]) => void>();
  const resyncHandlers = new Set<() => void>();
  let subscriber: Redis | undefined;
  let subscribed = false;

  const ensureSubscriber = async () => {
    if (subscriber) return;
    subscriber = connect(options.url, `${prefix}-fanout-sub`, log);
    subscriber.on('message', (from: string, payload: string) => {
      if (from !== channel) return;
      const frames = parseFanOutPayload(payload);
      if (frames.length === 0) return;
      for (const handler of handlers) handler(frames);
    });
    // ioredis subscribes again after a reconnect; frames published meanwhile were missed.
    subscriber.on('ready', () => {
      if (!subscribed) return;
      for (const handler of resyncHandlers) handler();
    });
    await subscriber.connect();
    await subscriber.subscribe(channel);
    subscribed = true;
  };

  const parseHead = (reply: unknown): TopicHead => {
    const [epoch, seq] = reply as [string, number];
    return { epoch: String(epoch), seq: Number(seq) };
  };

  return {
    kind: 'redis',
    async publish(messages) {
      if (messages.length === 0) return 0;
      const args: (string | number)[] = [prefix, options.bufferSize, messages.length];
      for (const m of messages) {
        args.push(m.key, m.version.toString(), m.at, m.topics.length, m.body);
        for (const t of m.topics) args.push(t.name, JSON.stringify(t.label).slice(1, -1));
      }
      return Number(await commands.ibetPublish(...args));
    },
    subscribe(handler) {
      handlers.add(handler);
      void ensureSubscriber().catch((error) =>
        log.error({ err: error }, 'could not subscribe to the realtime fan-out channel'),
      );
      return () => handlers.delete(handler);
    },
    onResync(handler) {
      resyncHandlers.add(handler);
      return () => resyncHandlers.delete(handler);
    },
    async head(topic) {
      return parseHead(await commands.ibetHead(prefix, topic));
    },
    async since(topic, after) {
      const reply = (await commands.ibetSince(prefix, topic, after.epoch, after.seq)) as (
        | string
        | number
      )[];
      const head = parseHead(reply);
      if (Number(reply[2]) !== 1) return null;
      const frames: Delivered[] = [];
      for (const entry of reply.slice(3) as string[]) {
        const tab = entry.indexOf('\t');
        frames.push({
          topic,
          seq: Number(entry.slice(0, tab)),
          epoch: head.epoch,
          at: 0,
          frame: entry.slice(tab + 1),
        });
      }
      return { head, frames };
    },
    async close() {
      handlers.clear();
      resyncHandlers.clear();
      subscriber?.disconnect();
      await commands.quit().catch(() => commands.disconnect());
    },
  };
}
