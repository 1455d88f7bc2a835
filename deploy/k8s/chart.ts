// The Kubernetes footprint of one stage: a Deployment per process role (api, realtime,
// worker) from the one image, each with its ServiceAccount (IRSA), Service, HPA, PDB and
// NetworkPolicy; an Ingress; the migration Job; configuration from a ConfigMap and from
// AWS Secrets Manager through External Secrets; and the Prometheus Operator objects.
import { ApiObject, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import type { Construct } from 'constructs';
import {
  APP_PORT,
  AUDIT_ARCHIVE_PREFIX,
  DEFAULT_REGION,
  IMAGE,
  IMAGE_TAG,
  IRSA_WORKLOADS,
  iamRoleArn,
  MONITORING_NAMESPACE,
  NAMESPACE,
  NETWORK,
  OTEL_COLLECTOR_PORTS,
  PLACEHOLDER_ACCOUNT,
  RUN_AS_USER,
  SERVICE_ACCOUNTS,
  SERVING_ROLES,
  type ServingRole,
  secretNames,
  type Workload,
} from '../plan.ts';
import { type ObservabilityFiles, objectName } from './observability.ts';
import type { RoleSettings, StageSettings } from './settings.ts';

const { k8s } = kplus;

export const CONFIG_MAP = 'ibet-config';
export const SECRET = 'ibet-secrets';
export const SECRET_STORE = 'aws-secrets-manager';
export const MIGRATE_JOB = 'ibet-migrate';

/** The committed placeholder of a target group's ARN; overlays replace it (SITE). */
export function targetGroupArn(stage: string, role: 'api' | 'realtime'): string {
  return `arn:aws:elasticloadbalancing:${DEFAULT_REGION}:${PLACEHOLDER_ACCOUNT}:targetgroup/ibet-${stage}-${role}/0000000000000000`;
}

const PART_OF = 'ibet';
/**
 * Seconds a stopping pod keeps serving while unready: the Load Balancer Controller
 * deregisters it from the NLB target group, and the NLB stops opening new connections to
 * it, within this (the target group's deregistration delay then drains what is open).
 */
export const SHUTDOWN_DELAY_SECONDS = 5;
/** cdk8s-plus labels pod templates with a hash of the construct path; ours are explicit. */
const ADDRESS_LABEL_PATH = '/spec/template/metadata/labels/cdk8s.io~1metadata.addr';

function labels(component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'ibet',
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/component': component,
  };
}
/** The labels that select a component's pods (stable across releases). */
function selector(component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'ibet', 'app.kubernetes.io/component': component };
}

/** What every iBet container runs with; the restricted Pod Security Standard and more. */
const CONTAINER_SECURITY: kplus.ContainerSecurityContextProps = {
  ensureNonRoot: true,
  user: RUN_AS_USER,
  group: RUN_AS_USER,
  privileged: false,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: [kplus.Capability.ALL] },
  seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
};
const POD_SECURITY: kplus.PodSecurityContextProps = {
  ensureNonRoot: true,
  user: RUN_AS_USER,
  group: RUN_AS_USER,
  fsGroup: RUN_AS_USER,
};

export interface IbetChartProps {
  settings: StageSettings;
  observability: ObservabilityFiles;
  region?: string;
}

export class IbetChart extends Chart {
  constructor(scope: Construct, id: string, props: IbetChartProps) {
    super(scope, id, { namespace: NAMESPACE, labels: { 'app.kubernetes.io/part-of': PART_OF } });
    const { settings } = props;
    const region = props.region ?? DEFAULT_REGION;

    const namespace = new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: NAMESPACE,
        // The API server refuses any pod that is not non-root, seccomp-confined and
        // stripped of capabilities, whatever the manifests say.
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
          // The Load Balancer Controller adds a readiness gate to pods behind a
          // TargetGroupBinding: a rollout waits until the NLB sees the new pod healthy.
          'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled',
        },
      },
    });
    // A Namespace is cluster-scoped: it takes no namespace of its own from the chart.
    namespace.addJsonPatch(JsonPatch.remove('/metadata/namespace'));

    const config = new kplus.ConfigMap(this, 'config', {
      metadata: { name: CONFIG_MAP },
      data: {
        HOST: '0.0.0.0',
        PORT: String(APP_PORT),
        LOG_LEVEL: settings.logLevel,
        IBET_DEMO: 'false',
        IBET_PUBLIC_URL: `https://${settings.publicHost}`,
        IBET_DATABASE_POOL_SIZE: '10',
        AWS_REGION: region,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://otel-collector.${MONITORING_NAMESPACE}:4318`,
        OTEL_TRACES_SAMPLER_ARG: '0.1',
        // Mail through Amazon SES, text messages through SNS, push handed to the SQS queue
        // (its URL comes with the secrets); failures retry, then dead-letter.
        IBET_MAIL_PROVIDER: 'ses',
        IBET_MAIL_FROM: `no-reply@${settings.publicHost}`,
        IBET_SMS_PROVIDER: 'sns',
        IBET_PUSH_PROVIDER: 'sqs',
        // On SIGTERM a pod turns unready at once and keeps serving this long while the NLB
        // deregisters it, then drains within IBET_SHUTDOWN_GRACE_SECONDS (per role, below).
        IBET_SHUTDOWN_DELAY_SECONDS: String(SHUTDOWN_DELAY_SECONDS),
        // The NLB's nodes live in the public subnets and pass CloudFront's X-Forwarded-For on:
        // only from there is it believed (client IPs for throttling, sessions and audit).
        IBET_TRUSTED_PROXIES: NETWORK.subnets.public.cidrs.join(','),
      },
    });

    this.externalSecrets(settings, region);
    const secret = kplus.Secret.fromSecretName(this, 'secret', SECRET);

    const accounts = {} as Record<Workload, kplus.ServiceAccount>;
    for (const workload of Object.keys(SERVICE_ACCOUNTS) as Workload[]) {
      const name = SERVICE_ACCOUNTS[workload];
      accounts[workload] = new kplus.ServiceAccount(this, `sa-${workload}`, {
        metadata: {
          name,
          labels: labels(name.replace(/^ibet-/, '')),
          // IRSA: the EKS pod identity webhook gives pods of this account the IAM role's
          // credentials; the stack's role trusts only this namespace and name. The
          // migration needs no AWS API, so its account has no role.
          annotations: IRSA_WORKLOADS.includes(workload)
            ? {
                'eks.amazonaws.com/role-arn': iamRoleArn(settings.stage, workload),
                'eks.amazonaws.com/sts-regional-endpoints': 'true',
              }
            : {},
        },
        automountToken: false,
      });
    }

    const envFrom = [kplus.Env.fromConfigMap(config), kplus.Env.fromSecret(secret)];

    const services = {} as Record<ServingRole, kplus.Service>;
    for (const role of SERVING_ROLES) {
      const deployment = this.roleDeployment(role, settings, accounts[role], envFrom);
      services[role] = new kplus.Service(this, `svc-${role}`, {
        metadata: { name: `ibet-${role}`, labels: labels(role) },
        type: kplus.ServiceType.CLUSTER_IP,
        selector: kplus.Pods.select(this, `pods-${role}`, { labels: selector(role) }),
        ports: [{ name: 'http', port: 80, targetPort: APP_PORT }],
      });
      this.autoscaler(role, settings.roles[role], deployment);
      new k8s.KubePodDisruptionBudget(this, `pdb-${role}`, {
        metadata: { name: `ibet-${role}`, labels: labels(role) },
        spec: {
          // One pod at a time may be evicted (node drains, cluster autoscaler scale-down):
          // with the prod minimum of two or more, a role is never emptied by maintenance.
          maxUnavailable: k8s.IntOrString.fromNumber(1),
          selector: { matchLabels: selector(role) },
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
        },
      });
    }

    this.migrationJob(accounts.migrate, envFrom);
    this.targetGroupBindings(settings);
    this.networkPolicies();
    this.monitoring(settings, props.observability);
  }

  private roleDeployment(
    role: ServingRole,
    settings: StageSettings,
    serviceAccount: kplus.ServiceAccount,
    envFrom: kplus.EnvFrom[],
  ): kplus.Deployment {
    const r = settings.roles[role];
    const tmp = kplus.Volume.fromEmptyDir(this, `tmp-${role}`, 'tmp', {
      sizeLimit: Size.mebibytes(256),
    });
    const deployment = new kplus.Deployment(this, `deploy-${role}`, {
      metadata: { name: `ibet-${role}`, labels: labels(role) },
      podMetadata: { labels: labels(role) },
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: POD_SECURITY,
      terminationGracePeriod: Duration.seconds(r.terminationGraceSeconds),
      // New pods must be ready (migrations applied, /readyz 200) before an old one goes.
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.percent(25),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      minReady: Duration.seconds(5),
      progressDeadline: Duration.minutes(10),
      revisionHistoryLimit: 5,
      select: false,
      spread: false,
      isolate: false,
      volumes: [tmp],
      containers: [
        {
          name: 'ibet',
          image: `${IMAGE}:${IMAGE_TAG}`,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          args: ['serve', '--role', role],
          envVariables: {
            IBET_ROLE: kplus.EnvValue.fromValue(role),
            // Leave a quarter of the memory limit to buffers, sockets and native code.
            NODE_OPTIONS: kplus.EnvValue.fromValue(
              `--max-old-space-size=${Math.floor(r.memory.limit * 0.75)}`,
            ),
            // The drain after IBET_SHUTDOWN_DELAY_SECONDS (ConfigMap) fits the grace period.
            IBET_SHUTDOWN_GRACE_SECONDS: kplus.EnvValue.fromValue(
              String(r.terminationGraceSeconds - 5),
            ),
            OTEL_SERVICE_NAME: kplus.EnvValue.fromValue(`ibet-${role}`),
          },
          envFrom,
          ports: [{ name: 'http', number: APP_PORT }],
          // /healthz: the process answers (liveness). /readyz: the database answers and
          // every migration this code knows is applied (readiness). Startup allows a
          // minute for tsx to compile and the pool to connect.
          startup: kplus.Probe.fromHttpGet('/healthz', {
            port: APP_PORT,
            periodSeconds: Duration.seconds(2),
            failureThreshold: 30,
            timeoutSeconds: Duration.seconds(2),
          }),
          liveness: kplus.Probe.fromHttpGet('/healthz', {
            port: APP_PORT,
            periodSeconds: Duration.seconds(10),
            failureThreshold: 3,
            timeoutSeconds: Duration.seconds(3),
          }),
          readiness: kplus.Probe.fromHttpGet('/readyz', {
            port: APP_PORT,
            periodSeconds: Duration.seconds(5),
            failureThreshold: 2,
            timeoutSeconds: Duration.seconds(3),
          }),
          resources: {
            cpu: {
              request: kplus.Cpu.millis(r.cpu.request),
              limit: kplus.Cpu.millis(r.cpu.limit),
            },
            memory: {
              request: Size.mebibytes(r.memory.request),
              limit: Size.mebibytes(r.memory.limit),
            },
          },
          securityContext: CONTAINER_SECURITY,
          volumeMounts: [{ path: '/tmp', volume: tmp }],
        },
      ],
    });
    // Selector labels are explicit (not cdk8s's path hash): a Deployment's selector is
    // immutable, so it must not change when the code that builds it is reorganised.
    deployment.select(kplus.LabelSelector.of({ labels: selector(role) }));
    const api = ApiObject.of(deployment);
    api.addJsonPatch(JsonPatch.remove(ADDRESS_LABEL_PATH));
    // cdk8s-plus has no seccomp field at pod level nor topology spread constraints.
    api.addJsonPatch(
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', {
        type: 'RuntimeDefault',
      }),
    );
    api.addJsonPatch(
      JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: settings.zoneSpread,
          labelSelector: { matchLabels: selector(role) },
          matchLabelKeys: ['pod-template-hash'],
        },
        {
          maxSkew: 1,
          topologyKey: 'kubernetes.io/hostname',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: selector(role) },
          matchLabelKeys: ['pod-template-hash'],
        },
      ]),
    );
    return deployment;
  }

  private autoscaler(role: ServingRole, r: RoleSettings, target: kplus.Deployment): void {
    new kplus.HorizontalPodAutoscaler(this, `hpa-${role}`, {
      metadata: { name: `ibet-${role}`, labels: labels(role) },
      target,
      minReplicas: r.minReplicas,
      maxReplicas: r.maxReplicas,
      metrics: [
        kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(r.cpuTarget)),
        kplus.Metric.pods({
          name: r.customMetric.name,
          target: kplus.MetricTarget.averageValue(r.customMetric.averageValue),
        }),
      ],
      // Scale out fast for kick-off spikes; scale in slowly so a half-time lull does not
      // drop the capacity the second half needs.
      scaleUp: {
        stabilizationWindow: Duration.seconds(0),
        policies: [
          { replicas: kplus.Replicas.percent(100), duration: Duration.seconds(15) },
          { replicas: kplus.Replicas.absolute(4), duration: Duration.seconds(15) },
        ],
      },
      scaleDown: {
        stabilizationWindow: Duration.minutes(5),
        policies: [{ replicas: kplus.Replicas.percent(20), duration: Duration.minutes(1) }],
      },
    });
  }

  /**
   * Migrations run once per release, before the new pods can become ready: a new pod's
   * /readyz fails while a migration it knows is pending, and the rolling update never
   * removes an old pod before a new one is ready. Argo CD runs it as a PreSync hook.
   */
  private migrationJob(serviceAccount: kplus.ServiceAccount, envFrom: kplus.EnvFrom[]): void {
    const tmp = kplus.Volume.fromEmptyDir(this, 'tmp-migrate', 'tmp', {
      sizeLimit: Size.mebibytes(256),
    });
    const job = new kplus.Job(this, 'migrate', {
      metadata: {
        name: MIGRATE_JOB,
        labels: labels('migrate'),
        annotations: {
          'argocd.argoproj.io/hook': 'PreSync',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
        },
      },
      podMetadata: { labels: labels('migrate') },
      select: false,
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: POD_SECURITY,
      backoffLimit: 3,
      activeDeadline: Duration.minutes(15),
      // Gone 10 minutes after it finishes, so the next release's Job can be created.
      ttlAfterFinished: Duration.minutes(10),
      volumes: [tmp],
      containers: [
        {
          name: 'migrate',
          image: `${IMAGE}:${IMAGE_TAG}`,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          args: ['migrate'],
          envFrom,
          resources: {
            cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) },
            memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) },
          },
          securityContext: CONTAINER_SECURITY,
          volumeMounts: [{ path: '/tmp', volume: tmp }],
        },
      ],
    });
    ApiObject.of(job).addJsonPatch(
      JsonPatch.remove(ADDRESS_LABEL_PATH),
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', {
        type: 'RuntimeDefault',
      }),
    );
  }

  /**
   * The Network Load Balancer belongs to the AWS stack (deploy/aws/front-door.ts: TLS on 443
   * to api, on 8443 to realtime, cross-zone, in both public subnets). The AWS Load Balancer
   * Controller keeps each role's pod IPs registered in its target group through these
   * bindings; the overlays set each group's ARN (stack outputs ApiTargetGroupArn,
   * RealtimeTargetGroupArn). The NLB forwards TCP and cannot hide a path: it admits only
   * CloudFront, which answers /metrics itself with 404, and the partner API's VPC link,
   * which forwards only /api/v1/b2b/ and /readyz.
   */
  private targetGroupBindings(settings: StageSettings): void {
    for (const role of ['api', 'realtime'] as const) {
      new ApiObject(this, `tgb-${role}`, {
        apiVersion: 'elbv2.k8s.aws/v1beta1',
        kind: 'TargetGroupBinding',
        metadata: { name: `ibet-${role}`, labels: labels(role) },
        spec: {
          serviceRef: { name: `ibet-${role}`, port: 80 },
          targetType: 'ip',
          targetGroupARN: targetGroupArn(settings.stage, role),
        },
      });
    }
  }

  /**
   * Deny everything, then open per tier: the load balancer (public subnets) reaches api
   * and realtime; nothing reaches the workers but the Prometheus scrape; every pod may
   * resolve names; app pods reach the data subnets on the Postgres/Redis ports and AWS
   * APIs (S3, SQS, SNS, STS, Secrets Manager) over HTTPS outside the VPC.
   */
  private networkPolicies(): void {
    const policy = (
      name: string,
      podSelector: Record<string, string>,
      spec: Omit<kplus.k8s.NetworkPolicySpec, 'podSelector'>,
    ) =>
      new k8s.KubeNetworkPolicy(this, `netpol-${name}`, {
        metadata: { name: `ibet-${name}` },
        spec: { podSelector: { matchLabels: podSelector }, ...spec },
      });
    const tcp = (port: number) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
    const cidrs = (list: readonly string[]) => list.map((cidr) => ({ ipBlock: { cidr } }));
    const monitoring = {
      namespaceSelector: {
        matchLabels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE },
      },
    };
    const data = NETWORK.subnets.isolatedData.cidrs;
    const toPostgres = { to: cidrs(data), ports: [tcp(NETWORK.postgresPort)] };
    const toRedis = { to: cidrs(data), ports: [tcp(NETWORK.redisPort)] };
    const toAwsApis = {
      to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [NETWORK.vpcCidr] } }],
      ports: [tcp(443)],
    };
    const toCollector = { to: [monitoring], ports: OTEL_COLLECTOR_PORTS.map(tcp) };
    const fromLoadBalancer = {
      from: cidrs(NETWORK.subnets.public.cidrs),
      ports: [tcp(APP_PORT)],
    };
    const fromPrometheus = { from: [monitoring], ports: [tcp(APP_PORT)] };

    policy('default-deny', {}, { policyTypes: ['Ingress', 'Egress'] });
    policy(
      'dns',
      {},
      {
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: {
                  matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' },
                },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
              { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
            ],
          },
        ],
      },
    );
    policy('api', selector('api'), {
      policyTypes: ['Ingress', 'Egress'],
      ingress: [fromLoadBalancer, fromPrometheus],
      egress: [toPostgres, toRedis, toAwsApis, toCollector],
    });
    policy('realtime', selector('realtime'), {
      policyTypes: ['Ingress', 'Egress'],
      ingress: [fromLoadBalancer, fromPrometheus],
      egress: [toPostgres, toRedis, toCollector],
    });
    policy('worker', selector('worker'), {
      policyTypes: ['Ingress', 'Egress'],
      ingress: [fromPrometheus],
      egress: [toPostgres, toRedis, toAwsApis, toCollector],
    });
    policy('migrate', selector('migrate'), {
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [toPostgres],
    });
  }

  /**
   * Secrets never live in the manifests: External Secrets copies them from AWS Secrets
   * Manager (created by the stack) into the `ibet-secrets` Secret, composing the
   * connection URLs, and refreshes them after a rotation.
   */
  private externalSecrets(settings: StageSettings, region: string): void {
    const names = secretNames(settings.stage);
    new ApiObject(this, 'secret-store', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: SECRET_STORE },
      spec: {
        provider: {
          aws: {
            service: 'SecretsManager',
            region,
            auth: { jwt: { serviceAccountRef: { name: SERVICE_ACCOUNTS.externalSecrets } } },
          },
        },
      },
    });
    const ref = (key: string, property: string) => ({ remoteRef: { key, property } });
    new ApiObject(this, 'external-secret', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: SECRET },
      spec: {
        refreshInterval: '1h',
        secretStoreRef: { kind: 'SecretStore', name: SECRET_STORE },
        target: {
          name: SECRET,
          creationPolicy: 'Owner',
          template: {
            engineVersion: 'v2',
            data: {
              DATABASE_URL:
                'postgres://{{ .db_username | urlquery }}:{{ .db_password | urlquery }}@{{ .db_host }}:{{ .db_port }}/{{ .db_name }}?sslmode=require',
              REDIS_URL:
                'rediss://:{{ .redis_token | urlquery }}@{{ .redis_host }}:{{ .redis_port }}',
              IBET_SQS_QUEUE_URL: '{{ .sqs_queue_url }}',
              IBET_BACKUP_LOCATION: 's3://{{ .backup_bucket }}/logical',
              IBET_ADMIN_EMAIL: '{{ .admin_email }}',
              IBET_ADMIN_PASSWORD: '{{ .admin_password }}',
              // The worker archives old audit records here, signed with this key; the
              // stack's Lambda verifies them with its public half (docs/deployment.md).
              IBET_AUDIT_ARCHIVE_LOCATION: `s3://{{ .audit_archive_bucket }}/${AUDIT_ARCHIVE_PREFIX}`,
              IBET_AUDIT_SIGNING_KEY: '{{ .audit_signing_key }}',
            },
          },
        },
        data: [
          { secretKey: 'db_username', ...ref(names.database, 'username') },
          { secretKey: 'db_password', ...ref(names.database, 'password') },
          { secretKey: 'db_host', ...ref(names.database, 'host') },
          { secretKey: 'db_port', ...ref(names.database, 'port') },
          { secretKey: 'db_name', ...ref(names.database, 'dbname') },
          { secretKey: 'redis_token', ...ref(names.redisAuth, 'token') },
          { secretKey: 'redis_host', ...ref(names.endpoints, 'redisHost') },
          { secretKey: 'redis_port', ...ref(names.endpoints, 'redisPort') },
          { secretKey: 'sqs_queue_url', ...ref(names.endpoints, 'sqsQueueUrl') },
          { secretKey: 'backup_bucket', ...ref(names.endpoints, 'backupBucket') },
          { secretKey: 'admin_email', ...ref(names.app, 'IBET_ADMIN_EMAIL') },
          { secretKey: 'admin_password', ...ref(names.app, 'IBET_ADMIN_PASSWORD') },
          { secretKey: 'audit_archive_bucket', ...ref(names.endpoints, 'auditArchiveBucket') },
          { secretKey: 'audit_signing_key', ...ref(names.app, 'IBET_AUDIT_SIGNING_KEY') },
        ],
      },
    });
  }

  private monitoring(settings: StageSettings, files: ObservabilityFiles): void {
    const release = { release: settings.prometheusReleaseLabel };
    new ApiObject(this, 'service-monitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'ibet', labels: { ...labels('monitoring'), ...release } },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/part-of': PART_OF } },
        namespaceSelector: { matchNames: [NAMESPACE] },
        endpoints: [{ port: 'http', path: '/metrics', interval: '15s', scrapeTimeout: '10s' }],
      },
    });
    for (const file of files.rules) {
      new ApiObject(this, `rules-${objectName(file.source)}`, {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: {
          name: `ibet-${objectName(file.source)}`,
          labels: { ...labels('monitoring'), ...release },
          annotations: { 'ibet.dev/source': `deploy/observability/${file.source}` },
        },
        spec: { groups: file.groups },
      });
    }
    new ApiObject(this, 'rules-deployment', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'ibet-deployment', labels: { ...labels('monitoring'), ...release } },
      spec: { groups: [deploymentRules()] },
    });
    for (const dashboard of files.dashboards) {
      new kplus.ConfigMap(this, `dashboard-${objectName(dashboard.source)}`, {
        metadata: {
          name: `ibet-dashboard-${objectName(dashboard.source)}`,
          // Grafana's dashboard sidecar (kube-prometheus-stack) loads ConfigMaps so labelled.
          labels: { ...labels('monitoring'), grafana_dashboard: '1' },
          annotations: { 'ibet.dev/source': `deploy/observability/${dashboard.source}` },
        },
        data: { [`${objectName(dashboard.source)}.json`]: dashboard.json },
      });
    }
  }
}

/**
 * Alerts about the deployment itself (kube-state-metrics), which the application's own
 * rules in deploy/observability/ cannot see: a role stuck below its replicas, an HPA at
 * its ceiling, pods restarting, a failed migration.
 */
function deploymentRules() {
  const ns = `namespace="${NAMESPACE}"`;
  return {
    name: 'ibet-deployment',
    rules: [
      {
        alert: 'IbetDeploymentReplicasUnavailable',
        expr: `kube_deployment_status_replicas_available{${ns}} < kube_deployment_spec_replicas{${ns}}`,
        for: '10m',
        labels: { severity: 'warning' },
        annotations: {
          summary: '{{ $labels.deployment }} has fewer available pods than it wants',
          runbook: 'docs/deployment.md#operations',
        },
      },
      {
        alert: 'IbetHpaAtMaximum',
        expr: `kube_horizontalpodautoscaler_status_current_replicas{${ns}} >= kube_horizontalpodautoscaler_spec_max_replicas{${ns}}`,
        for: '15m',
        labels: { severity: 'warning' },
        annotations: {
          summary: '{{ $labels.horizontalpodautoscaler }} is at its maximum: raise it or add nodes',
          runbook: 'docs/deployment.md#scaling-knobs',
        },
      },
      {
        alert: 'IbetPodRestarting',
        expr: `increase(kube_pod_container_status_restarts_total{${ns}}[15m]) > 3`,
        labels: { severity: 'warning' },
        annotations: { summary: '{{ $labels.pod }} restarted more than 3 times in 15 minutes' },
      },
      {
        alert: 'IbetMigrationFailed',
        expr: `kube_job_status_failed{${ns},job_name="${MIGRATE_JOB}"} > 0`,
        labels: { severity: 'critical' },
        annotations: {
          summary: 'The migration Job failed: new pods will not become ready',
          runbook: 'docs/deployment.md#releases',
        },
      },
    ],
  };
}
