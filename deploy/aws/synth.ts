// Writes the CloudFormation templates of every stack to deploy/aws/dist/, so a reviewer
// sees what a change does to the infrastructure; the checklist test fails when they drift.
//   npm run synth:aws --prefix deploy            write them
//   npm run synth:aws --prefix deploy -- --check exit 1 if the committed files differ
// Deploy with the cdk CLI (docs/deployment.md), which synthesizes the same templates.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { buildApp, committedContext } from './app.ts';

export const DIST_DIR = fileURLToPath(new URL('./dist/', import.meta.url));

export function render(): Map<string, string> {
  const outdir = path.join(tmpdir(), `ibet-cdk-${process.pid}-${Date.now()}`);
  const app = new App({ context: committedContext(), outdir });
  const { stacks } = buildApp({ app });
  const assembly = app.synth();
  const files = new Map<string, string>();
  for (const { main, edge, dr } of Object.values(stacks)) {
    for (const stack of [main, edge, dr]) {
      const template = assembly.getStackArtifact(stack.artifactId).template;
      files.set(`${stack.stackName}.template.json`, `${JSON.stringify(template, null, 1)}\n`);
    }
  }
  rmSync(outdir, { recursive: true, force: true });
  return files;
}

export function drift(fresh = render()): string[] {
  const onDisk = new Map<string, string>();
  if (existsSync(DIST_DIR)) {
    for (const name of readdirSync(DIST_DIR)) {
      onDisk.set(name, readFileSync(path.join(DIST_DIR, name), 'utf8'));
    }
  }
  const names = new Set([...fresh.keys(), ...onDisk.keys()]);
  return [...names].filter((n) => fresh.get(n) !== onDisk.get(n)).sort();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const changed = drift();
    if (changed.length > 0) {
      process.stderr.write(
        `deploy/aws/dist is out of date (${changed.join(', ')}): run \`npm run synth:aws --prefix deploy\` and commit the result\n`,
      );
      process.exit(1);
    }
    process.stdout.write('deploy/aws/dist matches a fresh synthesis\n');
  } else {
    rmSync(DIST_DIR, { recursive: true, force: true });
    mkdirSync(DIST_DIR, { recursive: true });
    for (const [name, content] of render()) writeFileSync(path.join(DIST_DIR, name), content);
    process.stdout.write(`wrote ${path.relative(process.cwd(), DIST_DIR)}\n`);
  }
}
