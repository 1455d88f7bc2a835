// Reads what the operations engineers keep in deploy/observability/ (Prometheus rule files
// and Grafana dashboards) so the manifests ship them: a PrometheusRule per rule file and a
// ConfigMap per dashboard. Whatever is there at synthesis time is what the manifests carry;
// the drift check fails when a file there changes and the manifests were not synthesized.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export const OBSERVABILITY_DIR = fileURLToPath(new URL('../observability/', import.meta.url));

export interface RuleGroup {
  name: string;
  rules: Record<string, unknown>[];
  [key: string]: unknown;
}
export interface RuleFile {
  /** Path relative to deploy/observability, for the object's name and annotation. */
  source: string;
  groups: RuleGroup[];
}
export interface Dashboard {
  source: string;
  json: string;
}
export interface ObservabilityFiles {
  rules: RuleFile[];
  dashboards: Dashboard[];
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? walk(full) : [full];
    });
}

/**
 * Rule files are Prometheus rule files (`groups:`) or PrometheusRule objects (their
 * `spec.groups`); dashboards are Grafana JSON models (objects with `panels`).
 * Anything else (README, alertmanager config, tests) is left alone.
 */
export function readObservability(dir = OBSERVABILITY_DIR): ObservabilityFiles {
  const rules: RuleFile[] = [];
  const dashboards: Dashboard[] = [];
  for (const file of walk(dir)) {
    const source = path.relative(dir, file).split(path.sep).join('/');
    if (/\.ya?ml$/.test(file)) {
      for (const doc of YAML.parseAllDocuments(readFileSync(file, 'utf8'))) {
        const value = doc.toJS() as Record<string, unknown> | null;
        const groups =
          value?.kind === 'PrometheusRule'
            ? (value.spec as { groups?: unknown } | undefined)?.groups
            : value?.groups;
        if (Array.isArray(groups) && groups.length > 0) {
          rules.push({ source, groups: groups as RuleGroup[] });
        }
      }
    } else if (file.endsWith('.json')) {
      const text = readFileSync(file, 'utf8');
      const value = JSON.parse(text) as Record<string, unknown>;
      const model = (value.dashboard as Record<string, unknown> | undefined) ?? value;
      if (Array.isArray(model.panels)) dashboards.push({ source, json: JSON.stringify(model) });
    }
  }
  return { rules, dashboards };
}

/** A Kubernetes name from a file path: `alerts/ibet-api.rules.yaml` → `alerts-ibet-api-rules`. */
export function objectName(source: string): string {
  return source
    .replace(/\.(ya?ml|json)$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50);
}
