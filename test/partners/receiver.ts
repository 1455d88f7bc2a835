// A real webhook receiver on 127.0.0.1 for the tests: it answers as told (fail, hang, succeed),
// keeps every request it got, and applies each delivery once (an idempotent receiver: the
// delivery id is its idempotency key), as docs/b2b-api.md advises.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behaviour = 'ok' | 'fail' | 'hang';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Effects applied, by delivery id (each at most once). */
  applied: Map<string, unknown>;
  /** A fresh path on this receiver, with answers for its next requests, then `then`. */
  endpoint(answers?: Behaviour[], then?: Behaviour): Path;
  close(): Promise<void>;
}

export interface Path {
  url: string;
  /** Requests this path got. */
  received: Received[];
  /** Replaces the answers of the next requests to this path. */
  script(answers: Behaviour[], then?: Behaviour): void;
}

export async function startReceiver(): Promise<Receiver> {
  const scripts = new Map<
    string,
    { queue: Behaviour[]; fallback: Behaviour; received: Received[] }
  >();
  let paths = 0;
  const received: Received[] = [];
  const applied = new Map<string, unknown>();
  const hanging = new Set<import('node:http').ServerResponse>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry = { headers: request.headers, body, at: Date.now() };
      received.push(entry);
      const script = scripts.get(request.url ?? '');
      script?.received.push(entry);
      const behaviour = script ? (script.queue.shift() ?? script.fallback) : 'ok';
      if (behaviour === 'hang') {
        hanging.add(response);
        return;
      }
      if (behaviour === 'fail') {
        response.writeHead(500, { 'content-type': 'text/plain' }).end('receiver is down');
        return;
      }
      const id = String(request.headers['ibet-webhook-id']);
      if (!applied.has(id)) applied.set(id, JSON.parse(body));
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    applied,
    endpoint(answers = [], then = 'ok') {
      const path = `/hooks/${++paths}`;
      const script = { queue: [...answers], fallback: then, received: [] as Received[] };
      scripts.set(path, script);
      return {
        url: `http://127.0.0.1:${port}${path}`,
        received: script.received,
        script(next, after = 'ok') {
          script.queue = [...next];
          script.fallback = after;
        },
      };
    },
    async close() {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
