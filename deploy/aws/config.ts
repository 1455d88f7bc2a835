// The knobs of the AWS footprint per stage: sizes, counts, retention and the site's own
// names. docs/deployment.md explains each and what it costs.
import { STAGE_SETTINGS } from '../k8s/settings.ts';
import { DEFAULT_REGION, PLACEHOLDER_ACCOUNT, type Stage } from '../plan.ts';

export interface StackConfig {
  stage: Stage;
  account: string;
  region: string;
  /** The Route 53 public hosted zone you own (created outside the stack, imported). */
  hostedZone: { id: string; name: string };
  /** Where players reach the API and site (the Ingress host) and the static web host. */
  publicHost: string;
  staticHost: string;
  /** Who receives CloudWatch alarms (an SNS email subscription); empty: none. */
  alarmEmail: string;
  /** The bootstrap back-office admin (the password is generated into Secrets Manager). */
  adminEmail: string;
  /** Networks allowed to reach the EKS API endpoint (kubectl); the VPC always can. */
  adminCidrs: string[];
  /** NAT gateways: one per zone survives a zone failure; one saves ~€35/month in dev. */
  natGateways: number;
  kubernetesVersion: string;
  nodes: { instanceType: string; min: number; desired: number; max: number; diskGiB: number };
  aurora: {
    engineVersion: string;
    instanceClass: string;
    /** The writer plus this many readers, each in the next zone. */
    readers: number;
    backupRetentionDays: number;
    performanceInsightsRetentionDays: number;
  };
  redis: { nodeType: string; replicas: number; snapshotRetentionDays: number };
  /** Days before S3 objects (logs, archives, old versions) move to Glacier (the seed's 90). */
  glacierAfterDays: number;
  /** Days the audit archive's objects are locked against deletion (S3 Object Lock). */
  auditRetentionDays: number;
  backup: { dailyRetentionDays: number; monthlyRetentionDays: number };
  /** Optional: a Cognito user pool as the staff single sign-on provider. */
  staffSso: boolean;
  /**
   * The managed prefix list of CloudFront's origin-facing addresses in this region
   * (`aws ec2 describe-managed-prefix-lists --filters
   * Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing`): the only
   * sources the load balancer admits.
   */
  cloudFrontPrefixList: string;
  /** Where partners' programs call the B2B API (API Gateway custom domain). */
  partnerHost: string;
  /** The partner API's stage-wide limits (requests per second, burst) and authorizer cache. */
  partnerApi: { rateLimit: number; burstLimit: number; authorizerCacheSeconds: number };
  /** The second region that receives snapshot copies, and how long copies stay there. */
  dr: { region: string; retentionDays: number };
}

const common = {
  // The committed templates use these; `cdk deploy` uses your credentials' account and
  // region instead (aws/app.ts).
  account: PLACEHOLDER_ACCOUNT,
  region: DEFAULT_REGION,
  hostedZone: { id: 'Z0000000000EXAMPLE', name: 'ibet.example.com' },
  alarmEmail: 'ops@ibet.example.com',
  adminEmail: 'admin@ibet.example.com',
  adminCidrs: ['203.0.113.0/24'],
  kubernetesVersion: '1.35',
  glacierAfterDays: 90,
  auditRetentionDays: 365,
  // eu-west-1's; SITE: another region has another id.
  cloudFrontPrefixList: 'pl-4fa04526',
};

export const STACK_CONFIG: Record<Stage, StackConfig> = {
  dev: {
    ...common,
    stage: 'dev',
    publicHost: STAGE_SETTINGS.dev.publicHost,
    staticHost: 'static.dev.ibet.example.com',
    natGateways: 1,
    nodes: { instanceType: 'm5.large', min: 2, desired: 2, max: 4, diskGiB: 40 },
    aurora: {
      engineVersion: '17.7',
      instanceClass: 't4g.medium',
      readers: 1,
      backupRetentionDays: 7,
      performanceInsightsRetentionDays: 7,
    },
    redis: { nodeType: 'cache.t4g.small', replicas: 1, snapshotRetentionDays: 1 },
    backup: { dailyRetentionDays: 7, monthlyRetentionDays: 0 },
    staffSso: false,
    partnerHost: 'partners.dev.ibet.example.com',
    partnerApi: { rateLimit: 20, burstLimit: 40, authorizerCacheSeconds: 300 },
    dr: { region: 'eu-central-1', retentionDays: 7 },
  },
  prod: {
    ...common,
    stage: 'prod',
    publicHost: STAGE_SETTINGS.prod.publicHost,
    staticHost: 'static.ibet.example.com',
    natGateways: 2,
    // M5 as in the case study; the HPA minimums (3 api, 2 realtime, 2 worker) fit on 3
    // nodes with room to surge; the cluster autoscaler adds nodes up to max.
    nodes: { instanceType: 'm5.xlarge', min: 3, desired: 3, max: 12, diskGiB: 50 },
    aurora: {
      engineVersion: '17.7',
      instanceClass: 'r6g.xlarge',
      readers: 1,
      backupRetentionDays: 14,
      performanceInsightsRetentionDays: 7,
    },
    redis: { nodeType: 'cache.m6g.large', replicas: 1, snapshotRetentionDays: 7 },
    backup: { dailyRetentionDays: 35, monthlyRetentionDays: 365 },
    staffSso: false,
    partnerHost: 'partners.ibet.example.com',
    // Stage-wide; each key is also held to IBET_API_KEY_RATE_LIMIT a minute by iBet itself.
    partnerApi: { rateLimit: 200, burstLimit: 400, authorizerCacheSeconds: 300 },
    dr: { region: 'eu-central-1', retentionDays: 14 },
  },
};
