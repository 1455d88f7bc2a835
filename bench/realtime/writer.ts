// Price changes through the real catalogue code: each is one transaction (setPrice, which
// writes the outbox event in it). The origin of change k is the moment its commit returned.
import { setPrice } from '../../src/modules/catalog/index.ts';
import { openPostgres } from '../../src/platform/db/postgres.ts';

const db = await openPostgres({ url: process.env.DATABASE_URL!, poolSize: 2 });
const selection = process.env.BENCH_SELECTION!;
const BASE = 1500;
const actor = '00000000-0000-4000-8000-0000000be0c4';
const now = () => performance.timeOrigin + performance.now();
const origins: Record<number, number> = {};
let stopped = false;

process.on('message', async (m: { type: string; rate?: number }) => {
  if (m.type === 'start') {
    const every = 1000 / m.rate!;
    const started = now();
    for (let k = 1; !stopped; k++) {
      await db.transaction((tx) => setPrice(tx, selection, BASE + k, actor));
      origins[k] = now();
      const wait = started + k * every - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  } else if (m.type === 'stop') {
    stopped = true;
    await new Promise((r) => setTimeout(r, 100));
    process.send!({ type: 'origins', origins });
    await db.close();
    setTimeout(() => process.exit(0), 50);
  }
});
process.send!({ type: 'ready' });
