// Runs a suite and prints its table: `npm run test:faults -- [--seed N] [--profile short|long]
// [vitest filters]`, `npm run test:security -- [--seed N]`. The seed and profile go to the
// scenarios through the environment; every scenario writes its record into a directory of
// the run, collected here into one file under test/fault/results/ (ignored by git).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './harness/processes.ts';
import { formatLine, RESULTS_DIR, type ScenarioRecord } from './harness/report.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    suite: { type: 'string', default: 'faults' },
    seed: { type: 'string' },
    profile: { type: 'string', default: 'short' },
  },
});
const suite = values.suite === 'security' ? 'security' : 'faults';
const seed = values.seed !== undefined ? Number(values.seed) >>> 0 : randomBytes(4).readUInt32BE(0);
const profile = values.profile === 'long' ? 'long' : 'short';
const runDir = mkdtempSync(path.join(tmpdir(), `ibet-${suite}-run-`));
const config =
  suite === 'security' ? 'test/security/vitest.config.ts' : 'test/fault/vitest.config.ts';

const child = spawn(
  process.execPath,
  [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', config, ...positionals],
  {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      IBET_FAULT_SEED: String(seed),
      IBET_FAULT_PROFILE: profile,
      IBET_FAULT_RUN_DIR: runDir,
    },
  },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));

child.on('exit', (code, signal) => {
  const records: ScenarioRecord[] = readdirSync(runDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(runDir, f), 'utf8')) as ScenarioRecord)
    .sort((a, b) => a.scenario.localeCompare(b.scenario, 'en', { numeric: true }));
  rmSync(runDir, { recursive: true, force: true });
  const failing = records.filter((r) => Object.values(r.figures).some((v) => v !== 0));
  const lines = [
    '',
    `iBet ${suite} — seed ${seed}, profile ${profile} (replay: npm run test:${suite} -- --seed ${seed}${profile === 'long' ? ' --profile long' : ''})`,
    ...records.map(formatLine),
    `${records.length} scenarios, ${records.reduce((n, r) => n + r.operations, 0)} operations, ${failing.length} with a figure that is not 0`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  if (records.length > 0) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const at = new Date().toISOString();
    const file = path.join(RESULTS_DIR, `${suite}-${at.replace(/[:.]/g, '-')}-seed${seed}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ suite, seed, profile, at, exit: code ?? signal, scenarios: records }, null, 2)}\n`,
    );
    process.stdout.write(`results: ${path.relative(ROOT, file)}\n`);
  }
  process.exit(code ?? 1);
});
