// The AWS half of the control checklist: one test per control of the operator's case study
// (S…) and per Well-Architected rule of issue 10 (W…), asserted on the CloudFormation that
// the CDK app synthesizes — offline, without credentials. docs/deployment.md maps each id
// to the resource that implements it.
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STAGE_SETTINGS } from '../k8s/settings.ts';
import { synthesize } from '../k8s/synth.ts';
import {
  IRSA_WORKLOADS,
  iamRoleName,
  NAMESPACE,
  NETWORK,
  SERVICE_ACCOUNTS,
  STAGES,
  secretNames,
} from '../plan.ts';
import { buildApp, committedContext } from './app.ts';
import { STACK_CONFIG } from './config.ts';
import { drift } from './synth.ts';

// CloudFormation is walked as plain JSON.
type Obj = any;

const built = buildApp();
const templates = Object.fromEntries(
  STAGES.map((stage) => [
    stage,
    {
      main: Template.fromStack(built.stacks[stage].main),
      edge: Template.fromStack(built.stacks[stage].edge),
    },
  ]),
) as Record<'dev' | 'prod', { main: Template; edge: Template }>;
const prod = templates.prod.main;
const edge = templates.prod.edge;

function resources(template: Template, type: string): [string, Obj][] {
  return Object.entries(template.findResources(type));
}
function only(template: Template, type: string): Obj {
  const found = resources(template, type);
  expect(found, type).toHaveLength(1);
  return found[0]![1];
}
/** Logical id of the resource a `{ Ref }` or `{ Fn::GetAtt }` points to. */
function refOf(value: Obj): string | undefined {
  return value?.Ref ?? value?.['Fn::GetAtt']?.[0];
}
function statementsOf(template: Template, roleId: string): Obj[] {
  return resources(template, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles ?? []).some((r: Obj) => refOf(r) === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}
function roleIdNamed(template: Template, name: string): string {
  const found = resources(template, 'AWS::IAM::Role').find(
    ([, r]) => r.Properties.RoleName === name,
  );
  if (!found) throw new Error(`no role ${name}`);
  return found[0];
}
const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

describe('AWS stack (deploy/aws)', () => {
  describe('case study controls', () => {
    it('S01 runs the applications on EKS, with audit logging and encrypted Kubernetes secrets', () => {
      const cluster = only(prod, 'AWS::EKS::Cluster').Properties;
      expect(cluster.Version).toBe(STACK_CONFIG.prod.kubernetesVersion);
      const logging = cluster.Logging.ClusterLogging.EnabledTypes.map((t: Obj) => t.Type);
      expect(logging).toEqual(expect.arrayContaining(['api', 'audit', 'authenticator']));
      expect(cluster.EncryptionConfig[0].Resources).toEqual(['secrets']);
      expect(cluster.ResourcesVpcConfig.EndpointPrivateAccess).toBe(true);
      expect(cluster.ResourcesVpcConfig.PublicAccessCidrs).toEqual(STACK_CONFIG.prod.adminCidrs);
    });

    it('S02 runs EC2 worker nodes of the M5 family in a managed node group that autoscales', () => {
      const group = only(prod, 'AWS::EKS::Nodegroup').Properties;
      expect(group.InstanceTypes.every((t: string) => t.startsWith('m5.'))).toBe(true);
      expect(group.ScalingConfig.MinSize).toBeGreaterThanOrEqual(2);
      expect(group.ScalingConfig.MaxSize).toBeGreaterThan(group.ScalingConfig.MinSize);
      expect(group.Tags).toMatchObject({
        'k8s.io/cluster-autoscaler/enabled': 'true',
        'k8s.io/cluster-autoscaler/ibet-prod': 'owned',
      });
      // The cluster autoscaler may scale only this cluster's groups.
      const statements = statementsOf(prod, roleIdNamed(prod, 'ibet-prod-cluster-autoscaler'));
      const scale = statements.find((s) =>
        asList(s.Action).includes('autoscaling:SetDesiredCapacity'),
      );
      expect(scale.Condition.StringEquals).toEqual({
        'aws:ResourceTag/k8s.io/cluster-autoscaler/ibet-prod': 'owned',
      });
    });

    it('S03 spreads the network, the nodes and the NAT gateways over two availability zones', () => {
      const zones = resources(prod, 'AWS::EC2::Subnet').map(
        ([, s]) => s.Properties.AvailabilityZone,
      );
      expect(new Set(zones).size).toBe(2);
      const group = only(prod, 'AWS::EKS::Nodegroup').Properties;
      expect(group.Subnets).toHaveLength(2);
      const database = resources(prod, 'AWS::RDS::DBInstance').map(
        ([, i]) => i.Properties.AvailabilityZone,
      );
      expect(new Set(database)).toEqual(new Set(zones));
      expect(resources(prod, 'AWS::EC2::NatGateway')).toHaveLength(2);
    });

    it('S04 keeps an Aurora PostgreSQL writer and a reader in the other zone, encrypted with KMS, with Performance Insights and IAM authentication', () => {
      const cluster = only(prod, 'AWS::RDS::DBCluster').Properties;
      expect(cluster.Engine).toBe('aurora-postgresql');
      expect(cluster.StorageEncrypted).toBe(true);
      expect(refOf(cluster.KmsKeyId)).toMatch(/^DataKey/);
      expect(cluster.EnableIAMDatabaseAuthentication).toBe(true);
      expect(cluster.DeletionProtection).toBe(true);
      const instances = resources(prod, 'AWS::RDS::DBInstance').map(([, i]) => i.Properties);
      expect(instances).toHaveLength(2);
      expect(new Set(instances.map((i) => i.AvailabilityZone)).size).toBe(2);
      for (const i of instances) {
        expect(i.EnablePerformanceInsights).toBe(true);
        expect(i.PubliclyAccessible).toBe(false);
      }
    });

    it('S05 recovers in near real time: backups of at least 7 days, point-in-time recovery, a cross-zone replica and an AWS Backup plan', () => {
      for (const stage of STAGES) {
        const cluster = only(templates[stage].main, 'AWS::RDS::DBCluster').Properties;
        expect(cluster.BackupRetentionPeriod).toBeGreaterThanOrEqual(7);
      }
      const plan = only(prod, 'AWS::Backup::BackupPlan').Properties.BackupPlan;
      const daily = plan.BackupPlanRule.find((r: Obj) => r.RuleName === 'daily');
      expect(daily.EnableContinuousBackup).toBe(true);
      expect(daily.Lifecycle.DeleteAfterDays).toBeGreaterThanOrEqual(35);
      const selection = only(prod, 'AWS::Backup::BackupSelection').Properties.BackupSelection;
      expect(JSON.stringify(selection.Resources)).toContain('cluster:');
      expect(only(prod, 'AWS::Backup::BackupVault').Properties.EncryptionKeyArn).toBeDefined();
    });

    it('S06 tests performance before production on a dev stage built from the same code at a smaller size', () => {
      const types = (t: Template) =>
        new Set(Object.values(t.toJSON().Resources).map((r: Obj) => r.Type));
      expect([...types(templates.dev.main)].sort()).toEqual([...types(prod)].sort());
      const devNodes = only(templates.dev.main, 'AWS::EKS::Nodegroup').Properties.ScalingConfig;
      const prodNodes = only(prod, 'AWS::EKS::Nodegroup').Properties.ScalingConfig;
      expect(devNodes.MaxSize).toBeLessThan(prodNodes.MaxSize);
    });

    it('S07 records all API activity with a multi-region CloudTrail, log file validation, to S3 and CloudWatch Logs', () => {
      const trail = only(prod, 'AWS::CloudTrail::Trail').Properties;
      expect(trail.IsMultiRegionTrail).toBe(true);
      expect(trail.EnableLogFileValidation).toBe(true);
      expect(trail.IncludeGlobalServiceEvents).toBe(true);
      expect(refOf(trail.S3BucketName)).toMatch(/^LogsBucket/);
      expect(trail.CloudWatchLogsLogGroupArn).toBeDefined();
      expect(trail.IsLogging).toBe(true);
    });

    it('S08 encrypts data at rest everywhere: one rotating KMS key, encrypted node volumes, and IMDSv2 on nodes', () => {
      const key = only(prod, 'AWS::KMS::Key').Properties;
      expect(key.EnableKeyRotation).toBe(true);
      const template = only(prod, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData;
      const volume = template.BlockDeviceMappings[0].Ebs;
      expect(volume.Encrypted).toBe(true);
      expect(refOf(volume.KmsKeyId)).toMatch(/^DataKey/);
      expect(template.MetadataOptions).toMatchObject({
        HttpTokens: 'required',
        HttpPutResponseHopLimit: 1,
      });
      for (const [, secret] of resources(prod, 'AWS::SecretsManager::Secret')) {
        expect(refOf(secret.Properties.KmsKeyId)).toMatch(/^DataKey/);
      }
      expect(
        only(prod, 'AWS::ECR::Repository').Properties.EncryptionConfiguration.EncryptionType,
      ).toBe('KMS');
    });

    it('S09 deploys as CloudFormation synthesized without credentials or lookups', () => {
      const app = new App({ context: committedContext() });
      const { stacks } = buildApp({ app });
      const assembly = app.synth();
      for (const stage of STAGES) {
        for (const stack of [stacks[stage].main, stacks[stage].edge]) {
          const artifact = assembly.getStackArtifact(stack.artifactId);
          expect(artifact.template.Resources).toBeDefined();
        }
      }
      expect(assembly.manifest.missing ?? []).toEqual([]);
      // …and the templates committed under deploy/aws/dist are exactly these.
      expect(drift()).toEqual([]);
    });

    it('S10 puts the load balancer in the public subnets of both zones, with a web ACL and TLS', () => {
      const tagged = resources(prod, 'AWS::EC2::Subnet').filter(([, s]) =>
        s.Properties.Tags.some((t: Obj) => t.Key === 'kubernetes.io/role/elb'),
      );
      expect(tagged.map(([, s]) => s.Properties.CidrBlock).sort()).toEqual([
        ...NETWORK.subnets.public.cidrs,
      ]);
      const acl = resources(prod, 'AWS::WAFv2::WebACL').map(([, a]) => a.Properties);
      expect(acl.map((a) => a.Scope)).toEqual(['REGIONAL']);
      const certificate = only(prod, 'AWS::CertificateManager::Certificate').Properties;
      expect(certificate.DomainName).toBe(STAGE_SETTINGS.prod.publicHost);
      // The controller that creates it may only do so with its own published policy.
      const lbc = statementsOf(prod, roleIdNamed(prod, 'ibet-prod-aws-load-balancer-controller'));
      expect(lbc.length).toBeGreaterThan(5);
      // The Ingress in the manifests is the one that asks for it.
      const ingress = synthesize('prod').find((o: Obj) => o.kind === 'Ingress') as Obj;
      expect(ingress.spec.ingressClassName).toBe('alb');
    });

    it('S11 uses Route 53: DNS-validated certificates, aliases for the static web, and an external-dns role bound to the zone', () => {
      for (const template of [prod, edge]) {
        const certificate = only(template, 'AWS::CertificateManager::Certificate').Properties;
        expect(certificate.ValidationMethod).toBe('DNS');
        expect(certificate.DomainValidationOptions[0].HostedZoneId).toBe(
          STACK_CONFIG.prod.hostedZone.id,
        );
      }
      const records = resources(edge, 'AWS::Route53::RecordSet').map(([, r]) => r.Properties);
      expect(records.map((r) => r.Type).sort()).toEqual(['A', 'AAAA']);
      for (const r of records) expect(r.AliasTarget).toBeDefined();
      const dns = statementsOf(prod, roleIdNamed(prod, 'ibet-prod-external-dns'));
      const change = dns.find((s) => asList(s.Action).includes('route53:ChangeResourceRecordSets'));
      expect(JSON.stringify(change.Resource)).toContain(STACK_CONFIG.prod.hostedZone.id);
    });

    it('S12 sends notifications through an encrypted SQS queue with a dead-letter queue, and alarms through encrypted SNS', () => {
      const queues = resources(prod, 'AWS::SQS::Queue').map(
        ([id, q]) => [id, q.Properties] as const,
      );
      expect(queues).toHaveLength(2);
      for (const [, q] of queues) expect(refOf(q.KmsMasterKeyId) ?? q.KmsMasterKeyId).toBeDefined();
      const main = queues.find(([, q]) => q.RedrivePolicy)!;
      expect(main[1].RedrivePolicy.maxReceiveCount).toBe(5);
      for (const [, policy] of resources(prod, 'AWS::SQS::QueuePolicy')) {
        expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('aws:SecureTransport');
      }
      const topic = only(prod, 'AWS::SNS::Topic').Properties;
      expect(refOf(topic.KmsMasterKeyId) ?? topic.KmsMasterKeyId).toBeDefined();
      expect(only(prod, 'AWS::SNS::Subscription').Properties.Protocol).toBe('email');
    });

    it('S13 serves static content from CloudFront through origin access control, HTTPS only, behind a web ACL', () => {
      const distribution = only(edge, 'AWS::CloudFront::Distribution').Properties
        .DistributionConfig;
      expect(distribution.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
      expect(distribution.ViewerCertificate.MinimumProtocolVersion).toBe('TLSv1.2_2021');
      expect(distribution.Origins[0].OriginAccessControlId).toBeDefined();
      expect(distribution.Origins[0].S3OriginConfig.OriginAccessIdentity).toBe('');
      expect(distribution.WebACLId).toBeDefined();
      expect(only(edge, 'AWS::WAFv2::WebACL').Properties.Scope).toBe('CLOUDFRONT');
      expect(built.stacks.prod.edge.region).toBe('us-east-1');
      const oac = only(edge, 'AWS::CloudFront::OriginAccessControl').Properties
        .OriginAccessControlConfig;
      expect(oac.SigningBehavior).toBe('always');
    });

    it('S14 keeps files in S3 buckets for documents, backups, the audit archive and the static web', () => {
      expect(
        resources(prod, 'AWS::S3::Bucket')
          .map(([id]) => id.replace(/[A-F0-9]{8}$/, ''))
          .sort(),
      ).toEqual(['AuditArchiveBucket', 'BackupsBucket', 'DocumentsBucket', 'LogsBucket']);
      expect(
        resources(edge, 'AWS::S3::Bucket').map(([id]) => id.replace(/[A-F0-9]{8}$/, '')),
      ).toEqual(['StaticWebBucket']);
      // The audit archive cannot be rewritten: S3 Object Lock.
      const audit = resources(prod, 'AWS::S3::Bucket').find(([id]) =>
        id.startsWith('AuditArchive'),
      )![1];
      expect(audit.Properties.ObjectLockEnabled).toBe(true);
      expect(audit.Properties.ObjectLockConfiguration.Rule.DefaultRetention.Days).toBe(
        STACK_CONFIG.prod.auditRetentionDays,
      );
    });

    it('S15 offers Cognito as the staff identity provider, with MFA required, when enabled', () => {
      expect(resources(prod, 'AWS::Cognito::UserPool')).toHaveLength(0);
      const app = new App({ context: committedContext() });
      const { stacks } = buildApp({ app, configure: (c) => ({ ...c, staffSso: true }) });
      const pool = only(Template.fromStack(stacks.prod.main), 'AWS::Cognito::UserPool').Properties;
      expect(pool.MfaConfiguration).toBe('ON');
      expect(pool.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
      expect(pool.AdminCreateUserConfig.AllowAdminCreateUserOnly).toBe(true);
      expect(pool.Policies.PasswordPolicy.MinimumLength).toBeGreaterThanOrEqual(15);
    });

    it('S16 gives each application service account its own IAM role that only it can assume (IRSA)', () => {
      for (const workload of IRSA_WORKLOADS) {
        const id = roleIdNamed(prod, iamRoleName('prod', workload));
        const trust = prod.toJSON().Resources[id].Properties.AssumeRolePolicyDocument.Statement;
        expect(trust).toHaveLength(1);
        expect(trust[0].Action).toBe('sts:AssumeRoleWithWebIdentity');
        expect(refOf(trust[0].Principal.Federated)).toMatch(/OidcProvider/);
        // The condition names the namespace/service account (resolved at deploy by CfnJson).
        const conditionId = refOf(trust[0].Condition.StringEquals);
        const condition = prod.toJSON().Resources[conditionId!].Properties.Value;
        expect(JSON.stringify(condition)).toContain(
          `system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNTS[workload]}`,
        );
        expect(JSON.stringify(condition)).toContain('sts.amazonaws.com');
      }
      // The manifests' service accounts point at exactly these roles.
      const accounts = synthesize('prod').filter((o: Obj) => o.kind === 'ServiceAccount') as Obj[];
      for (const workload of IRSA_WORKLOADS) {
        const sa = accounts.find((a) => a.metadata.name === SERVICE_ACCOUNTS[workload]);
        expect(sa.metadata.annotations['eks.amazonaws.com/role-arn']).toMatch(
          new RegExp(`:role/${iamRoleName('prod', workload)}$`),
        );
      }
    });

    it('S17 grants each role only what its process needs (least privilege)', () => {
      const actions = (workload: (typeof IRSA_WORKLOADS)[number]) =>
        statementsOf(prod, roleIdNamed(prod, iamRoleName('prod', workload))).flatMap((s) =>
          asList(s.Action),
        );
      expect(actions('realtime')).toEqual([]);
      for (const workload of IRSA_WORKLOADS) {
        for (const action of actions(workload)) expect(action, workload).not.toMatch(/^\*$|:\*$/);
      }
      expect(actions('api').some((a) => a.startsWith('sqs:') || a.startsWith('ses:'))).toBe(false);
      expect(actions('worker')).toEqual(
        expect.arrayContaining(['sqs:SendMessage', 'ses:SendEmail', 'sns:Publish']),
      );
      const secrets = statementsOf(prod, roleIdNamed(prod, iamRoleName('prod', 'externalSecrets')));
      const read = secrets.find((s) => asList(s.Action).includes('secretsmanager:GetSecretValue'));
      expect(JSON.stringify(read.Resource)).toContain(':secret:ibet/prod/*');
      // The secrets the ExternalSecret reads are the ones the stack creates.
      const names = resources(prod, 'AWS::SecretsManager::Secret').map(
        ([, s]) => s.Properties.Name,
      );
      expect(names.sort()).toEqual(Object.values(secretNames('prod')).sort());
    });

    it('S18 makes MFA compulsory for administrators: the admin group denies all but MFA setup without it, and the cluster admin role needs it', () => {
      const group = only(prod, 'AWS::IAM::Group');
      const groupId = Object.keys(prod.findResources('AWS::IAM::Group'))[0]!;
      const statements = resources(prod, 'AWS::IAM::Policy')
        .filter(([, p]) => (p.Properties.Groups ?? []).some((g: Obj) => refOf(g) === groupId))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
      const deny = statements.find((s) => s.Effect === 'Deny');
      expect(deny.Condition).toEqual({ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } });
      expect(deny.NotAction).toContain('iam:EnableMFADevice');
      expect(group.Properties.GroupName).toBe('ibet-prod-administrators');
      const admin =
        prod.toJSON().Resources[roleIdNamed(prod, 'ibet-prod-cluster-admin')].Properties;
      expect(admin.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
        Bool: { 'aws:MultiFactorAuthPresent': 'true' },
      });
      const access = only(prod, 'AWS::EKS::AccessEntry').Properties;
      expect(JSON.stringify(access.AccessPolicies[0].PolicyArn)).toContain(
        'AmazonEKSClusterAdminPolicy',
      );
    });

    it('S19 alarms when the root account is used or someone signs in to the console without MFA', () => {
      const filters = resources(prod, 'AWS::Logs::MetricFilter').map(([, f]) => f.Properties);
      const names = filters.map((f) => f.MetricTransformations[0].MetricName);
      expect(names).toEqual(expect.arrayContaining(['RootAccountUsed', 'ConsoleSignInWithoutMfa']));
      for (const name of ['RootAccountUsed', 'ConsoleSignInWithoutMfa']) {
        prod.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: name,
          AlarmActions: Match.anyValue(),
        });
      }
    });

    it('S20 separates the tiers into public, private-app and isolated-data subnets', () => {
      const subnets = resources(prod, 'AWS::EC2::Subnet').map(([, s]) => s.Properties);
      const byType = (type: string) =>
        subnets
          .filter((s) =>
            s.Tags.some((t: Obj) => t.Key === 'aws-cdk:subnet-type' && t.Value === type),
          )
          .map((s) => s.CidrBlock)
          .sort();
      expect(byType('Public')).toEqual([...NETWORK.subnets.public.cidrs]);
      expect(byType('Private')).toEqual([...NETWORK.subnets.privateApp.cidrs]);
      expect(byType('Isolated')).toEqual([...NETWORK.subnets.isolatedData.cidrs]);
      for (const s of subnets.filter((s) => s.Tags.some((t: Obj) => t.Value === 'Public'))) {
        expect(s.MapPublicIpOnLaunch).toBe(false);
      }
      // The cluster, its nodes and the data stores sit where they belong.
      const nodeSubnets = only(prod, 'AWS::EKS::Nodegroup').Properties.Subnets.map(refOf);
      expect(nodeSubnets.every((id: string) => id.startsWith('Vpcprivateapp'))).toBe(true);
      const dbSubnets = only(prod, 'AWS::RDS::DBSubnetGroup').Properties.SubnetIds.map(refOf);
      expect(dbSubnets.every((id: string) => id.startsWith('Vpcisolateddata'))).toBe(true);
      const redisSubnets = only(prod, 'AWS::ElastiCache::SubnetGroup').Properties.SubnetIds.map(
        refOf,
      );
      expect(redisSubnets.every((id: string) => id.startsWith('Vpcisolateddata'))).toBe(true);
    });

    it('S21 logs all VPC traffic to S3, kept 90 days before Glacier', () => {
      const flow = only(prod, 'AWS::EC2::FlowLog').Properties;
      expect(flow.TrafficType).toBe('ALL');
      expect(flow.LogDestinationType).toBe('s3');
      expect(JSON.stringify(flow.LogDestination)).toContain('LogsBucket');
      const logsBucket = resources(prod, 'AWS::S3::Bucket').find(([id]) =>
        id.startsWith('LogsBucket'),
      )![1];
      const rule = logsBucket.Properties.LifecycleConfiguration.Rules[0];
      expect(rule.Transitions).toEqual([{ StorageClass: 'GLACIER', TransitionInDays: 90 }]);
    });

    it('S22 opens security groups and network ACLs only as far as needed', () => {
      const groups = resources(prod, 'AWS::EC2::SecurityGroup').map(
        ([id, g]) => [id, g.Properties] as const,
      );
      for (const [id, g] of groups) {
        for (const rule of g.SecurityGroupIngress ?? []) {
          expect(rule.CidrIp, id).not.toBe('0.0.0.0/0');
        }
      }
      const ingress = resources(prod, 'AWS::EC2::SecurityGroupIngress').map(
        ([, r]) => r.Properties,
      );
      expect(ingress.map((r) => r.FromPort).sort()).toEqual([
        NETWORK.postgresPort,
        NETWORK.redisPort,
      ]);
      for (const r of ingress) {
        expect(r.SourceSecurityGroupId).toBeDefined();
        expect(r.CidrIp).toBeUndefined();
      }
      for (const id of ['DatabaseSecurityGroup', 'RedisSecurityGroup']) {
        const [, g] = groups.find(([gid]) => gid.startsWith(id))!;
        expect(g.SecurityGroupEgress).toEqual([
          expect.objectContaining({ CidrIp: '255.255.255.255/32' }),
        ]);
      }
      const entries = resources(prod, 'AWS::EC2::NetworkAclEntry').map(([, e]) => e.Properties);
      const inbound = entries.filter((e) => !e.Egress);
      const appCidrs: string[] = [...NETWORK.subnets.privateApp.cidrs];
      const dataCidrs: string[] = [...NETWORK.subnets.isolatedData.cidrs];
      for (const e of inbound) {
        if (appCidrs.includes(e.CidrBlock)) {
          expect([NETWORK.postgresPort, NETWORK.redisPort]).toContain(e.PortRange.From);
          expect(e.PortRange.From).toBe(e.PortRange.To);
        } else {
          expect(dataCidrs, e.CidrBlock).toContain(e.CidrBlock);
        }
        expect(e.RuleAction).toBe('allow');
      }
      expect(entries.some((e) => e.CidrBlock === '0.0.0.0/0')).toBe(false);
    });

    it('S23 encrypts every bucket on the server side (SSE-S3 AES-256 for logs and static web, SSE-KMS for data)', () => {
      for (const template of [prod, edge]) {
        for (const [id, b] of resources(template, 'AWS::S3::Bucket')) {
          const sse =
            b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]
              .ServerSideEncryptionByDefault;
          expect(['AES256', 'aws:kms'], id).toContain(sse.SSEAlgorithm);
          if (/^(Documents|Backups|AuditArchive)/.test(id))
            expect(sse.SSEAlgorithm, id).toBe('aws:kms');
        }
      }
    });

    it('S24 snapshots tagged EBS volumes on a lifecycle (Data Lifecycle Manager) and backs them up', () => {
      const policy = only(prod, 'AWS::DLM::LifecyclePolicy').Properties;
      expect(policy.State).toBe('ENABLED');
      expect(policy.PolicyDetails.ResourceTypes).toEqual(['VOLUME']);
      expect(policy.PolicyDetails.TargetTags).toEqual([{ Key: 'ibet:backup', Value: 'true' }]);
      expect(policy.PolicyDetails.Schedules[0].RetainRule.Count).toBeGreaterThanOrEqual(7);
      const selection = only(prod, 'AWS::Backup::BackupSelection').Properties.BackupSelection;
      expect(selection.ListOfTags).toEqual([
        { ConditionKey: 'ibet:backup', ConditionType: 'STRINGEQUALS', ConditionValue: 'true' },
      ]);
    });

    it('S25 monitors with CloudWatch: actionable alarms on database, cache, queues and nodes, and a dashboard', () => {
      const alarms = resources(prod, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
      const metrics = alarms.map((a) => `${a.Namespace}/${a.MetricName}`);
      expect(metrics).toEqual(
        expect.arrayContaining([
          'AWS/RDS/CPUUtilization',
          'AWS/RDS/AuroraReplicaLagMaximum',
          'AWS/ElastiCache/EngineCPUUtilization',
          'AWS/SQS/ApproximateNumberOfMessagesVisible',
          'ContainerInsights/node_cpu_utilization',
        ]),
      );
      const topicId = Object.keys(prod.findResources('AWS::SNS::Topic'))[0];
      for (const a of alarms) expect(a.AlarmActions.map(refOf), a.AlarmName).toEqual([topicId]);
      const dashboard = only(prod, 'AWS::CloudWatch::Dashboard').Properties;
      expect(JSON.stringify(dashboard.DashboardBody)).toContain('AuroraReplicaLagMaximum');
      const insights = resources(prod, 'AWS::EKS::Addon').find(
        ([, a]) => a.Properties.AddonName === 'amazon-cloudwatch-observability',
      )![1];
      expect(refOf(insights.Properties.ServiceAccountRoleArn)).toBe(
        roleIdNamed(prod, 'ibet-prod-cloudwatch-agent'),
      );
      const [[, edgeAlarm]] = resources(edge, 'AWS::CloudWatch::Alarm') as [[string, Obj]];
      const edgeTopic = only(edge, 'AWS::SNS::Topic');
      expect(edgeAlarm.Properties.AlarmActions.map(refOf)).toEqual(
        Object.keys(edge.findResources('AWS::SNS::Topic')),
      );
      expect(edgeTopic.Properties.KmsMasterKeyId).toBeDefined();
    });

    it('S26 throttles abusive clients at the edge with a per-IP rate rule (in place of API Gateway throttling)', () => {
      for (const template of [prod, edge]) {
        const acl = only(template, 'AWS::WAFv2::WebACL').Properties;
        const rate = acl.Rules.find((r: Obj) => r.Statement.RateBasedStatement);
        expect(rate.Action).toEqual({ Block: {} });
        const managed = acl.Rules.map(
          (r: Obj) => r.Statement.ManagedRuleGroupStatement?.Name,
        ).filter(Boolean);
        expect(managed).toEqual(
          expect.arrayContaining([
            'AWSManagedRulesCommonRuleSet',
            'AWSManagedRulesKnownBadInputsRuleSet',
          ]),
        );
      }
    });
  });

  describe('Well-Architected rules of issue 10', () => {
    it('W01 every bucket blocks public access, enforces TLS, is versioned and moves to Glacier', () => {
      for (const template of [prod, edge, templates.dev.main, templates.dev.edge]) {
        const policies = resources(template, 'AWS::S3::BucketPolicy').map(([, p]) => p.Properties);
        for (const [id, b] of resources(template, 'AWS::S3::Bucket')) {
          expect(b.Properties.PublicAccessBlockConfiguration, id).toEqual({
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          });
          expect(b.Properties.VersioningConfiguration, id).toEqual({ Status: 'Enabled' });
          expect(b.DeletionPolicy, id).toBe('Retain');
          const policy = policies.find((p) => refOf(p.Bucket) === id);
          const denyInsecure = policy.PolicyDocument.Statement.find(
            (s: Obj) =>
              s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
          );
          expect(denyInsecure, id).toBeDefined();
          const rule = b.Properties.LifecycleConfiguration.Rules[0];
          expect(rule.NoncurrentVersionTransitions[0], id).toMatchObject({
            StorageClass: 'GLACIER',
            TransitionInDays: 90,
          });
        }
      }
    });

    it('W02 Aurora has a reader in a second AZ and backups of at least 7 days in every stage', () => {
      for (const stage of STAGES) {
        const t = templates[stage].main;
        const zones = resources(t, 'AWS::RDS::DBInstance').map(
          ([, i]) => i.Properties.AvailabilityZone,
        );
        expect(new Set(zones).size, stage).toBe(2);
        expect(
          only(t, 'AWS::RDS::DBCluster').Properties.BackupRetentionPeriod,
        ).toBeGreaterThanOrEqual(7);
      }
    });

    it('W03 the data subnets have no route to the internet, and the app subnets leave only through NAT', () => {
      const t = prod.toJSON().Resources;
      const routes = resources(prod, 'AWS::EC2::Route').map(([, r]) => r.Properties);
      const associations = resources(prod, 'AWS::EC2::SubnetRouteTableAssociation').map(
        ([, a]) => a.Properties,
      );
      const tableOf = (prefix: string) =>
        associations
          .filter((a) => refOf(a.SubnetId)!.startsWith(prefix))
          .map((a) => refOf(a.RouteTableId));
      for (const table of tableOf('Vpcisolateddata')) {
        expect(routes.filter((r) => refOf(r.RouteTableId) === table)).toEqual([]);
      }
      for (const table of tableOf('Vpcprivateapp')) {
        const own = routes.filter((r) => refOf(r.RouteTableId) === table);
        expect(own).toHaveLength(1);
        expect(own[0].DestinationCidrBlock).toBe('0.0.0.0/0');
        expect(t[refOf(own[0].NatGatewayId)!].Type).toBe('AWS::EC2::NatGateway');
      }
      for (const table of tableOf('Vpcpublic')) {
        const own = routes.filter((r) => refOf(r.RouteTableId) === table);
        expect(own.map((r) => t[refOf(r.GatewayId)!].Type)).toEqual(['AWS::EC2::InternetGateway']);
      }
      // Aurora and Redis are not reachable from outside the VPC in any case.
      for (const [, i] of resources(prod, 'AWS::RDS::DBInstance'))
        expect(i.Properties.PubliclyAccessible).toBe(false);
    });

    it('W04 ElastiCache Redis is multi-AZ with automatic failover, encrypted in transit and at rest, with an AUTH token', () => {
      for (const stage of STAGES) {
        const redis = only(templates[stage].main, 'AWS::ElastiCache::ReplicationGroup').Properties;
        expect(redis.MultiAZEnabled).toBe(true);
        expect(redis.AutomaticFailoverEnabled).toBe(true);
        expect(redis.NumCacheClusters).toBeGreaterThanOrEqual(2);
        expect(new Set(redis.PreferredCacheClusterAZs).size).toBe(2);
        expect(redis.AtRestEncryptionEnabled).toBe(true);
        expect(redis.TransitEncryptionEnabled).toBe(true);
        expect(redis.TransitEncryptionMode).toBe('required');
        expect(JSON.stringify(redis.AuthToken)).toContain('resolve:secretsmanager');
      }
    });

    it('W05 Aurora refuses unencrypted connections and logs slow statements', () => {
      const params = only(prod, 'AWS::RDS::DBClusterParameterGroup').Properties.Parameters;
      expect(params['rds.force_ssl']).toBe('1');
      expect(only(prod, 'AWS::RDS::DBCluster').Properties.EnableCloudwatchLogsExports).toEqual([
        'postgresql',
      ]);
    });

    it('W06 secrets live in Secrets Manager, never in the templates or manifests', () => {
      const json = JSON.stringify(prod.toJSON());
      expect(json).not.toMatch(/"MasterUserPassword":\s*"[^{]/);
      const cluster = only(prod, 'AWS::RDS::DBCluster').Properties;
      expect(JSON.stringify(cluster.MasterUserPassword)).toContain('resolve:secretsmanager');
      for (const stage of STAGES) {
        const objects = synthesize(stage) as Obj[];
        expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
      }
    });

    it('W07 the NetworkPolicies admit exactly the subnets the stack gives the load balancer and the data stores', () => {
      const subnets = resources(prod, 'AWS::EC2::Subnet').map(
        ([id, s]) => [id, s.Properties.CidrBlock] as const,
      );
      const cidrs = (prefix: string) =>
        subnets
          .filter(([id]) => id.startsWith(prefix))
          .map(([, c]) => c)
          .sort();
      expect(cidrs('Vpcpublic')).toEqual([...NETWORK.subnets.public.cidrs]);
      expect(cidrs('Vpcisolateddata')).toEqual([...NETWORK.subnets.isolatedData.cidrs]);
      expect(only(prod, 'AWS::EC2::VPC').Properties.CidrBlock).toBe(NETWORK.vpcCidr);
    });

    it('W08 every stack and every resource that holds data is protected from deletion in prod', () => {
      expect(built.stacks.prod.main.terminationProtection).toBe(true);
      expect(built.stacks.prod.edge.terminationProtection).toBe(true);
      expect(only(prod, 'AWS::RDS::DBCluster').DeletionPolicy).toBe('Snapshot');
      expect(only(prod, 'AWS::KMS::Key').DeletionPolicy).toBe('Retain');
      expect(only(prod, 'AWS::ECR::Repository').DeletionPolicy).toBe('Retain');
      const repo = only(prod, 'AWS::ECR::Repository').Properties;
      expect(repo.ImageScanningConfiguration).toEqual({ ScanOnPush: true });
      expect(repo.ImageTagMutability).toBe('IMMUTABLE');
    });

    it('W09 the VPC CNI enforces the NetworkPolicies', () => {
      const cni = resources(prod, 'AWS::EKS::Addon').find(
        ([, a]) => a.Properties.AddonName === 'vpc-cni',
      )![1];
      expect(JSON.parse(cni.Properties.ConfigurationValues)).toEqual({
        enableNetworkPolicy: 'true',
      });
    });
  });
});
