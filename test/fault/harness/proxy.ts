// A small TCP proxy between the app processes and PostgreSQL, for network faults: added
// latency on every chunk, resets (every connection cut at once), and blackholes (nothing
// passes either way until healed; what was sent meanwhile is delivered afterwards, as TCP
// retransmission would once a partition heals), of every connection or of one on its own.
import net from 'node:net';

export type ProxyMode = { kind: 'pass' } | { kind: 'latency'; ms: number } | { kind: 'blackhole' };

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  /** Blackholed on its own (`isolate`), whatever the mode. */
  isolated?: boolean;
}

export class TcpProxy {
  private server: net.Server | undefined;
  private readonly pairs = new Set<Pair>();
  private mode: ProxyMode = { kind: 'pass' };
  private readonly held: (() => void)[] = [];
  port = 0;
  connections = 0;
  resets = 0;

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  async listen(): Promise<number> {
    this.server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  private accept(client: net.Socket): void {
    this.connections++;
    const upstream = net.connect(this.targetPort, this.targetHost);
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket) => {
      from.on('data', (chunk) => {
        const send = () => {
          if (!to.destroyed) to.write(chunk);
        };
        const mode = this.mode;
        if (mode.kind === 'blackhole' || pair.isolated) this.held.push(send);
        else if (mode.kind === 'latency') {
          from.pause();
          setTimeout(() => {
            send();
            from.resume();
          }, mode.ms);
        } else send();
      });
    };
    forward(client, upstream);
    forward(upstream, client);
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  }

  set(mode: ProxyMode): void {
    this.mode = mode;
    if (mode.kind !== 'blackhole') {
      for (const pair of this.pairs) pair.isolated = false;
      for (const send of this.held.splice(0)) send();
    }
  }

  /** Blackholes one open connection (the oldest) while the others pass; `set` heals it. */
  isolate(): void {
    const [pair] = this.pairs;
    if (pair) pair.isolated = true;
  }

  /** Cuts every open connection at once (RST). */
  reset(): void {
    this.resets++;
    for (const { client, upstream } of this.pairs) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.set({ kind: 'pass' });
    this.reset();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
