// The bench report: the figures of a run (bench/results/<date>.json), the ratio of each iBet
// figure to its baseline measured in the same run, the targets of the performance issue, and
// a readable markdown page with SVG charts. Pure functions: run.ts measures, this writes.

export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface Figure {
  /** What was measured, e.g. "placement (single)". */
  name: string;
  /** Per second, in `unit`. */
  throughput: number;
  unit: string;
  latency?: Latency | undefined;
  errors?: number | undefined;
  /** Anything else worth printing (string or number), e.g. {"error rate": "0.0 %"}. */
  notes?: Record<string, string | number> | undefined;
}

export interface SpikeFigures {
  /** Steady rate before and after, and the spike's rate (requests/s offered). */
  rate: number;
  spikeRate: number;
  spikeStart: number;
  spikeSeconds: number;
  /** Errors other than 429 during the whole run; 429s are documented throttling. */
  errors: number;
  throttled: number;
  requests: number;
  p99Steady: number;
  p99During: number;
  p99After: number;
  /** Seconds after the spike ended until latency was back to steady (null: not within the run). */
  recoverySeconds: number | null;
  timeline: { second: number; requests: number; errors: number; p99: number }[];
}

export interface BenchRun {
  date: string;
  profile: string;
  command: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    node: string;
    postgres: string;
    loadBefore: number[];
    loadAfter: number[];
  };
  data: Record<string, number>;
  /** iBet's figures by key (placement, placement80, browse, settlement, fanout, embedded, …). */
  scenarios: Record<string, Figure>;
  /** Baselines by key (pgbench, sqlSettlement, bareFastify, bareWs). */
  baselines: Record<string, Figure>;
  spike?: SpikeFigures | undefined;
  startup?: { seconds: number } | undefined;
  apiRssMb?: number | undefined;
  /** Free text per scenario: caveats (concurrent load on the machine, a failed step). */
  caveats: string[];
}

export interface Check {
  name: string;
  value: string;
  target: string;
  /** null: not measured in this run. */
  met: boolean | null;
}

/** a / b, or null when either is missing or b is not positive. */
export function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined) return null;
  if (!Number.isFinite(a) || !Number.isFinite(b) || b <= 0) return null;
  return a / b;
}

/**
 * Seconds after the spike's end until the per-second p99 is back within `tolerance` of the
 * steady p99 (and stays so for `hold` seconds, without errors). null if it never is.
 */
export function recoverySeconds(
  timeline: readonly { second: number; errors: number; p99: number; requests: number }[],
  spikeEnd: number,
  steadyP99: number,
  tolerance = 1.5,
  hold = 3,
): number | null {
  const limit = steadyP99 * tolerance + 5;
  const after = timeline.filter((t) => t.second >= spikeEnd);
  for (let i = 0; i + hold <= after.length; i++) {
    const window = after.slice(i, i + hold);
    if (window.every((t) => t.errors === 0 && t.requests > 0 && t.p99 <= limit))
      return after[i]!.second - spikeEnd;
  }
  return null;
}

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || !Number.isFinite(n)
    ? '–'
    : n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const fmtRatio = (r: number | null) => (r === null ? '–' : `${r.toFixed(2)}×`);

export interface Comparison {
  name: string;
  ibet: Figure | undefined;
  baseline: Figure | undefined;
  ratio: number | null;
  target: number | null;
}

/** Each iBet figure against its baseline of the same run. */
export function comparisons(run: BenchRun): Comparison[] {
  const pairs: [string, string, string, number | null][] = [
    ['placement (single) vs pgbench placement-shaped transaction', 'placement', 'pgbench', 0.6],
    ['settlement (worker) vs set-based SQL', 'settlement', 'sqlSettlement', 0.5],
    ['fan-out deliveries vs bare ws broadcast', 'fanout', 'bareWs', 0.8],
    ['browse vs bare Fastify serving the same bodies', 'browse', 'bareFastify', null],
  ];
  return pairs.map(([name, s, b, target]) => {
    const ibet = run.scenarios[s];
    const baseline = run.baselines[b];
    return { name, ibet, baseline, ratio: ratio(ibet?.throughput, baseline?.throughput), target };
  });
}

/** The issue's targets, each met, missed or not measured. */
export function checks(run: BenchRun): Check[] {
  const out: Check[] = [];
  for (const c of comparisons(run)) {
    if (c.target === null) continue;
    out.push({
      name: c.name,
      value: fmtRatio(c.ratio),
      target: `≥ ${c.target}×`,
      met: c.ratio === null ? null : c.ratio >= c.target,
    });
  }
  const p80 = run.scenarios.placement80?.latency?.p99;
  out.push({
    name: 'placement p99 at 80 % of the maximum rate',
    value: p80 === undefined ? '–' : `${fmt(p80, 1)} ms`,
    target: '≤ 50 ms',
    met: p80 === undefined ? null : p80 <= 50,
  });
  const fanP99 = run.scenarios.fanout?.latency?.p99;
  out.push({
    name: 'fan-out commit → client p99',
    value: fanP99 === undefined ? '–' : `${fmt(fanP99, 1)} ms`,
    target: '≤ 100 ms',
    met: fanP99 === undefined ? null : fanP99 <= 100,
  });
  const s = run.spike;
  out.push({
    name: 'spike: errors other than 429',
    value: s ? fmt(s.errors) : '–',
    target: '0',
    met: s ? s.errors === 0 : null,
  });
  out.push({
    name: 'spike: p99 during the spike',
    value: s ? `${fmt(s.p99During, 1)} ms` : '–',
    target: '≤ 250 ms',
    met: s ? s.p99During <= 250 : null,
  });
  out.push({
    name: 'spike: recovered after it',
    value: s ? (s.recoverySeconds === null ? 'not within the run' : `${s.recoverySeconds} s`) : '–',
    target: '≤ 10 s',
    met: s ? s.recoverySeconds !== null && s.recoverySeconds <= 10 : null,
  });
  const embedded = run.scenarios.embedded?.throughput;
  out.push({
    name: 'embedded (PGlite) placement',
    value: embedded === undefined ? '–' : `${fmt(embedded)} bets/s`,
    target: '≥ 300 bets/s',
    met: embedded === undefined ? null : embedded >= 300,
  });
  out.push({
    name: '`npm start` to ready',
    value: run.startup ? `${fmt(run.startup.seconds, 1)} s` : '–',
    target: '≤ 10 s',
    met: run.startup ? run.startup.seconds <= 10 : null,
  });
  out.push({
    name: 'API process RSS under the mixed load',
    value: run.apiRssMb === undefined ? '–' : `${fmt(run.apiRssMb)} MB`,
    target: '≤ 300 MB',
    met: run.apiRssMb === undefined ? null : run.apiRssMb <= 300,
  });
  return out;
}

const xmlEscape = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** A horizontal bar chart: one bar per item, value printed at its end. */
export function barChart(
  title: string,
  items: readonly { label: string; value: number; highlight?: boolean }[],
  unit: string,
): string {
  const width = 720;
  const left = 300;
  const bar = 22;
  const gap = 10;
  const top = 36;
  const height = top + items.length * (bar + gap) + 10;
  const max = Math.max(1, ...items.map((i) => (Number.isFinite(i.value) ? i.value : 0)));
  const rows = items.map((item, i) => {
    const y = top + i * (bar + gap);
    const value = Number.isFinite(item.value) ? item.value : 0;
    const w = Math.max(1, ((width - left - 110) * value) / max);
    return [
      `<text x="${left - 8}" y="${y + bar * 0.7}" text-anchor="end">${xmlEscape(item.label)}</text>`,
      `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${item.highlight ? '#2563eb' : '#94a3b8'}"/>`,
      `<text x="${(left + w + 6).toFixed(1)}" y="${y + bar * 0.7}">${xmlEscape(`${fmt(item.value)} ${unit}`)}</text>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13" role="img">`,
    `<title>${xmlEscape(title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-weight="bold">${xmlEscape(title)}</text>`,
    ...rows,
    '</svg>',
  ].join('\n');
}

/** A line chart of per-second series over a shared x axis (seconds), with an optional band. */
export function lineChart(
  title: string,
  series: readonly { label: string; color: string; points: readonly [number, number][] }[],
  unit: string,
  band?: { from: number; to: number; label: string },
): string {
  const width = 720;
  const height = 280;
  const pad = { left: 60, right: 20, top: 36, bottom: 40 };
  const all = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  const maxX = Math.max(1, ...all.map(([x]) => x));
  const maxY = Math.max(1, ...all.map(([, y]) => y));
  const sx = (x: number) => pad.left + ((width - pad.left - pad.right) * x) / maxX;
  const sy = (y: number) => height - pad.bottom - ((height - pad.top - pad.bottom) * y) / maxY;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${xmlEscape(title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-weight="bold" font-size="13">${xmlEscape(title)}</text>`,
  ];
  if (band)
    parts.push(
      `<rect x="${sx(band.from).toFixed(1)}" y="${pad.top}" width="${(sx(band.to) - sx(band.from)).toFixed(1)}" height="${height - pad.top - pad.bottom}" fill="#fde68a" opacity="0.5"/>`,
      `<text x="${(sx(band.from) + 4).toFixed(1)}" y="${pad.top + 14}">${xmlEscape(band.label)}</text>`,
    );
  parts.push(
    `<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="#333"/>`,
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}" stroke="#333"/>`,
    `<text x="${pad.left - 6}" y="${pad.top + 4}" text-anchor="end">${fmt(maxY)}</text>`,
    `<text x="${pad.left - 6}" y="${height - pad.bottom}" text-anchor="end">0</text>`,
    `<text x="${width - pad.right}" y="${height - pad.bottom + 16}" text-anchor="end">${fmt(maxX)} s</text>`,
    `<text x="${pad.left}" y="${height - 8}">${xmlEscape(unit)}</text>`,
  );
  series.forEach((s, i) => {
    const points = s.points.filter(([, y]) => Number.isFinite(y));
    if (points.length > 0)
      parts.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`,
      );
    parts.push(
      `<text x="${width - pad.right - 200}" y="${pad.top + 14 + i * 16}" fill="${s.color}">${xmlEscape(s.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The charts of a run, by file name (written next to the markdown). */
export function charts(run: BenchRun, stem: string): Record<string, string> {
  const out: Record<string, string> = {};
  const pairs = comparisons(run).filter((c) => c.ibet && c.baseline);
  if (pairs.length > 0) {
    out[`${stem}-ratios.svg`] = barChart(
      'iBet as a ratio of its baseline (same run, same machine)',
      pairs.map((c) => ({
        label: c.name.split(' vs ')[0]!,
        value: (c.ratio ?? 0) * 100,
        highlight: c.target !== null && c.ratio !== null && c.ratio >= c.target,
      })),
      '% of baseline',
    );
  }
  const latencyItems = Object.entries(run.scenarios)
    .filter(([, f]) => f.latency)
    .map(([, f]) => ({ label: f.name, value: f.latency!.p99 }));
  if (latencyItems.length > 0)
    out[`${stem}-p99.svg`] = barChart('p99 latency per scenario', latencyItems, 'ms');
  if (run.spike) {
    const s = run.spike;
    out[`${stem}-spike.svg`] = lineChart(
      `Mixed load ${fmt(s.rate)}/s with a spike to ${fmt(s.spikeRate)}/s`,
      [
        { label: 'p99 ms', color: '#dc2626', points: s.timeline.map((t) => [t.second, t.p99]) },
        {
          label: 'answers/s ÷ 10',
          color: '#2563eb',
          points: s.timeline.map((t) => [t.second, t.requests / 10]),
        },
      ],
      'ms (p99) and answers/s ÷ 10',
      { from: s.spikeStart, to: s.spikeStart + s.spikeSeconds, label: 'spike' },
    );
  }
  return out;
}

const latencyCells = (l: Latency | undefined) =>
  l ? `${fmt(l.p50, 1)} | ${fmt(l.p95, 1)} | ${fmt(l.p99, 1)} | ${fmt(l.max, 1)}` : '– | – | – | –';

/** The markdown report; `chartFiles` are the names `charts()` produced. */
export function markdown(run: BenchRun, chartFiles: readonly string[]): string {
  const m = run.machine;
  const lines = [
    `# iBet bench — ${run.date} (${run.profile} profile)`,
    '',
    `Command: \`${run.command}\`  `,
    `Machine: ${m.cpus} × ${m.cpuModel}, ${fmt(m.memoryGb, 1)} GB, Node ${m.node}, ${m.postgres}  `,
    `Load average before / after: ${m.loadBefore.map((l) => l.toFixed(2)).join(' ')} / ${m.loadAfter.map((l) => l.toFixed(2)).join(' ')}  `,
    `Data: ${Object.entries(run.data)
      .map(([k, v]) => `${fmt(v)} ${k}`)
      .join(', ')}`,
    '',
    '## Targets',
    '',
    '| target | measured | wanted | |',
    '| --- | --- | --- | --- |',
    ...checks(run).map(
      (c) =>
        `| ${c.name} | ${c.value} | ${c.target} | ${c.met === null ? 'not measured' : c.met ? 'met' : '**missed**'} |`,
    ),
    '',
    '## Ratios to the baselines',
    '',
    '| comparison | iBet | baseline | ratio |',
    '| --- | --- | --- | --- |',
    ...comparisons(run).map(
      (c) =>
        `| ${c.name} | ${c.ibet ? `${fmt(c.ibet.throughput)} ${c.ibet.unit}` : '–'} | ${c.baseline ? `${fmt(c.baseline.throughput)} ${c.baseline.unit}` : '–'} | ${fmtRatio(c.ratio)} |`,
    ),
    '',
    '## Scenarios',
    '',
    '| scenario | throughput | p50 ms | p95 ms | p99 ms | max ms | errors | notes |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...Object.values(run.scenarios).map(
      (f) =>
        `| ${f.name} | ${fmt(f.throughput)} ${f.unit} | ${latencyCells(f.latency)} | ${f.errors ?? '–'} | ${Object.entries(
          f.notes ?? {},
        )
          .map(([k, v]) => `${k}: ${v}`)
          .join('; ')} |`,
    ),
    '',
    '## Baselines',
    '',
    '| baseline | throughput | p50 ms | p95 ms | p99 ms | max ms | notes |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...Object.values(run.baselines).map(
      (f) =>
        `| ${f.name} | ${fmt(f.throughput)} ${f.unit} | ${latencyCells(f.latency)} | ${Object.entries(
          f.notes ?? {},
        )
          .map(([k, v]) => `${k}: ${v}`)
          .join('; ')} |`,
    ),
  ];
  if (run.spike) {
    const s = run.spike;
    lines.push(
      '',
      '## Spike',
      '',
      `Mixed load at ${fmt(s.rate)} requests/s, ${fmt(s.spikeRate)}/s for ${s.spikeSeconds} s from second ${s.spikeStart}: ` +
        `${fmt(s.requests)} answers, ${fmt(s.errors)} errors other than 429 (${s.requests ? ((100 * s.errors) / s.requests).toFixed(2) : '0'} %), ` +
        `${fmt(s.throttled)} 429s; p99 ${fmt(s.p99Steady, 1)} ms before, ${fmt(s.p99During, 1)} ms during, ${fmt(s.p99After, 1)} ms after; ` +
        `recovered ${s.recoverySeconds === null ? 'not within the run' : `${s.recoverySeconds} s after the spike`}.`,
    );
  }
  if (chartFiles.length > 0) {
    lines.push('', '## Charts', '');
    for (const file of chartFiles) lines.push(`![${file}](${file})`, '');
  }
  if (run.caveats.length > 0) {
    lines.push('', '## Caveats', '');
    for (const c of run.caveats) lines.push(`- ${c}`);
  }
  lines.push('');
  return lines.join('\n');
}
