// Load generator: N WebSocket clients subscribed to one topic. For every message it records
// when it arrived (wall clock, µs precision) against the change number `k` the message
// carries (encoded in a price by the writer or the bare server). At the end the parent
// sends the origin time of each change; the clients answer with latency percentiles.
import { WebSocket } from 'ws';

const url = process.env.BENCH_URL!;
const clients = Number(process.env.BENCH_CLIENTS ?? 5000);
const topic = process.env.BENCH_TOPIC; // unset: the bare server needs no subscription
const selection = process.env.BENCH_SELECTION!;
const BASE = 1500;

const now = () => performance.timeOrigin + performance.now();
let measuring = false;
let received = 0;
let frames = 0;
// Arrival times per change: k → list of times (one per client that got it).
const arrivals = new Map<number, number[]>();
let errors = 0;

const needle = `"${selection}":"`;

/** Finds the change number in a message without parsing all of it (the client is cheap). */
function record(line: string, at: number) {
  const start = line.indexOf(needle);
  if (start < 0) return;
  const from = start + needle.length;
  const price = line.slice(from, line.indexOf('"', from));
  const [whole, fraction = ''] = price.split('.');
  const k = Number(whole) * 1000 + Number(fraction.padEnd(3, '0')) - BASE;
  received++;
  let list = arrivals.get(k);
  if (!list) {
    list = [];
    arrivals.set(k, list);
  }
  list.push(at);
}

async function connect(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('error', (e) => {
      errors++;
      reject(e);
    });
    ws.on('message', (data) => {
      const at = now();
      const text = data.toString();
      if (!measuring) {
        if (text.includes('"subscribed"')) ws.emit('subscribed');
        return;
      }
      frames++;
      if (text.includes('\n')) for (const line of text.split('\n')) record(line, at);
      else record(text, at);
    });
    ws.on('open', () => {
      if (!topic) return resolve(ws);
      ws.once('subscribed', () => resolve(ws));
      ws.send(JSON.stringify({ op: 'subscribe', topic }));
    });
  });
}

const sockets: WebSocket[] = [];
for (let i = 0; i < clients; i += 250) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(250, clients - i) }, () => connect()),
  );
  sockets.push(...batch);
}
process.send!({ type: 'ready', clients: sockets.length });

process.on('message', (m: { type: string; origins?: Record<string, number> }) => {
  if (m.type === 'start') {
    measuring = true;
    received = 0;
    frames = 0;
  } else if (m.type === 'stop') {
    measuring = false;
    const origins = m.origins!;
    const latencies: number[] = [];
    let unmatched = 0;
    for (const [k, times] of arrivals) {
      const origin = origins[k];
      if (origin === undefined) {
        unmatched += times.length;
        continue;
      }
      for (const t of times) latencies.push(t - origin);
    }
    latencies.sort((a, b) => a - b);
    const q = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
    const closed = sockets.filter((s) => s.readyState !== WebSocket.OPEN).length;
    process.send!({
      type: 'result',
      received,
      frames,
      unmatched,
      closed,
      errors,
      changes: arrivals.size,
      p50: q(0.5),
      p95: q(0.95),
      p99: q(0.99),
      max: latencies.at(-1) ?? NaN,
    });
    for (const s of sockets) s.terminate();
    setTimeout(() => process.exit(0), 200);
  }
});
