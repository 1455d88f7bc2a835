// The names and numbers that the AWS stack and the Kubernetes manifests must agree on:
// one place, so that an IAM role trusts exactly the service account that a pod runs as,
// a NetworkPolicy admits exactly the subnets that the load balancer lives in, and an
// ExternalSecret reads exactly the secret that the stack created.

export type Stage = 'dev' | 'prod';
export const STAGES: readonly Stage[] = ['dev', 'prod'];

/** Process roles that run as their own Deployment (`all` is the single-process mode). */
export type ServingRole = 'api' | 'realtime' | 'worker';
export const SERVING_ROLES: readonly ServingRole[] = ['api', 'realtime', 'worker'];

export const NAMESPACE = 'ibet';
export const APP_PORT = 3000;
/** The WebSocket gateway's path (src/modules/realtime/gateway.ts), served by the realtime role. */
export const WS_PATH = '/ws';
/** The image every role runs; overlays pin the registry and tag with kustomize `images:`. */
export const IMAGE = 'ghcr.io/ibet/ibet';
export const IMAGE_TAG = '0.1.0';
/** The image's unprivileged user (`node` in the Node.js base image). */
export const RUN_AS_USER = 1000;

/** Kubernetes service accounts, and the IAM role each assumes through IRSA. */
export const SERVICE_ACCOUNTS = {
  api: 'ibet-api',
  realtime: 'ibet-realtime',
  worker: 'ibet-worker',
  migrate: 'ibet-migrate',
  externalSecrets: 'ibet-external-secrets',
} as const;
export type Workload = keyof typeof SERVICE_ACCOUNTS;
/** Workloads that call AWS APIs and so get an IAM role (IRSA); the migration does not. */
export const IRSA_WORKLOADS: readonly Workload[] = ['api', 'realtime', 'worker', 'externalSecrets'];

export function iamRoleName(stage: Stage, workload: Workload): string {
  return `ibet-${stage}-${SERVICE_ACCOUNTS[workload].replace(/^ibet-/, '')}`;
}

/** The account number in committed manifests; overlays replace it (docs/deployment.md). */
export const PLACEHOLDER_ACCOUNT = '111122223333';
export const DEFAULT_REGION = 'eu-west-1';

export function iamRoleArn(stage: Stage, workload: Workload, account = PLACEHOLDER_ACCOUNT) {
  return `arn:aws:iam::${account}:role/${iamRoleName(stage, workload)}`;
}

/** Where in the audit-archive bucket iBet writes its signed audit archives. */
export const AUDIT_ARCHIVE_PREFIX = 'audit';

/** Secrets Manager names: the stack creates them, External Secrets reads them. */
export function secretNames(stage: Stage) {
  return {
    /** Aurora's generated credentials: username, password, host, port, dbname. */
    database: `ibet/${stage}/database`,
    /** The ElastiCache AUTH token: { token }. */
    redisAuth: `ibet/${stage}/redis-auth`,
    /** Not secret, only known after deploy: { redisHost, redisPort, sqsQueueUrl, backupBucket, auditArchiveBucket }. */
    endpoints: `ibet/${stage}/endpoints`,
    /** Values an operator sets: IBET_ADMIN_EMAIL, IBET_ADMIN_PASSWORD, IBET_AUDIT_SIGNING_KEY. */
    app: `ibet/${stage}/app`,
    /** The automation staff account the Lambda ledger check signs in as: { email, password, totpSecret }. */
    automation: `ibet/${stage}/automation`,
  };
}

/**
 * The VPC address plan: two zones, one subnet per tier and zone (the case study's
 * "separate subnets for each layer"). Public holds the load balancers and NAT gateways,
 * private-app the EKS nodes and pods, isolated-data Aurora and ElastiCache.
 */
export const NETWORK = {
  vpcCidr: '10.40.0.0/16',
  zones: 2,
  subnets: {
    public: { cidrMask: 24, cidrs: ['10.40.0.0/24', '10.40.1.0/24'] },
    privateApp: { cidrMask: 20, cidrs: ['10.40.16.0/20', '10.40.32.0/20'] },
    isolatedData: { cidrMask: 24, cidrs: ['10.40.48.0/24', '10.40.49.0/24'] },
  },
  postgresPort: 5432,
  redisPort: 6379,
} as const;

/** Namespaces of the cluster add-ons the manifests talk to. */
export const MONITORING_NAMESPACE = 'monitoring';
export const OTEL_COLLECTOR_PORTS = [4317, 4318];
