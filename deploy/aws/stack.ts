// The regional AWS footprint of one stage, after the operator's case study: a VPC over two
// zones with a subnet per tier, EKS with managed M5 node groups, Aurora PostgreSQL and
// ElastiCache Redis across both zones, encrypted S3 buckets with lifecycle to Glacier,
// SQS/SNS, Secrets Manager, CloudTrail, VPC flow logs, CloudWatch alarms and a dashboard,
// AWS Backup, and least-privilege IAM roles for each Kubernetes service account (IRSA).

import {
  Aws,
  CfnJson,
  CfnOutput,
  CfnParameter,
  Duration,
  RemovalPolicy,
  SecretValue,
  Stack,
  type StackProps,
  Tags,
  Validations,
} from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dlm from 'aws-cdk-lib/aws-dlm';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import {
  AUDIT_ARCHIVE_PREFIX,
  iamRoleName,
  NAMESPACE,
  NETWORK,
  SERVICE_ACCOUNTS,
  secretNames,
  type Workload,
} from '../plan.ts';
import { Automation } from './automation.ts';
import type { StackConfig } from './config.ts';
import { FrontDoor } from './front-door.ts';
import { grantObjects, grantSend } from './grants.ts';
import { secureBucket } from './secure-bucket.ts';

/** The AWS Load Balancer Controller release whose IAM policy the stack grants (docs pin it). */
export const LOAD_BALANCER_CONTROLLER_VERSION = 'v3.2.2';

export interface IbetStackProps extends StackProps {
  config: StackConfig;
}

export class IbetStack extends Stack {
  readonly vpc: ec2.Vpc;
  readonly cluster: eks.Cluster;
  readonly database: rds.DatabaseCluster;
  readonly buckets: Record<'logs' | 'documents' | 'backups' | 'auditArchive', s3.Bucket>;
  readonly roles: Partial<Record<Workload, iam.Role>> = {};
  frontDoor!: FrontDoor;
  automation!: Automation;

  constructor(scope: Construct, id: string, props: IbetStackProps) {
    super(scope, id, props);
    const { config } = props;
    const prefix = `ibet-${config.stage}`;
    Tags.of(this).add('project', 'ibet');
    Tags.of(this).add('stage', config.stage);

    // ---- keys -----------------------------------------------------------------------
    const dataKey = new kms.Key(this, 'DataKey', {
      alias: `alias/${prefix}-data`,
      description: 'iBet data at rest: Aurora, ElastiCache, S3 data buckets, secrets, queues',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to the encrypted alarm topic.
    dataKey.grantEncryptDecrypt(new iam.ServicePrincipal('cloudwatch.amazonaws.com'));

    // ---- buckets ----------------------------------------------------------------------
    const logs_ = secureBucket(this, 'LogsBucket', {
      glacierAfterDays: config.glacierAfterDays,
      archiveCurrentObjects: true,
    });
    const bucket = (id: string, archive: boolean, objectLockDays?: number) =>
      secureBucket(this, id, {
        encryptionKey: dataKey,
        glacierAfterDays: config.glacierAfterDays,
        archiveCurrentObjects: archive,
        accessLogs: logs_,
        ...(objectLockDays ? { objectLockDays } : {}),
      });
    this.buckets = {
      logs: logs_,
      documents: bucket('DocumentsBucket', false),
      backups: bucket('BackupsBucket', true),
      auditArchive: bucket('AuditArchiveBucket', true, config.auditRetentionDays),
    };

    // ---- network ----------------------------------------------------------------------
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(NETWORK.vpcCidr),
      maxAzs: NETWORK.zones,
      natGateways: config.natGateways,
      subnetConfiguration: [
        {
          name: 'public',
          subnetType: ec2.SubnetType.PUBLIC,
          cidrMask: NETWORK.subnets.public.cidrMask,
          mapPublicIpOnLaunch: false,
        },
        {
          name: 'private-app',
          subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS,
          cidrMask: NETWORK.subnets.privateApp.cidrMask,
        },
        {
          name: 'isolated-data',
          subnetType: ec2.SubnetType.PRIVATE_ISOLATED,
          cidrMask: NETWORK.subnets.isolatedData.cidrMask,
        },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      restrictDefaultSecurityGroup: true,
    });
    // The ALB controller finds its subnets by these tags.
    for (const subnet of this.vpc.publicSubnets) Tags.of(subnet).add('kubernetes.io/role/elb', '1');
    for (const subnet of this.vpc.privateSubnets) {
      Tags.of(subnet).add('kubernetes.io/role/internal-elb', '1');
    }
    this.vpc.addFlowLog('FlowLogsToS3', {
      destination: ec2.FlowLogDestination.toS3(logs_, 'vpc-flow-logs/'),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    this.dataSubnetAcl();

    // ---- EKS ----------------------------------------------------------------------------
    this.cluster = new eks.Cluster(this, 'Cluster', {
      clusterName: prefix,
      version: eks.KubernetesVersion.of(config.kubernetesVersion),
      vpc: this.vpc,
      vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      endpointAccess: eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom(...config.adminCidrs),
      secretsEncryptionKey: dataKey,
      clusterLogging: [
        eks.ClusterLoggingTypes.API,
        eks.ClusterLoggingTypes.AUDIT,
        eks.ClusterLoggingTypes.AUTHENTICATOR,
        eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
        eks.ClusterLoggingTypes.SCHEDULER,
      ],
    });
    const nodeRole = new iam.Role(this, 'NodeRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKSWorkerNodePolicy'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEC2ContainerRegistryReadOnly'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKS_CNI_Policy'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
      ],
    });
    const nodeTemplate = new ec2.LaunchTemplate(this, 'NodeLaunchTemplate', {
      // Pods cannot reach the node's credentials: one hop for IMDSv2 tokens, and IRSA
      // gives each service account its own role instead.
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(config.nodes.diskGiB, {
            encrypted: true,
            kmsKey: dataKey,
            volumeType: ec2.EbsDeviceVolumeType.GP3,
          }),
        },
      ],
    });
    Tags.of(nodeTemplate).add('ibet:backup', 'true');
    // aws-eks-v2 still writes EncryptionConfig.Resources, which CloudFormation's schema calls
    // deprecated (yet required for secrets encryption).
    Validations.of(this.cluster).acknowledge({
      id: 'CloudFormation-Validate::W9009',
      reason: 'aws-eks-v2 encrypts Kubernetes secrets through EncryptionConfig.Resources',
    });
    this.cluster.addNodegroupCapacity('Nodes', {
      nodegroupName: `${prefix}-m5`,
      instanceTypes: [new ec2.InstanceType(config.nodes.instanceType)],
      minSize: config.nodes.min,
      desiredSize: config.nodes.desired,
      maxSize: config.nodes.max,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      amiType: eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
      capacityType: eks.CapacityType.ON_DEMAND,
      nodeRole,
      launchTemplateSpec: {
        id: nodeTemplate.launchTemplateId!,
        version: nodeTemplate.latestVersionNumber,
      },
      maxUnavailable: 1,
      // EKS tags the Auto Scaling group for the cluster autoscaler's discovery.
      tags: {
        [`k8s.io/cluster-autoscaler/${prefix}`]: 'owned',
        'k8s.io/cluster-autoscaler/enabled': 'true',
      },
    });
    new eks.Addon(this, 'VpcCni', {
      cluster: this.cluster,
      addonName: 'vpc-cni',
      // The CNI enforces the manifests' NetworkPolicies.
      configurationValues: { enableNetworkPolicy: 'true' },
    });
    for (const addonName of ['coredns', 'kube-proxy']) {
      new eks.Addon(this, `Addon-${addonName}`, { cluster: this.cluster, addonName });
    }
    // Container Insights: its agent gets its own role (IRSA), as pods cannot reach the
    // node's credentials (IMDS hop limit 1).
    const insights = new eks.Addon(this, 'Addon-amazon-cloudwatch-observability', {
      cluster: this.cluster,
      addonName: 'amazon-cloudwatch-observability',
    });
    const agent = this.serviceAccountRole(
      'CloudWatchAgentRole',
      `${prefix}-cloudwatch-agent`,
      'amazon-cloudwatch',
      'cloudwatch-agent',
    );
    agent.addManagedPolicy(
      iam.ManagedPolicy.fromAwsManagedPolicyName('CloudWatchAgentServerPolicy'),
    );
    (insights.node.defaultChild as eks.CfnAddon).serviceAccountRoleArn = agent.roleArn;
    this.adminAccess(prefix);

    // ---- data tier -------------------------------------------------------------------
    const databaseSg = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc: this.vpc,
      description: 'Aurora: PostgreSQL from the EKS cluster only',
      allowAllOutbound: false,
    });
    databaseSg.addIngressRule(
      this.cluster.clusterSecurityGroup,
      ec2.Port.tcp(NETWORK.postgresPort),
      'PostgreSQL from EKS pods and nodes',
    );
    const redisSg = new ec2.SecurityGroup(this, 'RedisSecurityGroup', {
      vpc: this.vpc,
      description: 'ElastiCache: Redis from the EKS cluster only',
      allowAllOutbound: false,
    });
    redisSg.addIngressRule(
      this.cluster.clusterSecurityGroup,
      ec2.Port.tcp(NETWORK.redisPort),
      'Redis from EKS pods and nodes',
    );

    const names = secretNames(config.stage);
    const zones = this.vpc.availabilityZones;
    const instanceType = new ec2.InstanceType(config.aurora.instanceClass);
    const instance = (id: string, zone: number) =>
      rds.ClusterInstance.provisioned(id, {
        instanceType,
        availabilityZone: zones[zone % zones.length],
        enablePerformanceInsights: true,
        performanceInsightRetention: config.aurora
          .performanceInsightsRetentionDays as rds.PerformanceInsightRetention,
        performanceInsightEncryptionKey: dataKey,
        autoMinorVersionUpgrade: true,
        publiclyAccessible: false,
      });
    const parameters = new rds.ParameterGroup(this, 'DatabaseParameters', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({
        version: rds.AuroraPostgresEngineVersion.of(
          config.aurora.engineVersion,
          config.aurora.engineVersion.split('.')[0]!,
        ),
      }),
      parameters: {
        'rds.force_ssl': '1',
        log_min_duration_statement: '500',
        'pgaudit.log': 'ddl,role',
        shared_preload_libraries: 'pg_stat_statements,pgaudit',
      },
    });
    this.database = new rds.DatabaseCluster(this, 'Database', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({
        version: rds.AuroraPostgresEngineVersion.of(
          config.aurora.engineVersion,
          config.aurora.engineVersion.split('.')[0]!,
        ),
      }),
      clusterIdentifier: prefix,
      defaultDatabaseName: 'ibet',
      credentials: rds.Credentials.fromGeneratedSecret('ibet', {
        secretName: names.database,
        encryptionKey: dataKey,
      }),
      writer: instance('writer', 0),
      readers: Array.from({ length: config.aurora.readers }, (_, i) =>
        instance(`reader${i + 1}`, i + 1),
      ),
      vpc: this.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [databaseSg],
      port: NETWORK.postgresPort,
      storageEncrypted: true,
      storageEncryptionKey: dataKey,
      iamAuthentication: true,
      deletionProtection: true,
      backup: { retention: Duration.days(config.aurora.backupRetentionDays) },
      parameterGroup: parameters,
      cloudwatchLogsExports: ['postgresql'],
      cloudwatchLogsRetention: logs.RetentionDays.THREE_MONTHS,
      monitoringInterval: Duration.seconds(60),
      copyTagsToSnapshot: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });
    Tags.of(this.database).add('ibet:backup', 'true');

    const redisAuth = new secretsmanager.Secret(this, 'RedisAuthSecret', {
      secretName: names.redisAuth,
      encryptionKey: dataKey,
      description: 'ElastiCache AUTH token',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'token',
        excludePunctuation: true,
        passwordLength: 64,
      },
    });
    const redisSubnets = new elasticache.CfnSubnetGroup(this, 'RedisSubnets', {
      description: 'iBet Redis: isolated data subnets',
      subnetIds: this.vpc.isolatedSubnets.map((s) => s.subnetId),
    });
    const redis = new elasticache.CfnReplicationGroup(this, 'Redis', {
      replicationGroupDescription: 'iBet fan-out and rate-limit counters',
      engine: 'redis',
      engineVersion: '7.1',
      cacheNodeType: config.redis.nodeType,
      numCacheClusters: 1 + config.redis.replicas,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      preferredCacheClusterAZs: Array.from(
        { length: 1 + config.redis.replicas },
        (_, i) => zones[i % zones.length]!,
      ),
      atRestEncryptionEnabled: true,
      kmsKeyId: dataKey.keyId,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      authToken: redisAuth.secretValueFromJson('token').unsafeUnwrap(),
      cacheSubnetGroupName: redisSubnets.ref,
      securityGroupIds: [redisSg.securityGroupId],
      port: NETWORK.redisPort,
      snapshotRetentionLimit: config.redis.snapshotRetentionDays,
      autoMinorVersionUpgrade: true,
    });

    // ---- messaging ----------------------------------------------------------------------
    const deadLetters = new sqs.Queue(this, 'NotificationsDeadLetters', {
      queueName: `${prefix}-notifications-dlq`,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dataKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const notifications = new sqs.Queue(this, 'Notifications', {
      queueName: `${prefix}-notifications`,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dataKey,
      enforceSSL: true,
      visibilityTimeout: Duration.minutes(2),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
    });
    const alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      topicName: `${prefix}-alarms`,
      masterKey: dataKey,
      enforceSSL: true,
    });
    if (config.alarmEmail) {
      alarmTopic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    }

    // ---- secrets the pods read (External Secrets) ------------------------------------
    new secretsmanager.Secret(this, 'EndpointsSecret', {
      secretName: names.endpoints,
      encryptionKey: dataKey,
      description: 'Endpoints known after deployment, for the Kubernetes ExternalSecret',
      secretObjectValue: {
        redisHost: SecretValue.unsafePlainText(redis.attrPrimaryEndPointAddress),
        redisPort: SecretValue.unsafePlainText(redis.attrPrimaryEndPointPort),
        sqsQueueUrl: SecretValue.unsafePlainText(notifications.queueUrl),
        backupBucket: SecretValue.unsafePlainText(this.buckets.backups.bucketName),
        auditArchiveBucket: SecretValue.unsafePlainText(this.buckets.auditArchive.bucketName),
      },
    });
    new secretsmanager.Secret(this, 'AppSecret', {
      secretName: names.app,
      encryptionKey: dataKey,
      description: 'Bootstrap admin of the back office',
      generateSecretString: {
        // IBET_AUDIT_SIGNING_KEY: set `ed25519:<base64 PKCS#8 DER>` to archive the audit log
        // (docs/deployment.md); empty, iBet keeps it in the database.
        secretStringTemplate: JSON.stringify({
          IBET_ADMIN_EMAIL: config.adminEmail,
          IBET_AUDIT_SIGNING_KEY: '',
        }),
        generateStringKey: 'IBET_ADMIN_PASSWORD',
        passwordLength: 32,
      },
    });

    // ---- IAM roles for service accounts (least privilege) ----------------------------
    const api = this.irsaRole(config, 'api');
    grantObjects(api, this.buckets.documents, ['read', 'write', 'delete']);
    // Realtime fans out through Redis and calls no AWS API: its role grants nothing (yet).
    this.irsaRole(config, 'realtime');
    const worker = this.irsaRole(config, 'worker');
    grantSend(worker, notifications);
    // The worker writes audit archives and reads each back before it prunes the rows.
    grantObjects(worker, this.buckets.auditArchive, ['read', 'write'], `${AUDIT_ARCHIVE_PREFIX}/`);
    grantObjects(worker, this.buckets.backups, ['read', 'write', 'delete']);
    grantObjects(worker, this.buckets.documents, ['read']);
    worker.addToPolicy(
      new iam.PolicyStatement({
        sid: 'MailThroughSes',
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [`arn:${Aws.PARTITION}:ses:${this.region}:${this.account}:identity/*`],
        conditions: { StringLike: { 'ses:FromAddress': `*@${config.publicHost}` } },
      }),
    );
    worker.addToPolicy(
      new iam.PolicyStatement({
        sid: 'TextMessagesThroughSns',
        // Publishing to a phone number has no resource ARN; topics are not allowed.
        actions: ['sns:Publish'],
        resources: ['*'],
        conditions: { Null: { 'sns:Protocol': 'true' } },
      }),
    );
    const externalSecrets = this.irsaRole(config, 'externalSecrets');
    externalSecrets.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadThisStagesSecrets',
        actions: [
          'secretsmanager:GetSecretValue',
          'secretsmanager:DescribeSecret',
          'secretsmanager:ListSecretVersionIds',
        ],
        resources: [
          `arn:${Aws.PARTITION}:secretsmanager:${this.region}:${this.account}:secret:ibet/${config.stage}/*`,
        ],
      }),
    );
    dataKey.grantDecrypt(externalSecrets);
    this.addOnRoles(config, prefix);

    // ---- container registry ------------------------------------------------------------
    const repository = new ecr.Repository(this, 'Repository', {
      repositoryName: `ibet-${config.stage}`,
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.KMS,
      encryptionKey: dataKey,
      lifecycleRules: [{ maxImageCount: 50 }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ---- the doors: NLB, partner API on API Gateway, Route 53 -------------------------
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: config.hostedZone.id,
      zoneName: config.hostedZone.name,
    });
    const apiAcl = webAcl(this, 'ApiWebAcl', `${prefix}-api`, 'REGIONAL');
    this.frontDoor = new FrontDoor(this, 'FrontDoor', {
      config,
      prefix,
      vpc: this.vpc,
      clusterSecurityGroup: this.cluster.clusterSecurityGroup,
      zone,
      alarmTopic,
      webAcl: apiAcl,
    });
    this.loadBalancerControllerRole(prefix);

    // ---- automations (Lambda) ----------------------------------------------------------
    const auditPublicKey = new CfnParameter(this, 'AuditArchivePublicKey', {
      type: 'String',
      default: '',
      description:
        'ed25519:<base64 SPKI DER> public half of IBET_AUDIT_SIGNING_KEY, which the audit-archive check trusts (docs/deployment.md)',
    });
    this.automation = new Automation(this, 'Automation', {
      config,
      prefix,
      key: dataKey,
      alarmTopic,
      database: this.database,
      auditArchive: this.buckets.auditArchive,
      auditPublicKey: auditPublicKey.valueAsString,
      automationSecretName: names.automation,
    });

    // ---- audit trail -----------------------------------------------------------------
    const trailLogs = new logs.LogGroup(this, 'TrailLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: undefined,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const trail = new cloudtrail.Trail(this, 'Trail', {
      bucket: logs_,
      s3KeyPrefix: 'cloudtrail',
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableFileValidation: true,
      sendToCloudWatchLogs: true,
      cloudWatchLogGroup: trailLogs,
      managementEvents: cloudtrail.ReadWriteType.ALL,
    });
    trail.addS3EventSelector([{ bucket: this.buckets.auditArchive }], {
      readWriteType: cloudtrail.ReadWriteType.WRITE_ONLY,
    });

    // ---- backups -----------------------------------------------------------------------
    this.backups(config, dataKey);

    // ---- alarms and dashboard ------------------------------------------------------------
    this.monitoring(prefix, alarmTopic, trailLogs, deadLetters, notifications, redis);

    // ---- optional staff single sign-on ---------------------------------------------
    if (config.staffSso) this.staffUserPool(config, prefix);

    // ---- outputs the Kubernetes overlays and docs/deployment.md use ----------------------
    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('ClusterName', this.cluster.clusterName, 'aws eks update-kubeconfig --name <this>');
    output('EcrRepositoryUri', repository.repositoryUri, 'overlay images: newName');
    const tg = this.frontDoor.targetGroups;
    output('ApiTargetGroupArn', tg.api.targetGroupArn, 'overlay TargetGroupBinding ibet-api');
    output(
      'RealtimeTargetGroupArn',
      tg.realtime.targetGroupArn,
      'overlay TargetGroupBinding ibet-realtime',
    );
    output('LoadBalancerDnsName', this.frontDoor.loadBalancer.loadBalancerDnsName, 'NLB');
    output('PartnerApiUrl', `https://${config.partnerHost}/api/v1/b2b/`, 'partners call here');
    for (const [workload, role] of Object.entries(this.roles)) {
      output(`${workload[0]!.toUpperCase()}${workload.slice(1)}RoleArn`, role.roleArn, 'IRSA');
    }
    output('DatabaseWriterEndpoint', this.database.clusterEndpoint.hostname, 'Aurora writer');
    output('DatabaseReaderEndpoint', this.database.clusterReadEndpoint.hostname, 'Aurora readers');
    output('NotificationsQueueUrl', notifications.queueUrl, 'IBET_SQS_QUEUE_URL');
    output('DocumentsBucketName', this.buckets.documents.bucketName, 'documents');
    output('VpcId', this.vpc.vpcId, 'AWS Load Balancer Controller --set vpcId');
  }

  /** An IAM role that only the named Kubernetes service account of this cluster can assume. */
  private irsaRole(config: StackConfig, workload: Workload): iam.Role {
    return this.serviceAccountRole(
      `${workload}Role`,
      iamRoleName(config.stage, workload),
      NAMESPACE,
      SERVICE_ACCOUNTS[workload],
      workload,
    );
  }

  private serviceAccountRole(
    id: string,
    roleName: string,
    namespace: string,
    serviceAccount: string,
    key?: Workload,
  ): iam.Role {
    const provider = this.cluster.openIdConnectProvider;
    const issuer = provider.openIdConnectProviderIssuer;
    const conditions = new CfnJson(this, `${id}Trust`, {
      value: {
        [`${issuer}:aud`]: 'sts.amazonaws.com',
        [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
      },
    });
    const role = new iam.Role(this, id, {
      roleName,
      description: `IRSA: ${namespace}/${serviceAccount}`,
      assumedBy: new iam.OpenIdConnectPrincipal(provider).withConditions({
        StringEquals: conditions,
      }),
      maxSessionDuration: Duration.hours(1),
    });
    if (key) this.roles[key] = role;
    return role;
  }

  /** Roles of the cluster add-ons the manifests rely on (installed per docs/deployment.md). */
  private addOnRoles(config: StackConfig, prefix: string): void {
    const autoscaler = this.serviceAccountRole(
      'ClusterAutoscalerRole',
      `${prefix}-cluster-autoscaler`,
      'kube-system',
      'cluster-autoscaler',
    );
    autoscaler.addToPolicy(
      new iam.PolicyStatement({
        sid: 'Discover',
        actions: [
          'autoscaling:DescribeAutoScalingGroups',
          'autoscaling:DescribeAutoScalingInstances',
          'autoscaling:DescribeLaunchConfigurations',
          'autoscaling:DescribeScalingActivities',
          'autoscaling:DescribeTags',
          'ec2:DescribeImages',
          'ec2:DescribeInstanceTypes',
          'ec2:DescribeLaunchTemplateVersions',
          'ec2:GetInstanceTypesFromInstanceRequirements',
          'eks:DescribeNodegroup',
        ],
        resources: ['*'],
      }),
    );
    autoscaler.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ScaleOnlyThisClustersGroups',
        actions: [
          'autoscaling:SetDesiredCapacity',
          'autoscaling:TerminateInstanceInAutoScalingGroup',
        ],
        resources: ['*'],
        conditions: {
          StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${prefix}`]: 'owned' },
        },
      }),
    );
    const externalDns = this.serviceAccountRole(
      'ExternalDnsRole',
      `${prefix}-external-dns`,
      'kube-system',
      'external-dns',
    );
    externalDns.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ChangeOnlyTheSitesZone',
        actions: ['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets'],
        resources: [`arn:${Aws.PARTITION}:route53:::hostedzone/${config.hostedZone.id}`],
      }),
    );
    externalDns.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ListZones',
        actions: ['route53:ListHostedZones', 'route53:ListTagsForResources'],
        resources: ['*'],
      }),
    );
  }

  /**
   * The AWS Load Balancer Controller only keeps the pods of api and realtime registered in
   * the stack's two target groups (TargetGroupBindings): it creates no load balancer, so its
   * role may register and deregister targets of those groups and describe, nothing more.
   */
  private loadBalancerControllerRole(prefix: string): void {
    const lbc = this.serviceAccountRole(
      'LoadBalancerControllerRole',
      `${prefix}-aws-load-balancer-controller`,
      'kube-system',
      'aws-load-balancer-controller',
    );
    lbc.addToPolicy(
      new iam.PolicyStatement({
        sid: 'Describe',
        // Describe calls take no resource.
        actions: [
          'elasticloadbalancing:DescribeLoadBalancers',
          'elasticloadbalancing:DescribeListeners',
          'elasticloadbalancing:DescribeTargetGroups',
          'elasticloadbalancing:DescribeTargetGroupAttributes',
          'elasticloadbalancing:DescribeTargetHealth',
          'elasticloadbalancing:DescribeTags',
          'ec2:DescribeInstances',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeSubnets',
          'ec2:DescribeVpcs',
          'ec2:DescribeAvailabilityZones',
        ],
        resources: ['*'],
      }),
    );
    lbc.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RegisterPodsInTheStacksTargetGroups',
        actions: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
        resources: Object.values(this.frontDoor.targetGroups).map((g) => g.targetGroupArn),
      }),
    );
  }

  /**
   * People administer the cluster through a role that requires MFA to assume, and the
   * administrators group denies everything but enrolling a device until MFA is present.
   */
  private adminAccess(prefix: string): void {
    const admin = new iam.Role(this, 'ClusterAdminRole', {
      roleName: `${prefix}-cluster-admin`,
      assumedBy: new iam.AccountRootPrincipal().withConditions({
        Bool: { 'aws:MultiFactorAuthPresent': 'true' },
      }),
      maxSessionDuration: Duration.hours(4),
    });
    this.cluster.grantAccess('ClusterAdmin', admin.roleArn, [
      eks.AccessPolicy.fromAccessPolicyName('AmazonEKSClusterAdminPolicy', {
        accessScopeType: eks.AccessScopeType.CLUSTER,
      }),
    ]);
    const group = new iam.Group(this, 'Administrators', { groupName: `${prefix}-administrators` });
    group.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeClusterAdminWithMfa',
        actions: ['sts:AssumeRole'],
        resources: [admin.roleArn],
        conditions: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      }),
    );
    group.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DenyAllExceptMfaSetupWithoutMfa',
        effect: iam.Effect.DENY,
        notActions: [
          'iam:CreateVirtualMFADevice',
          'iam:EnableMFADevice',
          'iam:GetUser',
          'iam:ListMFADevices',
          'iam:ListVirtualMFADevices',
          'iam:ResyncMFADevice',
          'iam:ChangePassword',
          'sts:GetSessionToken',
        ],
        resources: ['*'],
        conditions: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
      }),
    );
  }

  /** The data subnets answer only the app subnets, on the Postgres and Redis ports. */
  private dataSubnetAcl(): void {
    const acl = new ec2.NetworkAcl(this, 'DataSubnetAcl', {
      vpc: this.vpc,
      subnetSelection: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    });
    let rule = 100;
    for (const cidr of NETWORK.subnets.privateApp.cidrs) {
      for (const port of [NETWORK.postgresPort, NETWORK.redisPort]) {
        acl.addEntry(`In${rule}`, {
          ruleNumber: rule,
          cidr: ec2.AclCidr.ipv4(cidr),
          traffic: ec2.AclTraffic.tcpPort(port),
          direction: ec2.TrafficDirection.INGRESS,
          ruleAction: ec2.Action.ALLOW,
        });
        rule += 10;
      }
      acl.addEntry(`Out${rule}`, {
        ruleNumber: rule,
        cidr: ec2.AclCidr.ipv4(cidr),
        traffic: ec2.AclTraffic.tcpPortRange(1024, 65535),
        direction: ec2.TrafficDirection.EGRESS,
        ruleAction: ec2.Action.ALLOW,
      });
      rule += 10;
    }
    // Aurora's own replication between zones stays inside the data subnets.
    for (const cidr of NETWORK.subnets.isolatedData.cidrs) {
      for (const direction of [ec2.TrafficDirection.INGRESS, ec2.TrafficDirection.EGRESS]) {
        acl.addEntry(`Data${rule}`, {
          ruleNumber: rule,
          cidr: ec2.AclCidr.ipv4(cidr),
          traffic: ec2.AclTraffic.allTraffic(),
          direction,
          ruleAction: ec2.Action.ALLOW,
        });
        rule += 10;
      }
    }
  }

  private backups(config: StackConfig, key: kms.Key): void {
    const vault = new backup.BackupVault(this, 'BackupVault', {
      encryptionKey: key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const rules = [
      new backup.BackupPlanRule({
        ruleName: 'daily',
        scheduleExpression: events.Schedule.cron({ hour: '3', minute: '0' }),
        deleteAfter: Duration.days(config.backup.dailyRetentionDays),
        enableContinuousBackup: true,
      }),
    ];
    if (config.backup.monthlyRetentionDays > 0) {
      rules.push(
        new backup.BackupPlanRule({
          ruleName: 'monthly',
          scheduleExpression: events.Schedule.cron({ day: '1', hour: '4', minute: '0' }),
          moveToColdStorageAfter: Duration.days(90),
          deleteAfter: Duration.days(Math.max(config.backup.monthlyRetentionDays, 180)),
        }),
      );
    }
    const plan = new backup.BackupPlan(this, 'BackupPlan', {
      backupVault: vault,
      backupPlanRules: rules,
    });
    plan.addSelection('AuroraAndTaggedVolumes', {
      resources: [
        backup.BackupResource.fromRdsDatabaseCluster(this.database),
        backup.BackupResource.fromTag('ibet:backup', 'true'),
      ],
    });
    // The case study's EBS snapshot lifecycle: daily snapshots of tagged volumes.
    const dlmRole = new iam.Role(this, 'SnapshotLifecycleRole', {
      assumedBy: new iam.ServicePrincipal('dlm.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName(
          'service-role/AWSDataLifecycleManagerServiceRole',
        ),
      ],
    });
    new dlm.CfnLifecyclePolicy(this, 'EbsSnapshotLifecycle', {
      description: 'Daily snapshots of EBS volumes tagged ibet-backup',
      state: 'ENABLED',
      executionRoleArn: dlmRole.roleArn,
      policyDetails: {
        policyType: 'EBS_SNAPSHOT_MANAGEMENT',
        resourceTypes: ['VOLUME'],
        targetTags: [{ key: 'ibet:backup', value: 'true' }],
        schedules: [
          {
            name: 'daily',
            createRule: { interval: 24, intervalUnit: 'HOURS', times: ['02:00'] },
            retainRule: { count: 14 },
            copyTags: true,
          },
        ],
      },
    });
  }

  private monitoring(
    prefix: string,
    topic: sns.Topic,
    trailLogs: logs.LogGroup,
    deadLetters: sqs.Queue,
    notifications: sqs.Queue,
    redis: elasticache.CfnReplicationGroup,
  ): void {
    const action = new cwActions.SnsAction(topic);
    const alarm = (
      id: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      description: string,
      comparison = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    ) => {
      const a = new cloudwatch.Alarm(this, id, {
        alarmName: `${prefix}-${id}`,
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator: comparison,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      return a;
    };
    const db = this.database;
    const five = { period: Duration.minutes(5) };
    const redisMetric = (metricName: string, statistic = 'Average') =>
      new cloudwatch.Metric({
        namespace: 'AWS/ElastiCache',
        metricName,
        dimensionsMap: { ReplicationGroupId: redis.ref },
        statistic,
        ...five,
      });
    const nodeMetric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'ContainerInsights',
        metricName,
        dimensionsMap: { ClusterName: prefix },
        statistic: 'Average',
        ...five,
      });
    const alarms = [
      alarm('DatabaseCpuHigh', db.metricCPUUtilization(five), 80, 'Aurora CPU above 80%'),
      alarm(
        'DatabaseFreeMemoryLow',
        db.metricFreeableMemory(five),
        512 * 1024 * 1024,
        'Aurora freeable memory under 512 MiB',
        cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      ),
      alarm(
        'DatabaseReplicaLagHigh',
        db.metric('AuroraReplicaLagMaximum', { ...five, statistic: 'Maximum' }),
        2000,
        'Aurora reader more than 2 s behind the writer',
      ),
      alarm(
        'DatabaseDeadlocks',
        db.metricDeadlocks(five),
        5,
        'More than 5 deadlocks per second on Aurora',
      ),
      alarm('RedisCpuHigh', redisMetric('EngineCPUUtilization'), 75, 'Redis engine CPU above 75%'),
      alarm(
        'RedisMemoryHigh',
        redisMetric('DatabaseMemoryUsagePercentage'),
        80,
        'Redis memory above 80%',
      ),
      alarm(
        'NotificationsDeadLettered',
        deadLetters.metricApproximateNumberOfMessagesVisible(five),
        0,
        'Notifications gave up after 5 attempts',
      ),
      alarm(
        'NotificationsBacklogOld',
        notifications.metricApproximateAgeOfOldestMessage(five),
        300,
        'A notification waited more than 5 minutes',
      ),
      alarm('NodesCpuHigh', nodeMetric('node_cpu_utilization'), 80, 'EKS nodes above 80% CPU'),
      alarm(
        'NodesMemoryHigh',
        nodeMetric('node_memory_utilization'),
        85,
        'EKS nodes above 85% memory',
      ),
    ];
    // Security events from the audit trail (CIS AWS Foundations 4.x).
    const securityFilters: [string, string, string][] = [
      [
        'RootAccountUsed',
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
        'The root account was used',
      ],
      [
        'ConsoleSignInWithoutMfa',
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
        'Someone signed in to the console without MFA',
      ],
      [
        'UnauthorizedApiCalls',
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
        'Calls refused for lack of permission',
      ],
      [
        'IamPolicyChanged',
        '{ ($.eventSource = "iam.amazonaws.com") && (($.eventName = "Put*Policy") || ($.eventName = "Attach*Policy") || ($.eventName = "Detach*Policy") || ($.eventName = "Delete*Policy") || ($.eventName = "Create*Policy")) }',
        'An IAM policy changed',
      ],
    ];
    for (const [name, pattern, description] of securityFilters) {
      const filter = new logs.MetricFilter(this, `${name}Filter`, {
        logGroup: trailLogs,
        filterPattern: logs.FilterPattern.literal(pattern),
        metricNamespace: 'iBet/Security',
        metricName: name,
        metricValue: '1',
      });
      const a = new cloudwatch.Alarm(this, name, {
        alarmName: `${prefix}-${name}`,
        alarmDescription: description,
        metric: filter.metric({ statistic: 'Sum', period: Duration.minutes(5) }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      alarms.push(a);
    }

    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: prefix,
      defaultInterval: Duration.hours(3),
    });
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms,
        width: 24,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'EKS nodes: CPU and memory %',
        left: [nodeMetric('node_cpu_utilization'), nodeMetric('node_memory_utilization')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'EKS: pods running, nodes',
        left: [nodeMetric('pod_number_of_running_pods'), nodeMetric('cluster_node_count')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Aurora: CPU %, connections',
        left: [db.metricCPUUtilization(five)],
        right: [db.metricDatabaseConnections(five)],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Aurora: commit latency and replica lag (ms)',
        left: [
          db.metric('CommitLatency', five),
          db.metric('AuroraReplicaLagMaximum', { ...five, statistic: 'Maximum' }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Redis: engine CPU %, memory %',
        left: [redisMetric('EngineCPUUtilization'), redisMetric('DatabaseMemoryUsagePercentage')],
        right: [redisMetric('CurrConnections')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Notifications: queued, dead-lettered',
        left: [
          notifications.metricApproximateNumberOfMessagesVisible(five),
          deadLetters.metricApproximateNumberOfMessagesVisible(five),
        ],
        width: 8,
      }),
    );
    // The edge and the automations: the partner API, the NLB's healthy pods, the Lambdas.
    const api = this.frontDoor.partnerApi;
    const lb = this.frontDoor.loadBalancer;
    const functions = [this.frontDoor.authorizer, ...Object.values(this.automation.functions)];
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Automations and partner API',
        alarms: functions.flatMap((f) => f.alarms),
        width: 24,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Partner API: calls, 4xx, 5xx',
        left: [api.metricCount(five), api.metricClientError(five), api.metricServerError(five)],
        right: [api.metricLatency({ ...five, statistic: 'p99' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'NLB: healthy pods per target group',
        left: Object.values(this.frontDoor.targetGroups).map((g) =>
          g.metrics.healthyHostCount({ ...five, statistic: 'Minimum' }),
        ),
        right: [lb.metrics.activeFlowCount(five)],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda: errors and duration',
        left: functions.map((f) => f.fn.metricErrors({ ...five, statistic: 'Sum' })),
        right: functions.map((f) => f.fn.metricDuration({ ...five, statistic: 'Maximum' })),
        width: 8,
      }),
    );
  }

  /** Staff sign-in through Cognito (MFA required) as an alternative identity provider. */
  private staffUserPool(config: StackConfig, prefix: string): void {
    const pool = new cognito.UserPool(this, 'StaffUserPool', {
      userPoolName: `${prefix}-staff`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 15,
        requireLowercase: false,
        requireUppercase: false,
        requireDigits: false,
        requireSymbols: false,
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    pool.addDomain('Domain', { cognitoDomain: { domainPrefix: `${prefix}-staff` } });
    const client = pool.addClient('BackOffice', {
      generateSecret: true,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: [`https://${config.publicHost}/api/v1/staff/auth/oidc/callback`],
      },
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.minutes(15),
      idTokenValidity: Duration.minutes(15),
    });
    new CfnOutput(this, 'StaffUserPoolId', { value: pool.userPoolId });
    new CfnOutput(this, 'StaffUserPoolClientId', { value: client.userPoolClientId });
  }
}

/** A web ACL of AWS managed rules plus a per-IP rate limit, for CloudFront or an ALB. */
export function webAcl(
  scope: Construct,
  id: string,
  name: string,
  aclScope: 'REGIONAL' | 'CLOUDFRONT',
): wafv2.CfnWebACL {
  const managed = (priority: number, ruleName: string) => ({
    name: ruleName,
    priority,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: ruleName } },
    visibilityConfig: {
      cloudWatchMetricsEnabled: true,
      metricName: ruleName,
      sampledRequestsEnabled: true,
    },
  });
  return new wafv2.CfnWebACL(scope, id, {
    name,
    scope: aclScope,
    defaultAction: { allow: {} },
    visibilityConfig: {
      cloudWatchMetricsEnabled: true,
      metricName: name,
      sampledRequestsEnabled: true,
    },
    rules: [
      managed(0, 'AWSManagedRulesAmazonIpReputationList'),
      managed(1, 'AWSManagedRulesCommonRuleSet'),
      managed(2, 'AWSManagedRulesKnownBadInputsRuleSet'),
      {
        name: 'RateLimitPerIp',
        priority: 10,
        action: { block: {} },
        // Requests per 5 minutes from one address before it is blocked for a while.
        statement: { rateBasedStatement: { limit: 3000, aggregateKeyType: 'IP' } },
        visibilityConfig: {
          cloudWatchMetricsEnabled: true,
          metricName: 'RateLimitPerIp',
          sampledRequestsEnabled: true,
        },
      },
    ],
  });
}
