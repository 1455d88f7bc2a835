// Baseline: a bare Fastify server — what Node and Fastify do on this machine with nothing
// behind them. With BENCH_BODIES (a JSON file of {sports, events, event}: answers iBet gave),
// it serves the browse routes with those same bodies (serialized on each request, no database),
// so the browse comparison is of equal payloads; without, one small JSON route at `/`.
// Listens on 127.0.0.1:BENCH_PORT.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const small = { ok: true, service: 'bare', items: [1, 2, 3] };
app.get('/', async () => small);
if (process.env.BENCH_BODIES) {
  const bodies = JSON.parse(readFileSync(process.env.BENCH_BODIES, 'utf8')) as {
    sports: unknown;
    events: unknown;
    event: unknown;
  };
  app.get('/api/v1/sports', async () => bodies.sports);
  app.get('/api/v1/events', async () => bodies.events);
  app.get('/api/v1/events/:id', async () => bodies.event);
}
await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT) });
process.send?.({ type: 'listening' });
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
