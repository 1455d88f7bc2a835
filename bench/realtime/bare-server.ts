// The baseline: a bare `ws` broadcast of the same messages to every connected client, at the
// same rate, in one process. No database, no Redis, no topics: the cost of the sockets alone.
import { WebSocketServer } from 'ws';

const port = Number(process.env.BENCH_PORT);
const selection = process.env.BENCH_SELECTION!;
const marketId = process.env.BENCH_MARKET!;
const eventId = process.env.BENCH_EVENT!;
const BASE = 1500;
const wss = new WebSocketServer({ port, host: '127.0.0.1', perMessageDeflate: false });
const now = () => performance.timeOrigin + performance.now();

const origins: Record<number, number> = {};
let timer: NodeJS.Timeout | undefined;
let k = 0;
let seq = 0;

const price = (n: number) => {
  const t = BASE + n;
  return `${Math.floor(t / 1000)}.${String(t % 1000).padStart(3, '0')}`;
};

process.on('message', (m: { type: string; rate?: number }) => {
  if (m.type === 'start') {
    const every = 1000 / m.rate!;
    const started = now();
    const tick = () => {
      k++;
      seq++;
      const frame = `{"topic":"event:${eventId}","seq":${seq},"type":"market","id":"${marketId}","event":"${eventId}","status":"open","prices":{"${selection}":"${price(k)}","00000000-0000-4000-8000-000000000002":"3.40","00000000-0000-4000-8000-000000000003":"3.25"}}`;
      origins[k] = now();
      for (const ws of wss.clients) ws.send(frame);
      timer = setTimeout(tick, Math.max(0, started + (k + 1) * every - now()));
    };
    tick();
  } else if (m.type === 'stop') {
    if (timer) clearTimeout(timer);
    // Stays up (its clients are counted after this); the orchestrator ends it.
    process.send!({ type: 'origins', origins });
  }
});
wss.on('listening', () => process.send!({ type: 'listening' }));
