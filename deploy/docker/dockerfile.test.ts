// There is no container engine in CI, so the image is checked by reading its recipe: the
// stages, the user, the health check, what it copies and what it installs.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCKERFILE = readFileSync(path.join(ROOT, 'deploy/docker/Dockerfile'), 'utf8');
const DOCKERIGNORE = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8');
const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Dockerfile → stages of instructions (continuation lines joined, comments dropped). */
function parse(text: string): Stage[] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const op = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args)!;
      stages.push({ from: from[1]!, name: from[2], instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ op, args });
    }
  }
  return stages;
}

const stages = parse(DOCKERFILE);
const runtime = stages.at(-1)!;
const ops = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op);

/** `.dockerignore` as Docker applies it: last matching pattern wins, `!` re-includes. */
function inContext(file: string): boolean {
  let included = true;
  for (const raw of DOCKERIGNORE.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    const pattern = (negate ? line.slice(1) : line).replace(/\/$/, '');
    const regex = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '(?:.*/)?')
        .replace(/\*\*/g, '.*')
        .replace(/\*/g, '[^/]*')}(?:/.*)?$`,
    );
    if (regex.test(file)) included = negate;
  }
  return included;
}

describe('container image (deploy/docker/Dockerfile)', () => {
  it('D01 is multi-stage: dependencies are installed in a stage of their own', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages.every((s) => s.from.startsWith('node:'))).toBe(true);
    expect(runtime.name).toBe('runtime');
  });

  it('D02 installs production dependencies only, from the lockfile', () => {
    const installs = stages.flatMap((s) =>
      ops(s, 'RUN')
        .filter((i) => /npm (ci|i|install)/.test(i.args))
        .map((i) => ({ stage: s.name, args: i.args })),
    );
    expect(installs.every((i) => /npm ci\b/.test(i.args))).toBe(true);
    const deps = installs.filter((i) => i.stage === 'deps');
    expect(deps).toHaveLength(1);
    expect(deps[0]!.args).toMatch(/--omit=dev/);
    // argon2 and esbuild ship their binaries as optional dependencies.
    expect(deps[0]!.args).not.toMatch(/--omit=optional|--no-optional/);
    expect(ops(runtime, 'RUN').some((i) => /npm/.test(i.args))).toBe(false);
    // Any other install (the web build's, with Vite) stays in its stage: the runtime takes
    // only the built web apps from it.
    for (const other of installs.filter((i) => i.stage !== 'deps')) {
      const taken = ops(runtime, 'COPY').filter((c) => c.args.startsWith(`--from=${other.stage} `));
      expect(taken.map((c) => c.args)).toEqual([`--from=${other.stage} /app/web/dist ./web/dist`]);
    }
  });

  it('D02b builds the web apps in a stage of their own and ships only the built files', () => {
    const web = stages.find((s) => s.name === 'web');
    expect(web, 'a "web" build stage').toBeDefined();
    expect(ops(web!, 'RUN').some((i) => /scripts\/web-build\.ts/.test(i.args))).toBe(true);
    expect(ops(runtime, 'COPY').some((c) => c.args === '--from=web /app/web/dist ./web/dist')).toBe(
      true,
    );
    // The sources of the apps are not in the runtime image.
    expect(ops(runtime, 'COPY').some((c) => /(^|\s)web(\/src)?\s/.test(c.args))).toBe(false);
  });

  it('D03 takes node_modules from the production-only stage, never from the build context', () => {
    const copies = ops(runtime, 'COPY');
    const modules = copies.filter((c) => /node_modules/.test(c.args));
    expect(modules).toHaveLength(1);
    expect(modules[0]!.args).toMatch(/^--from=deps\s/);
    expect(inContext('node_modules/fastify/package.json')).toBe(false);
  });

  it('D04 runs every module the server imports from a production dependency', () => {
    // A package the code imports but the image leaves out (a devDependency) would only
    // fail when the container starts: check the imports of src/ against `dependencies`.
    const files = (readdirSync(path.join(ROOT, 'src'), { recursive: true }) as string[])
      .map((f) => path.join('src', f))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    const imported = new Set<string>();
    for (const file of files) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^'.][^']*)'/g)) {
        const spec = m[1]!;
        if (spec.startsWith('node:')) continue;
        imported.add(
          spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!,
        );
      }
    }
    expect(imported.size).toBeGreaterThan(5);
    const missing = [...imported].filter((name) => !(name in PACKAGE.dependencies));
    expect(missing).toEqual([]);
    // tsx runs the TypeScript in production, so it must be a production dependency.
    expect(PACKAGE.dependencies).toHaveProperty('tsx');
  });

  it('D05 copies only files that exist and that .dockerignore lets into the context', () => {
    const sources = ops(runtime, 'COPY')
      .filter((c) => !c.args.startsWith('--from'))
      .flatMap((c) =>
        c.args
          .split(/\s+/)
          .filter((a) => !a.startsWith('--'))
          .slice(0, -1),
      );
    const buildSources = stages
      .slice(0, -1)
      .flatMap((s) => ops(s, 'COPY'))
      .filter((c) => !c.args.startsWith('--from'))
      .flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    for (const source of [...sources, ...buildSources]) {
      expect(existsSync(path.join(ROOT, source)), source).toBe(true);
      expect(inContext(source), source).toBe(true);
    }
    expect(sources).toEqual(expect.arrayContaining(['src', 'migrations', 'package.json']));
    // The web build's sources are in the context; a local build (web/dist) is not.
    expect(inContext('web/src/player/main.tsx')).toBe(true);
    expect(inContext('web/dist/index.html')).toBe(false);
  });

  it('D06 keeps tests, secrets, local data and the deployment code out of the build context', () => {
    for (const file of [
      '.env',
      'data/pgdata',
      'test/api/x.test.ts',
      'src/app.test.ts',
      'deploy/aws/stack.ts',
      '.git/config',
      'docs/api.md',
    ]) {
      expect(inContext(file), file).toBe(false);
    }
    expect(inContext('src/main.ts')).toBe(true);
    expect(inContext('migrations/0001_init.sql')).toBe(true);
  });

  it('D07 runs as an unprivileged numeric user, so Kubernetes can verify runAsNonRoot', () => {
    const users = ops(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.args.split(':')[0]!;
    expect(user).toMatch(/^\d+$/);
    expect(Number(user)).toBeGreaterThan(0);
  });

  it('D08 is read-only-root friendly: writes go only to declared volumes and /tmp', () => {
    expect(
      ops(runtime, 'VOLUME')
        .map((v) => v.args)
        .join(' '),
    ).toContain('/var/lib/ibet');
    expect(
      ops(runtime, 'ENV')
        .map((e) => e.args)
        .join(' '),
    ).toMatch(/IBET_DATA_DIR=\/var\/lib\/ibet/);
    // Code and dependencies are copied without --chown: owned by root, not writable by the user.
    expect(ops(runtime, 'COPY').some((c) => c.args.includes('--chown'))).toBe(false);
  });

  it('D09 has a HEALTHCHECK against /healthz that needs no tool the slim image lacks', () => {
    const [check] = ops(runtime, 'HEALTHCHECK');
    expect(check?.args).toMatch(/CMD \["node"/);
    expect(check?.args).toContain('/healthz');
  });

  it('D10 is one image for every role: the command selects it', () => {
    const [entrypoint] = ops(runtime, 'ENTRYPOINT');
    expect(JSON.parse(entrypoint!.args)).toEqual(['node', '--import', 'tsx', 'src/main.ts']);
    const [cmd] = ops(runtime, 'CMD');
    const command = JSON.parse(cmd!.args)[0];
    const main = readFileSync(path.join(ROOT, 'src/main.ts'), 'utf8');
    expect(main).toContain(`case '${command}':`);
    for (const known of ['serve', 'migrate']) expect(main).toContain(`case '${known}':`);
    expect(
      ops(runtime, 'ENV')
        .map((e) => e.args)
        .join(' '),
    ).toMatch(/HOST=0\.0\.0\.0/);
  });
});
