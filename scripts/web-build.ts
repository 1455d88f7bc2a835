// Builds the three web front doors (player site, back office, partner portal) with Vite into
// web/dist, which the API process serves (src/app.ts). The build is skipped when web/dist was
// built from exactly the current sources: a stamp in it holds a hash of every input file, so
// `npm start` on a fresh clone builds once and later starts cost a hash of a few files.
//   npm run build:web            build (always)
//   npm run build:web -- --if-stale
//   npm run dev:web              Vite's dev server with hot reload; /api goes to PORT (3000)
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const WEB = path.join(ROOT, 'web');
export const DIST = path.join(WEB, 'dist');
const STAMP = '.build-stamp';
const LOCK = path.join(WEB, '.build-lock');

/** The pages Vite builds: each is an app of its own, served at its own path. */
const ENTRIES = {
  player: 'index.html',
  backoffice: 'backoffice/index.html',
  partners: 'partners/index.html',
};

/** Every file the build reads, in a stable order (dist and build leftovers excluded). */
function inputs(): string[] {
  const files = readdirSync(WEB, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !/^(dist|\.dist-|\.build-lock|node_modules)/.test(path.relative(WEB, file)));
  files.push(fileURLToPath(import.meta.url), path.join(ROOT, 'package-lock.json'));
  return files.sort();
}

/** A hash of the build's inputs: their paths and contents. */
export function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of inputs()) {
    hash.update(path.relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** True when web/dist holds a complete build of the current sources. */
export function isFresh(): boolean {
  try {
    return readFileSync(path.join(DIST, STAMP), 'utf8').trim() === sourceHash();
  } catch {
    return false;
  }
}

function viteConfig(outDir: string) {
  return {
    root: WEB,
    base: '/',
    logLevel: 'warn' as const,
    configFile: false as const,
    publicDir: path.join(WEB, 'public'),
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: true,
      // No inline script: the polyfill would need one, and every target browser has preload.
      modulePreload: { polyfill: false },
      // Everything under /assets/ has a content hash in its name: cached for a year.
      assetsDir: 'assets',
      assetsInlineLimit: 0,
      rollupOptions: {
        input: Object.fromEntries(
          Object.entries(ENTRIES).map(([name, file]) => [name, path.join(WEB, file)]),
        ),
        output: {
          // React changes less often than the apps: its chunk stays cached across releases.
          codeSplitting: {
            groups: [
              { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
              { name: 'shared', test: /web[\\/]src[\\/](api|lib|ui)[\\/]/ },
            ],
          },
        },
      },
    },
  };
}

async function reactPlugin() {
  const { default: react } = await import('@vitejs/plugin-react');
  return react();
}

/** Builds into a fresh directory, then swaps it in, so a running server never sees half a build. */
async function buildNow(hash: string): Promise<void> {
  const { build } = await import('vite');
  const staging = path.join(WEB, `.dist-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    await build({ ...viteConfig(staging), plugins: [await reactPlugin()] });
    writeFileSync(path.join(staging, STAMP), `${hash}\n`);
    const old = path.join(WEB, `.dist-old-${process.pid}`);
    if (existsSync(DIST)) renameSync(DIST, old);
    renameSync(staging, DIST);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One build at a time per checkout (test runs, `npm start` and CI may all ask at once). */
async function withLock<T>(work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
      break;
    } catch {
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(path.join(LOCK, 'pid'), 'utf8'));
      } catch {
        // being created or removed
      }
      if (Number.isInteger(holder) && !alive(holder)) {
        rmSync(LOCK, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`web build lock ${LOCK} held too long`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Builds web/dist unless it is already a build of the current sources. Returns what it did.
 * Without Vite (a production install) an existing build is kept as it is.
 */
export async function ensureWebBuilt(
  options: { force?: boolean; log?: (line: string) => void } = {},
): Promise<'built' | 'fresh' | 'unavailable'> {
  const log = options.log ?? (() => {});
  if (!options.force && isFresh()) return 'fresh';
  if (!existsSync(path.join(ROOT, 'node_modules/vite/package.json'))) {
    if (existsSync(path.join(DIST, 'index.html'))) return 'fresh';
    log(
      'The web apps are not built and Vite is not installed (npm install, then npm run build:web).',
    );
    return 'unavailable';
  }
  return withLock(async () => {
    const hash = sourceHash();
    if (!options.force && isFresh()) return 'fresh'; // another process built it meanwhile
    const started = Date.now();
    log('Building the web apps (player site, back office, partner portal)…');
    await buildNow(hash);
    log(`Built web/dist in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return 'built';
  });
}

/** Vite's dev server for working on the apps; the API runs separately (npm start). */
async function serveDev(): Promise<void> {
  const { createServer } = await import('vite');
  const api = `http://127.0.0.1:${process.env.PORT ?? 3000}`;
  const server = await createServer({
    ...viteConfig(DIST),
    logLevel: 'info',
    plugins: [await reactPlugin()],
    server: { port: 5173, proxy: { '/api': api, '/ws': { target: api, ws: true } } },
  });
  await server.listen();
  server.printUrls();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  if (args.includes('--dev')) {
    await serveDev();
  } else {
    const result = await ensureWebBuilt({ force: !args.includes('--if-stale'), log });
    if (result === 'unavailable') process.exitCode = 1;
  }
}
