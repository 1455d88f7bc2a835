// What differs between the dev and prod manifests. Everything a site must change beyond
// this (its account number, domain, certificate, image registry) lives in the kustomize
// overlays, so the committed manifests stay the same for everyone.
import type { ServingRole, Stage } from '../plan.ts';

export interface RoleSettings {
  /** HorizontalPodAutoscaler bounds; the Deployment itself has no `replicas`. */
  minReplicas: number;
  maxReplicas: number;
  /** Average CPU utilisation (of the request) the HPA aims for. */
  cpuTarget: number;
  /** A second, role-specific metric served by prometheus-adapter (docs/deployment.md). */
  customMetric: { name: string; averageValue: number; description: string };
  cpu: { request: number; limit: number }; // millicores
  memory: { request: number; limit: number }; // MiB
  /** WebSocket clients need time to reconnect elsewhere; HTTP requests finish quickly. */
  terminationGraceSeconds: number;
}

export interface StageSettings {
  stage: Stage;
  /** Zone spread is a hard rule in prod (a zone may fail), a preference in dev. */
  zoneSpread: 'DoNotSchedule' | 'ScheduleAnyway';
  logLevel: string;
  /** Where players reach the site; overlays patch the Ingress host to match. */
  publicHost: string;
  roles: Record<ServingRole, RoleSettings>;
  /** Prometheus Operator picks up ServiceMonitors/PrometheusRules with this label. */
  prometheusReleaseLabel: string;
}

const REQUESTS_PER_SECOND = {
  name: 'ibet_http_requests_per_second',
  description: 'rate(ibet_http_requests_total[2m]) per pod',
};
const CONNECTIONS = {
  name: 'ibet_realtime_connections',
  description: 'open WebSocket connections per pod',
};
const OUTBOX_LAG = {
  name: 'ibet_outbox_relay_lag_seconds',
  description: 'how far the outbox relay is behind, as each worker reports it',
};

export const STAGE_SETTINGS: Record<Stage, StageSettings> = {
  dev: {
    stage: 'dev',
    zoneSpread: 'ScheduleAnyway',
    logLevel: 'debug',
    publicHost: 'dev.ibet.example.com',
    prometheusReleaseLabel: 'kube-prometheus-stack',
    roles: {
      api: {
        minReplicas: 1,
        maxReplicas: 3,
        cpuTarget: 70,
        customMetric: { ...REQUESTS_PER_SECOND, averageValue: 200 },
        cpu: { request: 100, limit: 1000 },
        memory: { request: 256, limit: 512 },
        terminationGraceSeconds: 30,
      },
      realtime: {
        minReplicas: 1,
        maxReplicas: 3,
        cpuTarget: 70,
        customMetric: { ...CONNECTIONS, averageValue: 2000 },
        cpu: { request: 100, limit: 1000 },
        memory: { request: 256, limit: 512 },
        terminationGraceSeconds: 45,
      },
      worker: {
        minReplicas: 1,
        maxReplicas: 2,
        cpuTarget: 75,
        customMetric: { ...OUTBOX_LAG, averageValue: 5 },
        cpu: { request: 100, limit: 1000 },
        memory: { request: 256, limit: 512 },
        terminationGraceSeconds: 60,
      },
    },
  },
  prod: {
    stage: 'prod',
    zoneSpread: 'DoNotSchedule',
    logLevel: 'info',
    publicHost: 'ibet.example.com',
    prometheusReleaseLabel: 'kube-prometheus-stack',
    roles: {
      // Three replicas so that losing a zone leaves two serving while the HPA catches up.
      // The request-rate target is a starting point: measure it with the load scenarios.
      api: {
        minReplicas: 3,
        maxReplicas: 30,
        cpuTarget: 65,
        customMetric: { ...REQUESTS_PER_SECOND, averageValue: 300 },
        cpu: { request: 500, limit: 2000 },
        memory: { request: 512, limit: 1024 },
        terminationGraceSeconds: 30,
      },
      // One Node core does ~100k socket writes/s (ARCHITECTURE.md): 2,000 clients per pod
      // leaves headroom for in-play bursts.
      realtime: {
        minReplicas: 2,
        maxReplicas: 20,
        cpuTarget: 60,
        customMetric: { ...CONNECTIONS, averageValue: 2000 },
        cpu: { request: 500, limit: 1000 },
        memory: { request: 512, limit: 1024 },
        terminationGraceSeconds: 60,
      },
      // Workers coordinate through Postgres (SKIP LOCKED), so any number is safe.
      worker: {
        minReplicas: 2,
        maxReplicas: 8,
        cpuTarget: 70,
        customMetric: { ...OUTBOX_LAG, averageValue: 5 },
        cpu: { request: 250, limit: 1000 },
        memory: { request: 512, limit: 1024 },
        terminationGraceSeconds: 120,
      },
    },
  },
};
