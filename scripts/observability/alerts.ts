// Prometheus recording and alerting rules, as code. Each alert names its runbook in
// docs/runbooks/ (test/ops/observability.test.ts checks the file exists and names the alert).
// `npm run observability` writes deploy/observability/prometheus/ibet-rules.yaml.

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  severity: 'critical' | 'warning';
  summary: string;
  description: string;
  runbook: string;
}

export interface RecordingRule {
  record: string;
  expr: string;
}

/** 99.9% of requests answered without a server error, over 30 days. */
export const AVAILABILITY_SLO = 0.999;
/** 99% of bet placements answered within 500 ms, over 30 days. */
export const LATENCY_SLO = 0.99;

const WINDOWS = ['5m', '30m', '1h', '6h'] as const;
const BETS = 'route="/api/v1/bets",method="POST"';

export const RECORDING_RULES: RecordingRule[] = [
  ...WINDOWS.map((w) => ({
    record: `ibet:http_errors:ratio_rate${w}`,
    expr: `sum(rate(ibet_http_requests_total{status=~"5.."}[${w}])) / sum(rate(ibet_http_requests_total[${w}]))`,
  })),
  ...WINDOWS.map((w) => ({
    record: `ibet:bet_placement_slow:ratio_rate${w}`,
    expr: `1 - (sum(rate(ibet_http_request_duration_seconds_bucket{${BETS},le="0.5"}[${w}])) / sum(rate(ibet_http_request_duration_seconds_count{${BETS}}[${w}])))`,
  })),
];

const budget = (slo: number) => Math.round((1 - slo) * 1e6) / 1e6;

export const ALERTS: AlertRule[] = [
  {
    alert: 'IbetHighErrorRate',
    expr: 'ibet:http_errors:ratio_rate5m > 0.05',
    for: '5m',
    severity: 'critical',
    summary: 'More than 5% of requests fail with a server error',
    description:
      '{{ $value | humanizePercentage }} of requests answered 5xx over the last 5 minutes.',
    runbook: 'high-error-rate.md',
  },
  {
    alert: 'IbetErrorBudgetBurnFast',
    expr: `ibet:http_errors:ratio_rate1h > (14.4 * ${budget(AVAILABILITY_SLO)}) and ibet:http_errors:ratio_rate5m > (14.4 * ${budget(AVAILABILITY_SLO)})`,
    severity: 'critical',
    summary: 'The availability error budget burns 14× too fast (2% of 30 days in 1 hour)',
    description:
      'Server errors over the last hour would spend the 99.9% monthly budget in about two days.',
    runbook: 'slo-burn.md',
  },
  {
    alert: 'IbetErrorBudgetBurnSlow',
    expr: `ibet:http_errors:ratio_rate6h > (6 * ${budget(AVAILABILITY_SLO)}) and ibet:http_errors:ratio_rate30m > (6 * ${budget(AVAILABILITY_SLO)})`,
    severity: 'warning',
    summary: 'The availability error budget burns 6× too fast (5% of 30 days in 6 hours)',
    description: 'Server errors over the last 6 hours would spend the monthly budget in five days.',
    runbook: 'slo-burn.md',
  },
  {
    alert: 'IbetBetLatencyBudgetBurnFast',
    expr: `ibet:bet_placement_slow:ratio_rate1h > (14.4 * ${budget(LATENCY_SLO)}) and ibet:bet_placement_slow:ratio_rate5m > (14.4 * ${budget(LATENCY_SLO)})`,
    severity: 'critical',
    summary: 'Bet placements over 500 ms burn the latency budget 14× too fast',
    description:
      '{{ $value | humanizePercentage }} of bet placements took longer than 500 ms in the last hour.',
    runbook: 'slo-burn.md',
  },
  {
    alert: 'IbetBetLatencyBudgetBurnSlow',
    expr: `ibet:bet_placement_slow:ratio_rate6h > (6 * ${budget(LATENCY_SLO)}) and ibet:bet_placement_slow:ratio_rate30m > (6 * ${budget(LATENCY_SLO)})`,
    severity: 'warning',
    summary: 'Bet placements over 500 ms burn the latency budget 6× too fast',
    description:
      'Slow placements over the last 6 hours would spend the monthly latency budget in five days.',
    runbook: 'slo-burn.md',
  },
  {
    alert: 'IbetEventLoopLagging',
    expr: 'max by (job, instance) (nodejs_eventloop_lag_p99_seconds) > 0.2',
    for: '5m',
    severity: 'warning',
    summary: '{{ $labels.instance }} answers late: event-loop lag p99 over 200 ms',
    description: 'The process spends long stretches on CPU work; every request on it waits.',
    runbook: 'slo-burn.md',
  },
  {
    alert: 'IbetSettlementLagging',
    expr: 'max(ibet_settlement_oldest_pending_age_seconds) > 300',
    for: '5m',
    severity: 'critical',
    summary: 'A market result has waited more than 5 minutes to be applied to its bets',
    description:
      'The oldest unfinished settlement job is {{ $value | humanizeDuration }} old; winners are not paid.',
    runbook: 'settlement-lag.md',
  },
  {
    alert: 'IbetSettlementSlow',
    expr: 'max(ibet_settlement_recent_lag_seconds) > 120',
    for: '10m',
    severity: 'warning',
    summary: 'Settling a market takes more than 2 minutes',
    description:
      'The slowest settlement finished in the last 5 minutes took {{ $value | humanizeDuration }}.',
    runbook: 'settlement-lag.md',
  },
  {
    alert: 'IbetSettlementSweepBusy',
    expr: 'sum(increase(ibet_settlement_sweep_bets_total[30m])) > 0',
    severity: 'warning',
    summary: 'The settlement sweep had to settle left-over bets',
    description:
      '{{ $value }} bets on resulted markets were found open and settled by the sweep: a settlement run did not finish.',
    runbook: 'settlement-lag.md',
  },
  {
    alert: 'IbetOutboxLagging',
    expr: 'max(ibet_outbox_oldest_pending_age_seconds) > 60',
    for: '5m',
    severity: 'critical',
    summary: 'Events wait more than a minute in the outbox',
    description:
      'The oldest unpublished event is {{ $value | humanizeDuration }} old: prices, notifications and webhooks are late.',
    runbook: 'outbox-lag.md',
  },
  {
    alert: 'IbetOutboxBacklog',
    expr: 'max(ibet_outbox_pending_events) > 10000',
    for: '10m',
    severity: 'warning',
    summary: 'More than 10,000 events wait in the outbox',
    description: '{{ $value }} events are unpublished.',
    runbook: 'outbox-lag.md',
  },
  {
    alert: 'IbetDatabaseSaturated',
    expr: 'sum(ibet_db_connections_in_use) / sum(ibet_db_pool_size) > 0.9 or sum(ibet_db_pool_waiting) > 10',
    for: '10m',
    severity: 'warning',
    summary: 'The database pools are nearly all in use',
    description: 'Over 90% of pooled connections are busy, or statements queue for one.',
    runbook: 'database-saturation.md',
  },
  {
    alert: 'IbetDatabaseSlow',
    expr: 'histogram_quantile(0.99, sum by (le) (rate(ibet_db_query_duration_seconds_bucket[5m]))) > 0.25',
    for: '10m',
    severity: 'warning',
    summary: 'Statements take more than 250 ms at p99',
    description: 'Database latency p99 is {{ $value | humanizeDuration }}.',
    runbook: 'database-saturation.md',
  },
  {
    alert: 'IbetDatabaseUnreachable',
    expr: 'sum(rate(ibet_db_errors_total{class=~"08|57|53"}[5m])) > 0.5',
    for: '2m',
    severity: 'critical',
    summary: 'Statements fail with connection, shutdown or resource errors',
    description:
      'SQLSTATE classes 08 (connection), 57 (operator intervention) or 53 (resources): the database is down, failing over or out of resources.',
    runbook: 'disaster-recovery.md',
  },
  {
    alert: 'IbetTargetDown',
    expr: 'up{job=~"ibet.*"} == 0',
    for: '2m',
    severity: 'critical',
    summary: '{{ $labels.instance }} ({{ $labels.job }}) does not answer /metrics',
    description: 'Prometheus could not scrape this iBet process for 2 minutes.',
    runbook: 'pods-down.md',
  },
  {
    alert: 'IbetNoWorker',
    expr: 'absent(ibet_build_info{role=~"worker|all"})',
    for: '5m',
    severity: 'critical',
    summary: 'No process runs the worker role',
    description:
      'Without a worker the outbox is not relayed, notifications are not sent and scheduled jobs do not run.',
    runbook: 'pods-down.md',
  },
  {
    alert: 'IbetLedgerCheckFailed',
    expr: 'min(ibet_ledger_check_ok) == 0',
    severity: 'critical',
    summary: 'The ledger check fails',
    description:
      'A currency does not sum to zero, a balance drifted from its transfers, or a player balance is negative.',
    runbook: 'ledger-check-failed.md',
  },
  {
    alert: 'IbetLedgerCheckStale',
    expr: 'time() - max(ibet_ledger_check_timestamp_seconds) > 1800',
    for: '10m',
    severity: 'warning',
    summary: 'The ledger has not been checked for 30 minutes',
    description: 'The wallet.ledger-check job does not run or does not finish.',
    runbook: 'scheduled-jobs.md',
  },
  {
    alert: 'IbetJobFailing',
    expr: 'sum by (job) (increase(ibet_job_runs_total{outcome="failed"}[30m])) > 2',
    severity: 'warning',
    summary: 'Scheduled job {{ $labels.job }} keeps failing',
    description: '{{ $value }} failed runs in 30 minutes.',
    runbook: 'scheduled-jobs.md',
  },
  {
    alert: 'IbetNotificationsDeadLettered',
    expr: 'sum by (channel) (increase(ibet_notifications_dead_lettered_total[15m])) > 0',
    severity: 'warning',
    summary: '{{ $labels.channel }} notifications went to the dead-letter list',
    description: '{{ $value }} messages could not be sent and will not be retried until requeued.',
    runbook: 'notifications.md',
  },
  {
    alert: 'IbetNotificationsDelayed',
    expr: 'max(ibet_notifications_oldest_pending_age_seconds) > 900',
    for: '5m',
    severity: 'warning',
    summary: 'A notification has waited more than 15 minutes to be sent',
    description: 'The provider fails or is slow: messages are retried with back-off.',
    runbook: 'notifications.md',
  },
];

/** The rule file: recording rules first (alerts use them), then the alerts. */
export function ruleFile() {
  return {
    groups: [
      {
        name: 'ibet-slo-recording',
        interval: '30s',
        rules: RECORDING_RULES.map((r) => ({ record: r.record, expr: r.expr })),
      },
      {
        name: 'ibet-alerts',
        rules: ALERTS.map((a) => ({
          alert: a.alert,
          expr: a.expr,
          ...(a.for ? { for: a.for } : {}),
          labels: { severity: a.severity, service: 'ibet' },
          annotations: {
            summary: a.summary,
            description: a.description,
            runbook_url: `https://github.com/ibet/ibet/blob/main/docs/runbooks/${a.runbook}`,
            runbook: `docs/runbooks/${a.runbook}`,
          },
        })),
      },
    ],
  };
}
