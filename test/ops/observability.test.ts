// Dashboards and alert rules as code: the committed files in deploy/observability/ are what
// scripts/observability generates, every expression in them reads only metrics the code
// exports (asked of a running app's registry), and every alert has a runbook that covers it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricNames } from '../../scripts/observability/promql.ts';
import { generated, OUTPUT } from '../../scripts/observability.ts';
import { useTestApp } from '../support/app.ts';
import { ROOT } from './support/process.ts';

/** Metrics Prometheus itself provides. */
const PROMETHEUS_BUILTINS = new Set(['up']);

interface RuleEntry {
  kind: 'alert' | 'record';
  name: string;
  expr: string;
  runbook?: string;
  severity?: string;
}

/** Reads a rule file as written by scripts/observability/yaml.ts (quoted scalars, |- blocks). */
function readRules(text: string): RuleEntry[] {
  const lines = text.split('\n');
  const rules: RuleEntry[] = [];
  const value = (i: number, raw: string): string => {
    if (raw !== '|-') return JSON.parse(raw) as string;
    const indent = /^(\s*)/.exec(lines[i]!)![1]!.length + 2;
    const block: string[] = [];
    for (
      let j = i + 1;
      j < lines.length && (lines[j] === '' || lines[j]!.startsWith(' '.repeat(indent)));
      j++
    )
      block.push(lines[j]!.slice(indent));
    return block.join('\n').trimEnd();
  };
  lines.forEach((line, i) => {
    const m = /^\s*(?:- )?(alert|record|expr|runbook|severity): (.*)$/.exec(line);
    if (!m) return;
    const [, key, raw] = m as unknown as [string, string, string];
    if (key === 'alert' || key === 'record')
      rules.push({ kind: key, name: JSON.parse(raw), expr: '' });
    else if (rules.length > 0) {
      const rule = rules.at(-1)!;
      if (key === 'expr') rule.expr = value(i, raw);
      else if (key === 'runbook') rule.runbook = JSON.parse(raw);
      else if (key === 'severity') rule.severity = JSON.parse(raw);
    }
  });
  return rules;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

describe('dashboards and alerts as code', () => {
  const t = useTestApp();
  const files = generated();
  const committed = walk(OUTPUT)
    .map((f) => path.relative(OUTPUT, f).split(path.sep).join('/'))
    .filter((f) => f.endsWith('.json') || f.endsWith('.yaml'));

  it('are committed exactly as scripts/observability generates them (run `npm run observability`)', () => {
    expect(committed.sort()).toEqual([...files.keys()].sort());
    for (const [file, content] of files) {
      expect(readFileSync(path.join(OUTPUT, file), 'utf8'), file).toBe(content);
    }
  });

  it('read only metrics the code exports', async () => {
    const exported = new Set<string>(PROMETHEUS_BUILTINS);
    for (const metric of await t.app.metrics.registry.getMetricsAsJSON()) {
      exported.add(metric.name);
      if (String(metric.type) === 'histogram')
        for (const suffix of ['_bucket', '_sum', '_count']) exported.add(metric.name + suffix);
      if (String(metric.type) === 'summary')
        for (const suffix of ['_sum', '_count']) exported.add(metric.name + suffix);
    }
    const expressions: { where: string; expr: string }[] = [];
    let rules: RuleEntry[] = [];
    for (const file of committed) {
      const text = readFileSync(path.join(OUTPUT, file), 'utf8');
      if (file.endsWith('.json')) {
        const dashboard = JSON.parse(text);
        for (const panel of dashboard.panels)
          for (const target of panel.targets ?? [])
            expressions.push({ where: `${file} · ${panel.title}`, expr: target.expr });
      } else {
        rules = readRules(text);
        for (const rule of rules)
          expressions.push({ where: `${file} · ${rule.name}`, expr: rule.expr });
      }
    }
    for (const rule of rules) if (rule.kind === 'record') exported.add(rule.name);
    expect(rules.filter((r) => r.kind === 'alert').length).toBeGreaterThanOrEqual(15);
    expect(expressions.length).toBeGreaterThan(60);
    const unknown = expressions.flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('give every alert a severity and a runbook that exists and covers it', () => {
    const rules = readRules(readFileSync(path.join(OUTPUT, 'prometheus/ibet-rules.yaml'), 'utf8'));
    for (const alert of rules.filter((r) => r.kind === 'alert')) {
      expect(['critical', 'warning'], alert.name).toContain(alert.severity);
      expect(alert.runbook, alert.name).toMatch(/^docs\/runbooks\/[a-z-]+\.md$/);
      const runbook = path.join(ROOT, alert.runbook!);
      expect(existsSync(runbook), alert.runbook).toBe(true);
      expect(readFileSync(runbook, 'utf8'), `${alert.runbook} names ${alert.name}`).toContain(
        alert.name,
      );
    }
  });

  it('have distinct dashboard ids and panel ids and a Prometheus datasource variable', () => {
    const uids = new Set<string>();
    for (const file of committed.filter((f) => f.endsWith('.json'))) {
      const dashboard = JSON.parse(readFileSync(path.join(OUTPUT, file), 'utf8'));
      expect(uids.has(dashboard.uid)).toBe(false);
      uids.add(dashboard.uid);
      const ids = dashboard.panels.map((p: { id: number }) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(dashboard.templating.list).toContainEqual(
        expect.objectContaining({ name: 'datasource', type: 'datasource' }),
      );
    }
    expect(uids.size).toBe(4);
  });

  it('extract metric names from PromQL, not functions, labels or durations', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, route) (rate(ibet_http_request_duration_seconds_bucket{route="/x",le="0.5"}[5m]))) > 0.25 and on (job) up == 0',
      ),
    ).toEqual(['ibet_http_request_duration_seconds_bucket', 'up']);
    expect(
      metricNames('time() - max(ibet_ledger_check_timestamp_seconds) > 1e3 or vector(0)'),
    ).toEqual(['ibet_ledger_check_timestamp_seconds']);
  });
});
