// Real iBet processes (`src/main.ts serve --role …`), as an operator runs them, against the
// fault cluster and the machine's Redis. Every process started is recorded in a pid file of
// the run, killed when its test ends, and again by the suite's teardown if anything is left
// (a test that fails half-way, an interrupted run): none outlives the suite. Each runs in a
// process group of its own, and signals go to the whole group.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const REDIS_URL = process.env.IBET_FAULT_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export type Role = 'api' | 'worker' | 'realtime' | 'all';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ProcessOptions {
  role: Role;
  databaseUrl: string;
  redisPrefix: string;
  port?: number;
  env?: Record<string, string>;
  /** Runs the process under faketime with this offset (e.g. "-600" seconds, "+2m"). */
  clockOffset?: string;
}

export class IbetProcess {
  child: ChildProcess | undefined;
  port = 0;
  output = '';
  /** Exits nobody asked for (a crash: the process died on its own). */
  crashes = 0;
  /** Log lines about database statements that got no answer before the deadline. */
  deadlinesExpired = 0;
  private expectingExit = false;
  exited: Promise<number | string> = Promise.resolve(0);

  constructor(
    readonly name: string,
    private readonly options: ProcessOptions,
    private readonly pidFile: string,
  ) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  async start(timeoutMs = 60_000): Promise<this> {
    this.port ||= this.options.port ?? (await freePort());
    const { role, databaseUrl, redisPrefix, env = {}, clockOffset } = this.options;
    const node = [process.execPath, '--import', 'tsx', 'src/main.ts', 'serve', '--role', role];
    const [cmd, ...args] = clockOffset ? ['faketime', '-f', clockOffset, ...node] : node;
    this.expectingExit = false;
    const child = spawn(cmd!, args, {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: databaseUrl,
        HOST: '127.0.0.1',
        PORT: String(this.port),
        LOG_LEVEL: 'warn',
        REDIS_URL,
        IBET_REDIS_PREFIX: redisPrefix,
        IBET_OUTBOX_POLL_MS: '100',
        IBET_SIMULATOR: 'false',
        IBET_DEMO: 'false',
        IBET_DATABASE_POOL_SIZE: '6',
        IBET_WS_DRAIN_SECONDS: '0',
        IBET_SHUTDOWN_DELAY_SECONDS: '0',
        IBET_SHUTDOWN_GRACE_SECONDS: '20',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own, signalled as a whole: `faketime` runs node as its child,
      // and signalling the wrapper alone would leave node running.
      detached: true,
    });
    this.child = child;
    appendFileSync(this.pidFile, `${child.pid}\n`);
    const collect = (chunk: Buffer) => {
      const text = String(chunk);
      this.deadlinesExpired += (text.match(/the database did not answer/g) ?? []).length;
      this.output += text;
      if (this.output.length > 400_000) this.output = this.output.slice(-200_000);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (!this.expectingExit) this.crashes++;
        resolve(code ?? signal ?? -1);
      });
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running)
        throw new Error(`${this.name} exited before it was ready:\n${this.output.slice(-4000)}`);
      const ready = await fetch(`${this.base}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(
        () => undefined,
      );
      if (ready?.status === 200) return this;
      if (Date.now() > deadline) {
        const why = ready ? await ready.text().catch(() => '') : 'no answer';
        throw new Error(`${this.name} not ready in time (${why}):\n${this.output.slice(-4000)}`);
      }
      await sleep(100);
    }
  }

  /** Sends `signal` (an expected exit) and returns at once; `exited` tells when it ended. */
  signal(signal: NodeJS.Signals): Promise<number | string> {
    if (!this.running) return this.exited;
    this.expectingExit = true;
    this.send(signal);
    return this.exited;
  }

  private send(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.child!.pid!, signal);
    } catch {
      this.child!.kill(signal);
    }
  }

  /** Sends `signal` (an expected exit) and waits for the process to end. */
  async kill(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 30_000): Promise<number | string> {
    if (!this.running) return this.exited;
    this.expectingExit = true;
    this.send(signal);
    const code = await Promise.race([this.exited, sleep(timeoutMs).then(() => 'timeout' as const)]);
    if (code === 'timeout') {
      this.send('SIGKILL');
      return this.exited;
    }
    return code;
  }
}
