// One line of figures per scenario, and its JSON record. Records go to the run's directory
// (IBET_FAULT_RUN_DIR, set by test/fault/run.ts, which prints the table and writes the run's
// file under test/fault/results/), or straight to test/fault/results/ when a file is run alone.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './processes.ts';

export interface ScenarioRecord {
  suite: 'faults' | 'security';
  scenario: string;
  seed: number;
  profile: string;
  operations: number;
  /** Every figure must be 0. */
  figures: Record<string, number>;
  /** Measurements that are not pass/fail figures (recovery seconds, outcome counts …). */
  measures: Record<string, number | string>;
  seconds: number;
  at: string;
}

export const RESULTS_DIR = path.join(ROOT, 'test/fault/results');

export function formatLine(r: ScenarioRecord): string {
  const figures = Object.entries(r.figures)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const measures = Object.entries(r.measures)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `${r.scenario.padEnd(28)} seed=${r.seed} ops=${r.operations} ${figures}${measures ? ` | ${measures}` : ''}`;
}

export function writeRecord(r: ScenarioRecord): void {
  const dir = process.env.IBET_FAULT_RUN_DIR ?? RESULTS_DIR;
  mkdirSync(dir, { recursive: true });
  const file = process.env.IBET_FAULT_RUN_DIR
    ? path.join(dir, `${r.scenario}.json`)
    : path.join(dir, `${r.suite}-${r.scenario}-${r.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
  process.stdout.write(`[${r.suite}] ${formatLine(r)}\n`);
}

/** The figures that are not 0. */
export function nonZero(figures: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(figures).filter(([, v]) => v !== 0));
}
