// The bench's report writer: ratios, targets, recovery time and the markdown/SVG it writes.
// (The bench itself is not a test; this checks only its arithmetic and output.)
import { describe, expect, it } from 'vitest';
import { percentile, picker } from '../../bench/load.ts';
import {
  type BenchRun,
  barChart,
  charts,
  checks,
  comparisons,
  markdown,
  ratio,
  recoverySeconds,
} from '../../bench/report.ts';

function benchRun(overrides: Partial<BenchRun> = {}): BenchRun {
  const latency = { p50: 5, p95: 20, p99: 40, max: 90 };
  return {
    date: '2026-11-26T18:00:00.000Z',
    profile: 'default',
    command: 'npm run bench',
    machine: {
      cpus: 2,
      cpuModel: 'Test CPU',
      memoryGb: 4,
      node: '20.20.2',
      postgres: 'PostgreSQL 15.1',
      loadBefore: [0.5, 0.4, 0.3],
      loadAfter: [1.5, 1.2, 0.9],
    },
    data: { players: 100_000 },
    scenarios: {
      placement: { name: 'placement (single)', throughput: 900, unit: 'bets/s', latency },
      placement80: { name: 'placement at 80 %', throughput: 720, unit: 'bets/s', latency },
      settlement: { name: 'settlement', throughput: 4000, unit: 'bets/s' },
      fanout: {
        name: 'fan-out',
        throughput: 95_000,
        unit: 'deliveries/s',
        latency: { ...latency, p99: 120 },
      },
      browse: { name: 'browse', throughput: 3000, unit: 'requests/s', latency },
      embedded: { name: 'embedded', throughput: 250, unit: 'bets/s' },
    },
    baselines: {
      pgbench: { name: 'pgbench', throughput: 1200, unit: 'transactions/s' },
      sqlSettlement: { name: 'sql', throughput: 10_000, unit: 'bets/s' },
      bareWs: { name: 'bare ws', throughput: 100_000, unit: 'deliveries/s' },
      bareFastify: { name: 'bare Fastify', throughput: 12_000, unit: 'requests/s' },
    },
    startup: { seconds: 4.2 },
    apiRssMb: 180,
    caveats: ['the machine was busy'],
    ...overrides,
  };
}

describe('bench report', () => {
  it('divides a figure by its baseline and refuses a missing or zero baseline', () => {
    expect(ratio(900, 1200)).toBe(0.75);
    expect(ratio(900, 0)).toBeNull();
    expect(ratio(900, undefined)).toBeNull();
    expect(ratio(Number.NaN, 10)).toBeNull();
  });

  it('pairs each iBet figure with the baseline of the same run', () => {
    const byName = Object.fromEntries(
      comparisons(benchRun()).map((c) => [c.name.split(' ')[0], c]),
    );
    expect(byName.placement?.ratio).toBe(0.75);
    expect(byName.settlement?.ratio).toBe(0.4);
    expect(byName['fan-out']?.ratio).toBe(0.95);
    expect(byName.browse?.ratio).toBe(0.25);
    expect(byName.browse?.target).toBeNull();
  });

  it('marks each target met, missed or not measured', () => {
    const result = Object.fromEntries(checks(benchRun()).map((c) => [c.name, c.met]));
    expect(result['placement (single) vs pgbench placement-shaped transaction']).toBe(true); // 0.75 ≥ 0.6
    expect(result['settlement (worker) vs set-based SQL']).toBe(false); // 0.4 < 0.5
    expect(result['placement p99 at 80 % of the maximum rate']).toBe(true); // 40 ≤ 50
    expect(result['fan-out commit → client p99']).toBe(false); // 120 > 100
    expect(result['embedded (PGlite) placement']).toBe(false); // 250 < 300
    expect(result['`npm start` to ready']).toBe(true);
    expect(result['API process RSS under the mixed load']).toBe(true);
    expect(result['spike: errors other than 429']).toBeNull(); // no spike in this run
  });

  it('counts recovery from the end of the spike to the first calm stretch', () => {
    const second = (s: number, p99: number, errors = 0) => ({
      second: s,
      p99,
      errors,
      requests: 100,
    });
    const timeline = [
      second(0, 10),
      second(1, 10),
      second(2, 300), // spike: seconds 2–3
      second(3, 400, 2),
      second(4, 200), // after: still high
      second(5, 16), // within 1.5 × 10 + 5 = 20
      second(6, 12),
      second(7, 11),
    ];
    expect(recoverySeconds(timeline, 4, 10)).toBe(1);
    expect(recoverySeconds(timeline, 4, 10, 1.5, 5)).toBeNull(); // never calm for 5 s
    expect(recoverySeconds(timeline.slice(0, 5), 4, 10)).toBeNull();
  });

  it('takes nearest-rank percentiles and picks request kinds by weight', () => {
    const sorted = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(percentile(sorted, 0.5)).toBe(5);
    expect(percentile(sorted, 0.99)).toBe(10);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile(new Float64Array(0), 0.5)).toBeNaN();
    const pick = picker({ events: 80, quote: 15, single: 5 });
    expect(pick(0)).toBe('events');
    expect(pick(0.79)).toBe('events');
    expect(pick(0.81)).toBe('quote');
    expect(pick(0.96)).toBe('single');
    expect(pick(0.999999)).toBe('single');
  });

  it('writes the ratios, targets and caveats into the markdown and valid SVG charts', () => {
    const run = benchRun();
    const files = charts(run, 'x');
    expect(Object.keys(files).sort()).toEqual(['x-p99.svg', 'x-ratios.svg']);
    for (const svg of Object.values(files)) {
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    }
    const md = markdown(run, Object.keys(files));
    expect(md).toContain(
      '| placement (single) vs pgbench placement-shaped transaction | 900 bets/s | 1,200 transactions/s | 0.75× |',
    );
    expect(md).toContain('| settlement (worker) vs set-based SQL | 0.40× | ≥ 0.5× | **missed** |');
    expect(md).toContain('![x-ratios.svg](x-ratios.svg)');
    expect(md).toContain('- the machine was busy');
    expect(barChart('a < b', [{ label: 'x & y', value: 3 }], 'ms')).toContain('a &lt; b');
  });

  it('charts the spike as a timeline with its band', () => {
    const run = benchRun({
      spike: {
        rate: 100,
        spikeRate: 1000,
        spikeStart: 2,
        spikeSeconds: 2,
        errors: 0,
        throttled: 3,
        requests: 2000,
        p99Steady: 10,
        p99During: 120,
        p99After: 12,
        recoverySeconds: 1,
        timeline: [0, 1, 2, 3, 4, 5].map((s) => ({ second: s, requests: 100, errors: 0, p99: 10 })),
      },
    });
    const files = charts(run, 'y');
    expect(files['y-spike.svg']).toContain('<polyline');
    const result = Object.fromEntries(checks(run).map((c) => [c.name, c.met]));
    expect(result['spike: errors other than 429']).toBe(true);
    expect(result['spike: p99 during the spike']).toBe(true);
    expect(result['spike: recovered after it']).toBe(true);
    expect(markdown(run, [])).toContain('3 429s');
  });
});
