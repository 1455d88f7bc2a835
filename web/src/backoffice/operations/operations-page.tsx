// The operations dashboard: the figures of the process that serves this page, read every few
// seconds and charted over the last minutes — bets a minute, turnover and GGR, the share of
// requests that failed on our side, latency percentiles, WebSocket connections and how far the
// outbox is behind. Two readings make one point; a restart starts the lines afresh.
import { useEffect, useRef, useState } from 'react';
import type { Result } from '../../api/operations.ts';
import { describeError } from '../../api/problems.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { formatMinor } from '../../lib/money.ts';
import { bucketDelta, minorDelta, perMinute, quantile, share } from '../../lib/stats.ts';
import { useAuth } from '../../ui/auth.tsx';
import { LineChart, type Point } from '../../ui/charts.tsx';
import { PageHeading } from '../../ui/page.tsx';

type Stats = Result<'GET /api/v1/admin/reports/operations'>;

const POLL_MS = 5_000;
const WINDOW_MS = 5 * 60_000;

interface Series {
  betsPerMinute: Point[];
  turnoverPerMinute: Point[];
  ggr: Point[];
  errorRate: Point[];
  p50: Point[];
  p95: Point[];
  p99: Point[];
  connections: Point[];
  outboxAge: Point[];
  outboxPending: Point[];
}

const emptySeries = (): Series => ({
  betsPerMinute: [],
  turnoverPerMinute: [],
  ggr: [],
  errorRate: [],
  p50: [],
  p95: [],
  p99: [],
  connections: [],
  outboxAge: [],
  outboxPending: [],
});

/** Adds the point of one interval (two readings) to every series, dropping what left the window. */
export function addReading(
  series: Series,
  before: Stats | null,
  after: Stats,
  currency: string,
): Series {
  const t = Date.parse(after.at);
  const keep = (points: Point[], v: number | null) => [
    ...points.filter((p) => p.t >= t - WINDOW_MS - POLL_MS),
    { t, v },
  ];
  const ms = before ? t - Date.parse(before.at) : 0;
  const money = (s: Stats | null) => s?.money.find((m) => m.currency === currency);
  const turnover = before ? minorDelta(money(before)?.staked, money(after)?.staked) : null;
  const latency = before ? bucketDelta(before.http.latency, after.http.latency) : null;
  const m = money(after);
  const ggr = m ? BigInt(m.settledStake) - BigInt(m.settledPayout) : 0n;
  return {
    betsPerMinute: keep(
      series.betsPerMinute,
      before ? perMinute(before.bets.placed, after.bets.placed, ms) : null,
    ),
    turnoverPerMinute: keep(
      series.turnoverPerMinute,
      turnover === null || ms <= 0 ? null : (Number(turnover) * 60_000) / ms,
    ),
    ggr: keep(series.ggr, Number(ggr)),
    errorRate: keep(
      series.errorRate,
      before
        ? share(
            before.http.serverErrors,
            after.http.serverErrors,
            before.http.requests,
            after.http.requests,
          )
        : null,
    ),
    p50: keep(series.p50, quantile(latency, 0.5)),
    p95: keep(series.p95, quantile(latency, 0.95)),
    p99: keep(series.p99, quantile(latency, 0.99)),
    connections: keep(series.connections, after.realtime.connections),
    outboxAge: keep(series.outboxAge, after.outbox.oldestPendingAgeSeconds),
    outboxPending: keep(series.outboxPending, after.outbox.pending),
  };
}

export function OperationsPage() {
  const i18n = useI18n();
  const { client } = useAuth();
  const [series, setSeries] = useState<Series>(emptySeries);
  const [latest, setLatest] = useState<Stats | null>(null);
  const [error, setError] = useState<unknown>(null);
  const last = useRef<Stats | null>(null);

  useEffect(() => {
    let stopped = false;
    const read = async () => {
      try {
        const stats = await client.call('GET /api/v1/admin/reports/operations');
        if (stopped) return;
        const currency = stats.money[0]?.currency ?? 'EUR';
        const before = last.current;
        last.current = stats;
        setSeries((s) => addReading(s, before, stats, currency));
        setLatest(stats);
        setError(null);
      } catch (failure) {
        if (!stopped) setError(failure);
      }
    };
    void read();
    const timer = window.setInterval(() => {
      if (!document.hidden) void read();
    }, POLL_MS);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [client]);

  const currency = latest?.money[0]?.currency ?? 'EUR';
  const money = (v: number) => formatMinor(BigInt(Math.round(v)), currency, 'en-GB');
  const ms = (v: number) => `${Math.round(v * 1000)} ms`;
  const percent = (v: number) => `${(v * 100).toFixed(2)} %`;
  const count = (v: number) => String(Math.round(v * 10) / 10);
  const seconds = (v: number) => `${v.toFixed(1)} s`;
  const now = latest ? Date.parse(latest.at) : Date.now();

  return (
    <div className="page">
      <PageHeading>Operations</PageHeading>
      <p className="muted">
        Figures of this process, read every {POLL_MS / 1000} seconds, over the last{' '}
        {WINDOW_MS / 60_000} minutes.{' '}
        {latest ? (
          <>
            Up {Math.round(latest.uptimeSeconds / 60)} min · {latest.bets.placed} bets placed ·{' '}
            {latest.http.requests} requests since it started.
          </>
        ) : null}
      </p>
      {error ? (
        <p className="callout callout-error" role="alert">
          {describeError(error, i18n)}
        </p>
      ) : null}
      {!latest && !error ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : null}
      <div className="chart-grid-layout" data-testid="operations-charts">
        <LineChart
          title="Bets a minute"
          points={series.betsPerMinute}
          format={count}
          windowMs={WINDOW_MS}
          now={now}
        />
        <LineChart
          title={`Turnover a minute (${currency})`}
          points={series.turnoverPerMinute}
          format={money}
          windowMs={WINDOW_MS}
          now={now}
        />
        <LineChart
          title={`GGR since start (${currency})`}
          points={series.ggr}
          format={money}
          windowMs={WINDOW_MS}
          now={now}
        />
        <LineChart
          title="Server error rate"
          points={series.errorRate}
          format={percent}
          windowMs={WINDOW_MS}
          now={now}
        />
        <LineChart
          title="Latency p50"
          points={series.p50}
          format={ms}
          windowMs={WINDOW_MS}
          now={now}
        />
        <LineChart
          title="Latency p95"
          points={series.p95}
          format={ms}
          windowMs={WINDOW_MS}
          now={now}
        />
        <LineChart
          title="Latency p99"
          points={series.p99}
          format={ms}
          windowMs={WINDOW_MS}
          now={now}
        />
        <LineChart
          title="WebSocket connections"
          points={series.connections}
          format={count}
          windowMs={WINDOW_MS}
          now={now}
        />
        <LineChart
          title="Outbox: oldest waiting"
          points={series.outboxAge}
          format={seconds}
          windowMs={WINDOW_MS}
          now={now}
        />
        <LineChart
          title="Outbox: events waiting"
          points={series.outboxPending}
          format={count}
          windowMs={WINDOW_MS}
          now={now}
        />
      </div>
      {latest && latest.money.length > 0 ? (
        <table className="table">
          <caption>Money since the process started</caption>
          <thead>
            <tr>
              <th scope="col">Currency</th>
              <th scope="col" className="num">
                Staked
              </th>
              <th scope="col" className="num">
                Settled stakes
              </th>
              <th scope="col" className="num">
                Paid out
              </th>
              <th scope="col" className="num">
                GGR
              </th>
            </tr>
          </thead>
          <tbody>
            {latest.money.map((m) => (
              <tr key={m.currency}>
                <th scope="row">{m.currency}</th>
                <td className="num">{formatMinor(m.staked, m.currency, 'en-GB')}</td>
                <td className="num">{formatMinor(m.settledStake, m.currency, 'en-GB')}</td>
                <td className="num">{formatMinor(m.settledPayout, m.currency, 'en-GB')}</td>
                <td className="num">
                  {formatMinor(
                    BigInt(m.settledStake) - BigInt(m.settledPayout),
                    m.currency,
                    'en-GB',
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
