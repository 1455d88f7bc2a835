// The metric names a PromQL expression reads: identifiers that are not functions, keywords,
// label names, durations or strings. Enough to check that dashboards and alerts only use
// metrics the code exports.

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
  'atan2',
]);

export function metricNames(expr: string): string[] {
  const text = expr
    // Grafana variables ($__rate_interval, ${job}) and strings.
    .replace(/\$\{?[A-Za-z_]+\}?/g, ' ')
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    // Label matchers and grouping clauses: the names inside are labels, not metrics.
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    // Range and subquery selectors, durations.
    .replace(/\[[^\]]*\]/g, ' ');
  const names = new Set<string>();
  for (const match of text.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = match[0];
    const after = text.slice((match.index ?? 0) + name.length);
    if (/^\s*\(/.test(after)) continue; // a function (or an aggregation)
    if (KEYWORDS.has(name.toLowerCase())) continue;
    if (/^\d/.test(name)) continue;
    // Numbers like 1e3 start with digits; exponents leave "e3" behind.
    if (/^e\d+$/i.test(name)) continue;
    names.add(name);
  }
  return [...names].sort();
}
