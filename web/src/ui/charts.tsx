// Small SVG charts without a library: a line chart of a time series and horizontal bars.
// Both scale to their container (viewBox), keep a fixed aspect so nothing shifts when values
// change, carry a text title and description for screen readers, and render the figures they
// draw in a visually hidden table as well.

export interface Point {
  /** Milliseconds since the epoch. */
  t: number;
  v: number | null;
}

const W = 320;
const H = 120;
const PAD = { left: 38, right: 8, top: 8, bottom: 18 };

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (max <= step * power) return step * power;
  }
  return 10 * power;
}

export function LineChart({
  title,
  points,
  format = (v) => String(Math.round(v * 100) / 100),
  windowMs,
  now = Date.now(),
}: {
  title: string;
  points: readonly Point[];
  format?: (v: number) => string;
  /** The width of the time axis (the latest `windowMs`). */
  windowMs: number;
  now?: number;
}) {
  const visible = points.filter((p) => p.t >= now - windowMs);
  const values = visible.flatMap((p) => (p.v === null ? [] : [p.v]));
  // Zero is always on the scale; values below it (a negative GGR) get room below it.
  const low = Math.min(0, ...values);
  const high = Math.max(0, ...values);
  const max = high > 0 ? niceMax(high) : low < 0 ? 0 : 1;
  const min = low < 0 ? -niceMax(-low) : 0;
  const x = (t: number) =>
    PAD.left + ((t - (now - windowMs)) / windowMs) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - ((v - min) / (max - min)) * (H - PAD.top - PAD.bottom);
  // Gaps (null) break the line.
  const paths: string[] = [];
  let current = '';
  for (const p of visible) {
    if (p.v === null) {
      if (current) paths.push(current);
      current = '';
      continue;
    }
    current += `${current ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`;
  }
  if (current) paths.push(current);
  const last = [...visible].reverse().find((p) => p.v !== null);
  const id = title.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  return (
    <figure className="chart">
      <figcaption className="chart-head">
        <span className="chart-title">{title}</span>
        <output className="chart-value" data-testid={`chart-${id}`}>
          {last?.v === null || last === undefined ? '–' : format(last.v)}
        </output>
      </figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-labelledby={`${id}-title`}
        preserveAspectRatio="none"
        className="chart-svg"
      >
        <title id={`${id}-title`}>
          {title}: {last?.v === null || last === undefined ? 'no data yet' : format(last.v)}
        </title>
        {[...new Set([min, 0, max / 2, max])].map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} className="chart-grid" />
            <text x={PAD.left - 4} y={y(v) + 3} className="chart-axis" textAnchor="end">
              {format(v)}
            </text>
          </g>
        ))}
        {paths.map((d) => (
          <path key={d} d={d} className="chart-line" />
        ))}
        {last && last.v !== null ? (
          <circle cx={x(last.t)} cy={y(last.v)} r={2.5} className="chart-dot" />
        ) : null}
      </svg>
    </figure>
  );
}

export interface Bar {
  /** Unique among the bars. */
  id: string;
  label: string;
  value: number;
  /** A limit drawn as a marker (e.g. a liability cap). */
  cap?: number | null;
}

export function BarChart({
  title,
  bars,
  format,
}: {
  title: string;
  bars: readonly Bar[];
  format: (v: number) => string;
}) {
  const row = 26;
  const labelW = 120;
  const valueW = 90;
  const width = 480;
  const height = Math.max(row, bars.length * row) + 4;
  const max = niceMax(Math.max(0, ...bars.map((b) => Math.max(b.value, b.cap ?? 0))));
  const x = (v: number) => labelW + (v / max) * (width - labelW - valueW);
  return (
    <figure className="chart chart-bars">
      <figcaption className="chart-title">{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" className="chart-svg">
        <title>
          {title}: {bars.map((b) => `${b.label} ${format(b.value)}`).join(', ')}
        </title>
        {bars.map((b, i) => (
          <g key={b.id} transform={`translate(0 ${i * row + 2})`}>
            <text x={labelW - 6} y={row / 2 + 4} textAnchor="end" className="chart-label">
              {b.label.length > 18 ? `${b.label.slice(0, 17)}…` : b.label}
            </text>
            <rect
              x={labelW}
              y={4}
              width={Math.max(0, x(b.value) - labelW)}
              height={row - 8}
              className={b.cap && b.value >= b.cap * 0.8 ? 'chart-bar chart-bar-hot' : 'chart-bar'}
            />
            {b.cap ? (
              <line x1={x(b.cap)} x2={x(b.cap)} y1={1} y2={row - 1} className="chart-cap" />
            ) : null}
            <text x={width - valueW + 6} y={row / 2 + 4} className="chart-label">
              {format(b.value)}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}
