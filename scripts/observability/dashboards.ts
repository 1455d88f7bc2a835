// The Grafana dashboards, as code: platform health, betting activity, money flows, realtime.
// `npm run observability` writes them to deploy/observability/grafana/ (Grafana JSON models,
// loaded by the dashboard sidecar from the ConfigMaps the Kubernetes manifests make).

export interface Target {
  expr: string;
  legend?: string;
}

interface PanelSpec {
  title: string;
  type: 'timeseries' | 'stat';
  targets: Target[];
  unit?: string;
  description?: string;
  width?: number;
  thresholds?: { value: number; color: string }[];
}

export interface DashboardSpec {
  uid: string;
  file: string;
  title: string;
  description: string;
  rows: { title: string; panels: PanelSpec[] }[];
}

const ts = (
  title: string,
  targets: Target[] | string,
  unit = 'short',
  extra: Partial<PanelSpec> = {},
): PanelSpec => ({
  title,
  type: 'timeseries',
  targets: typeof targets === 'string' ? [{ expr: targets }] : targets,
  unit,
  ...extra,
});

const stat = (
  title: string,
  expr: string,
  unit = 'short',
  extra: Partial<PanelSpec> = {},
): PanelSpec => ({ title, type: 'stat', targets: [{ expr }], unit, ...extra });

const quantiles = (metric: string, selector = '', by = '') =>
  [0.5, 0.95, 0.99].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (rate(${metric}_bucket${selector}[$__rate_interval])))`,
    legend: `p${q * 100}${by ? ` {{${by}}}` : ''}`,
  }));

const BETS = '{route="/api/v1/bets",method="POST"}';
/** Grafana's datasource variable, chosen on the dashboard. */
const DATASOURCE = { type: 'prometheus', uid: ['$', '{datasource}'].join('') };

export const DASHBOARDS: DashboardSpec[] = [
  {
    uid: 'ibet-platform-health',
    file: 'ibet-platform-health.json',
    title: 'iBet · Platform health',
    description: 'RED per route, processes, database, outbox, jobs and notifications.',
    rows: [
      {
        title: 'Traffic, errors, latency (RED)',
        panels: [
          ts(
            'Requests per second by process',
            [
              {
                expr: 'sum by (job) (rate(ibet_http_requests_total[$__rate_interval]))',
                legend: '{{job}}',
              },
            ],
            'reqps',
          ),
          ts(
            'Server errors (5xx) ratio',
            [
              {
                expr: 'sum(rate(ibet_http_requests_total{status=~"5.."}[$__rate_interval])) / sum(rate(ibet_http_requests_total[$__rate_interval]))',
                legend: '5xx ratio',
              },
              { expr: '0.001', legend: 'SLO budget (99.9%)' },
            ],
            'percentunit',
          ),
          ts('Latency, all routes', quantiles('ibet_http_request_duration_seconds'), 's'),
          ts(
            'Slowest routes (p95)',
            [
              {
                expr: 'topk(8, histogram_quantile(0.95, sum by (le, method, route) (rate(ibet_http_request_duration_seconds_bucket[$__rate_interval]))))',
                legend: '{{method}} {{route}}',
              },
            ],
            's',
          ),
          ts(
            'Error responses by code',
            [
              {
                expr: 'sum by (code) (rate(ibet_http_problems_total[$__rate_interval]))',
                legend: '{{code}}',
              },
            ],
            'reqps',
          ),
          ts('Requests in flight', [
            { expr: 'sum by (job) (ibet_http_requests_in_flight)', legend: '{{job}}' },
          ]),
          ts(
            'Error budget burn rate (1 h, 6 h)',
            [
              { expr: 'ibet:http_errors:ratio_rate1h / 0.001', legend: '1 h' },
              { expr: 'ibet:http_errors:ratio_rate6h / 0.001', legend: '6 h' },
            ],
            'short',
            { description: '1 = spending the 30-day budget exactly; 14.4 pages.' },
          ),
        ],
      },
      {
        title: 'Processes',
        panels: [
          stat('Targets up', 'sum(up{job=~"ibet.*"})'),
          stat('Processes shutting down', 'sum(ibet_shutting_down)'),
          ts('Versions and roles', [
            { expr: 'count by (version, role) (ibet_build_info)', legend: '{{role}} {{version}}' },
          ]),
          ts(
            'Event-loop lag p99',
            [
              {
                expr: 'max by (job, instance) (nodejs_eventloop_lag_p99_seconds)',
                legend: '{{instance}}',
              },
            ],
            's',
          ),
          ts(
            'CPU',
            [
              {
                expr: 'sum by (job, instance) (rate(process_cpu_seconds_total[$__rate_interval]))',
                legend: '{{instance}}',
              },
            ],
            'percentunit',
          ),
          ts(
            'Resident memory',
            [
              {
                expr: 'sum by (job, instance) (process_resident_memory_bytes)',
                legend: '{{instance}}',
              },
            ],
            'bytes',
          ),
        ],
      },
      {
        title: 'Database',
        panels: [
          ts(
            'Pool use',
            [
              {
                expr: 'sum(ibet_db_connections_in_use) / sum(ibet_db_pool_size)',
                legend: 'in use / pool',
              },
            ],
            'percentunit',
          ),
          ts('Waiting for a connection', [
            { expr: 'sum by (job) (ibet_db_pool_waiting)', legend: '{{job}}' },
          ]),
          ts(
            'Statement latency p95 by operation',
            [
              {
                expr: 'histogram_quantile(0.95, sum by (le, operation) (rate(ibet_db_query_duration_seconds_bucket[$__rate_interval])))',
                legend: '{{operation}}',
              },
            ],
            's',
          ),
          ts(
            'Transactions per second',
            [
              {
                expr: 'sum by (outcome) (rate(ibet_db_transaction_duration_seconds_count[$__rate_interval]))',
                legend: '{{outcome}}',
              },
              {
                expr: 'sum(rate(ibet_db_transaction_retries_total[$__rate_interval]))',
                legend: 'retried (40001/40P01)',
              },
            ],
            'ops',
          ),
          ts(
            'Errors by SQLSTATE class',
            [
              {
                expr: 'sum by (class) (rate(ibet_db_errors_total[$__rate_interval]))',
                legend: '{{class}}',
              },
            ],
            'ops',
          ),
        ],
      },
      {
        title: 'Outbox, jobs, notifications',
        panels: [
          ts('Outbox backlog', [
            { expr: 'max(ibet_outbox_pending_events)', legend: 'unpublished events' },
          ]),
          ts(
            'Outbox lag',
            [
              { expr: 'max(ibet_outbox_oldest_pending_age_seconds)', legend: 'oldest unpublished' },
              ...quantiles('ibet_outbox_relay_lag_seconds').slice(1),
            ],
            's',
          ),
          ts(
            'Consumer failures',
            [
              {
                expr: 'sum by (consumer) (rate(ibet_event_consumer_failures_total[$__rate_interval]))',
                legend: '{{consumer}}',
              },
            ],
            'ops',
          ),
          ts('Job runs', [
            {
              expr: 'sum by (job, outcome) (increase(ibet_job_runs_total[$__rate_interval]))',
              legend: '{{job}} {{outcome}}',
            },
          ]),
          ts(
            'Since last successful run',
            [
              {
                expr: 'time() - max by (job) (ibet_job_last_success_timestamp_seconds)',
                legend: '{{job}}',
              },
            ],
            's',
          ),
          stat('Ledger check', 'min(ibet_ledger_check_ok)', 'short', {
            thresholds: [
              { value: 0, color: 'red' },
              { value: 1, color: 'green' },
            ],
          }),
          ts(
            'Notifications sent',
            [
              {
                expr: 'sum by (channel, template) (rate(ibet_notifications_sent_total[$__rate_interval]))',
                legend: '{{channel}} {{template}}',
              },
            ],
            'ops',
          ),
          ts(
            'Notification failures',
            [
              {
                expr: 'sum by (channel, kind) (rate(ibet_notifications_failed_total[$__rate_interval]))',
                legend: '{{channel}} {{kind}}',
              },
              {
                expr: 'sum by (channel) (rate(ibet_notifications_dead_lettered_total[$__rate_interval]))',
                legend: 'dead-lettered {{channel}}',
              },
            ],
            'ops',
          ),
          ts('Notification queue', [
            {
              expr: 'max by (status, channel) (ibet_notifications_queue)',
              legend: '{{status}} {{channel}}',
            },
            {
              expr: 'max(ibet_notifications_oldest_pending_age_seconds)',
              legend: 'oldest pending (s)',
            },
          ]),
        ],
      },
    ],
  },
  {
    uid: 'ibet-betting',
    file: 'ibet-betting-activity.json',
    title: 'iBet · Betting activity',
    description: 'Bets placed and refused, stakes, settlement throughput and lag, cash outs.',
    rows: [
      {
        title: 'Placement',
        panels: [
          ts(
            'Bets placed per second',
            [
              {
                expr: 'sum by (currency) (rate(ibet_bets_placed_total[$__rate_interval]))',
                legend: '{{currency}}',
              },
            ],
            'ops',
          ),
          ts(
            'Bets refused per second, by reason',
            [
              {
                expr: 'sum by (reason) (rate(ibet_bets_rejected_total[$__rate_interval]))',
                legend: '{{reason}}',
              },
            ],
            'ops',
          ),
          ts(
            'Refusal ratio',
            [
              {
                expr: 'sum(rate(ibet_bets_rejected_total[$__rate_interval])) / (sum(rate(ibet_bets_rejected_total[$__rate_interval])) + sum(rate(ibet_bets_placed_total[$__rate_interval])))',
                legend: 'refused / attempted',
              },
            ],
            'percentunit',
          ),
          ts(
            'Placement latency (POST /api/v1/bets)',
            quantiles('ibet_http_request_duration_seconds', BETS),
            's',
          ),
          ts('Stakes per minute (minor units)', [
            {
              expr: 'sum by (currency) (rate(ibet_bet_stake_minor_total[$__rate_interval])) * 60',
              legend: '{{currency}}',
            },
          ]),
          ts('Potential payouts per minute (minor units)', [
            {
              expr: 'sum by (currency) (rate(ibet_bet_potential_payout_minor_total[$__rate_interval])) * 60',
              legend: '{{currency}}',
            },
          ]),
          ts('Stake size (minor units)', quantiles('ibet_bet_stake_minor_units', '', 'currency')),
        ],
      },
      {
        title: 'Settlement',
        panels: [
          ts(
            'Bets settled per second, by outcome',
            [
              {
                expr: 'sum by (status) (rate(ibet_bet_settlement_events_total[$__rate_interval]))',
                legend: '{{status}}',
              },
            ],
            'ops',
          ),
          ts('Settlement jobs waiting', [
            { expr: 'max(ibet_settlement_jobs_pending)', legend: 'jobs' },
            {
              expr: 'max(ibet_settlement_backlog_markets)',
              legend: 'resulted markets with open bets',
            },
          ]),
          ts(
            'Settlement lag',
            [
              {
                expr: 'max(ibet_settlement_oldest_pending_age_seconds)',
                legend: 'oldest unfinished job',
              },
              {
                expr: 'max(ibet_settlement_recent_lag_seconds)',
                legend: 'slowest job, last 5 min',
              },
              {
                expr: 'histogram_quantile(0.95, sum by (le) (rate(ibet_settlement_lag_seconds_bucket[$__rate_interval])))',
                legend: 'p95 result → bet settled',
              },
            ],
            's',
          ),
          ts('Left-over bets the sweep settled', [
            {
              expr: 'sum(increase(ibet_settlement_sweep_bets_total[$__rate_interval]))',
              legend: 'bets',
            },
          ]),
          ts(
            'Cash outs',
            [
              {
                expr: 'sum by (kind, trigger) (rate(ibet_cash_outs_total[$__rate_interval]))',
                legend: '{{kind}} {{trigger}}',
              },
            ],
            'ops',
          ),
        ],
      },
    ],
  },
  {
    uid: 'ibet-money',
    file: 'ibet-money-flows.json',
    title: 'iBet · Money flows',
    description:
      'GGR, stakes and payouts, deposits and withdrawals, the ledger check. Amounts in minor units.',
    rows: [
      {
        title: 'Gross gaming revenue',
        panels: [
          ts('GGR per hour by currency (settled stakes − payouts)', [
            {
              expr: '(sum by (currency) (increase(ibet_settled_stake_minor_total[1h])) - sum by (currency) (increase(ibet_settlement_reversed_minor_total{what="stake"}[1h]) or vector(0))) - (sum by (currency) (increase(ibet_settled_payout_minor_total[1h])) - sum by (currency) (increase(ibet_settlement_reversed_minor_total{what="payout"}[1h]) or vector(0)))',
              legend: '{{currency}}',
            },
          ]),
          stat(
            'GGR, last 24 h (EUR, minor units)',
            'sum(increase(ibet_settled_stake_minor_total{currency="EUR"}[24h])) - sum(increase(ibet_settled_payout_minor_total{currency="EUR"}[24h]))',
          ),
          ts('Settled stakes and payouts per hour', [
            {
              expr: 'sum by (currency) (increase(ibet_settled_stake_minor_total[1h]))',
              legend: 'stakes {{currency}}',
            },
            {
              expr: 'sum by (currency) (increase(ibet_settled_payout_minor_total[1h]))',
              legend: 'payouts {{currency}}',
            },
          ]),
        ],
      },
      {
        title: 'Payments',
        panels: [
          ts('Deposits and withdrawals per hour (minor units)', [
            {
              expr: 'sum by (direction, currency) (increase(ibet_payment_amount_minor_total{status="completed"}[1h]))',
              legend: '{{direction}} {{currency}}',
            },
          ]),
          ts('Net deposits per hour (minor units)', [
            {
              expr: 'sum by (currency) (increase(ibet_payment_amount_minor_total{direction="deposit",status="completed"}[1h])) - (sum by (currency) (increase(ibet_payment_amount_minor_total{direction="withdrawal",status="completed"}[1h])) or vector(0))',
              legend: '{{currency}}',
            },
          ]),
          ts(
            'Payments by outcome',
            [
              {
                expr: 'sum by (direction, status) (rate(ibet_payments_total[$__rate_interval]))',
                legend: '{{direction}} {{status}}',
              },
            ],
            'ops',
          ),
          ts(
            'Failed withdrawals ratio',
            [
              {
                expr: 'sum(rate(ibet_payments_total{direction="withdrawal",status="failed"}[$__rate_interval])) / sum(rate(ibet_payments_total{direction="withdrawal"}[$__rate_interval]))',
                legend: 'failed / all',
              },
            ],
            'percentunit',
          ),
          stat('Ledger check', 'min(ibet_ledger_check_ok)', 'short', {
            thresholds: [
              { value: 0, color: 'red' },
              { value: 1, color: 'green' },
            ],
          }),
          stat('Ledger last checked', 'time() - max(ibet_ledger_check_timestamp_seconds)', 's'),
        ],
      },
    ],
  },
  {
    uid: 'ibet-realtime',
    file: 'ibet-realtime.json',
    title: 'iBet · Realtime',
    description: 'WebSocket gateway: connections, subscriptions, fan-out, commit-to-push latency.',
    rows: [
      {
        title: 'Gateway',
        panels: [
          ts('Connections', [
            { expr: 'sum by (job, instance) (ibet_realtime_connections)', legend: '{{instance}}' },
          ]),
          ts('Subscriptions', [
            {
              expr: 'sum by (job, instance) (ibet_realtime_subscriptions)',
              legend: '{{instance}}',
            },
          ]),
          ts(
            'Messages and frames written per second',
            [
              {
                expr: 'sum(rate(ibet_realtime_messages_sent_total[$__rate_interval]))',
                legend: 'messages',
              },
              {
                expr: 'sum(rate(ibet_realtime_frames_sent_total[$__rate_interval]))',
                legend: 'frames',
              },
            ],
            'ops',
          ),
          ts('Commit to push', quantiles('ibet_realtime_commit_to_push_seconds'), 's'),
          ts(
            'Connections closed by the server',
            [
              {
                expr: 'sum by (reason) (rate(ibet_realtime_connections_closed_total[$__rate_interval]))',
                legend: '{{reason}}',
              },
            ],
            'ops',
          ),
          ts(
            'Upgrades refused',
            [
              {
                expr: 'sum by (reason) (rate(ibet_realtime_upgrades_refused_total[$__rate_interval]))',
                legend: '{{reason}}',
              },
            ],
            'ops',
          ),
          ts(
            'Client messages by operation',
            [
              {
                expr: 'sum by (op) (rate(ibet_realtime_client_messages_total[$__rate_interval]))',
                legend: '{{op}}',
              },
            ],
            'ops',
          ),
          ts(
            'Published to the fan-out, snapshots',
            [
              {
                expr: 'sum(rate(ibet_realtime_published_total[$__rate_interval]))',
                legend: 'published',
              },
              {
                expr: 'sum by (kind) (rate(ibet_realtime_snapshots_total[$__rate_interval]))',
                legend: 'snapshot {{kind}}',
              },
            ],
            'ops',
          ),
        ],
      },
    ],
  },
];

/** A Grafana dashboard JSON model of a spec: rows of panels, 24 columns wide. */
export function renderDashboard(spec: DashboardSpec): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { x: 0, y, w: 24, h: 1 },
      panels: [],
    });
    y += 1;
    let x = 0;
    for (const panel of row.panels) {
      const w = panel.width ?? (panel.type === 'stat' ? 6 : 12);
      if (x + w > 24) {
        x = 0;
        y += 8;
      }
      panels.push({
        id: id++,
        type: panel.type,
        title: panel.title,
        ...(panel.description ? { description: panel.description } : {}),
        datasource: DATASOURCE,
        gridPos: { x, y, w, h: 8 },
        fieldConfig: {
          defaults: {
            unit: panel.unit ?? 'short',
            ...(panel.thresholds
              ? {
                  thresholds: {
                    mode: 'absolute',
                    steps: panel.thresholds.map((t, i) => ({
                      color: t.color,
                      value: i === 0 ? null : t.value,
                    })),
                  },
                }
              : {}),
          },
          overrides: [],
        },
        options:
          panel.type === 'stat'
            ? { reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'background' }
            : { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
        targets: panel.targets.map((t, i) => ({
          refId: String.fromCharCode(65 + i),
          datasource: DATASOURCE,
          expr: t.expr,
          ...(t.legend ? { legendFormat: t.legend } : {}),
        })),
      });
      x += w;
    }
    y += 8;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['ibet'],
    timezone: 'utc',
    editable: false,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [
        {
          name: 'datasource',
          type: 'datasource',
          query: 'prometheus',
          label: 'Prometheus',
          current: {},
        },
      ],
    },
    annotations: { list: [] },
    panels,
  };
}
