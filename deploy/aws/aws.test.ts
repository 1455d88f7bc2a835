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
  APP_PORT,
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
        for (const stack of [stacks[stage].main, stacks[stage].edge, stacks[stage].dr]) {
          const artifact = assembly.getStackArtifact(stack.artifactId);
          expect(artifact.template.Resources).toBeDefined();
        }
      }
      expect(assembly.manifest.missing ?? []).toEqual([]);
      // …and the templates committed under deploy/aws/dist are exactly these.
      expect(drift()).toEqual([]);
    });

    it('S10 puts a Network Load Balancer in the public subnets of both zones, cross-zone, with TLS, that only CloudFront and the partner API reach', () => {
      const nlb = only(prod, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties;
      expect(nlb.Type).toBe('network');
      expect(nlb.Scheme).toBe('internet-facing');
      const subnets = resources(prod, 'AWS::EC2::Subnet');
      const cidrOf = (ref: Obj) =>
        subnets.find(([id]) => id === refOf(ref))![1].Properties.CidrBlock;
      expect(nlb.Subnets.map(cidrOf).sort()).toEqual([...NETWORK.subnets.public.cidrs]);
      expect(nlb.LoadBalancerAttributes).toEqual(
        expect.arrayContaining([
          { Key: 'load_balancing.cross_zone.enabled', Value: 'true' },
          { Key: 'deletion_protection.enabled', Value: 'true' },
        ]),
      );
      // Its security groups admit CloudFront's origin-facing addresses only, one port each.
      const ingress = resources(prod, 'AWS::EC2::SecurityGroupIngress').map(
        ([, r]) => r.Properties,
      );
      expect(nlb.SecurityGroups).toHaveLength(2);
      for (const ref of nlb.SecurityGroups) {
        const group = prod.toJSON().Resources[refOf(ref)!].Properties;
        expect(group.SecurityGroupIngress).toBeUndefined();
        const rules = ingress.filter((r) => refOf(r.GroupId) === refOf(ref));
        expect(rules).toEqual([
          expect.objectContaining({ SourcePrefixListId: STACK_CONFIG.prod.cloudFrontPrefixList }),
        ]);
      }
      expect(nlb.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic).toBe('off');
      const listeners = resources(prod, 'AWS::ElasticLoadBalancingV2::Listener').map(
        ([, l]) => l.Properties,
      );
      expect(listeners.map((l) => [l.Protocol, l.Port]).sort()).toEqual([
        ['TLS', 443],
        ['TLS', 8443],
      ]);
      for (const l of listeners) {
        expect(l.SslPolicy).toMatch(/TLS13/);
        // The certificate: the ApiCertificateArn parameter, or the stack's own.
        expect(JSON.stringify(l.Certificates)).toContain('ApiCertificateArn');
      }
      const certificate = only(prod, 'AWS::CertificateManager::Certificate').Properties;
      expect(certificate.DomainName).toBe(`origin.${STAGE_SETTINGS.prod.publicHost}`);
      expect(certificate.SubjectAlternativeNames).toEqual([STACK_CONFIG.prod.partnerHost]);
    });

    it('S11 uses Route 53: DNS-validated certificates, aliases for the site and the static web, and an external-dns role bound to the zone', () => {
      for (const template of [prod, edge]) {
        for (const [, c] of resources(template, 'AWS::CertificateManager::Certificate')) {
          expect(c.Properties.ValidationMethod).toBe('DNS');
          expect(c.Properties.DomainValidationOptions[0].HostedZoneId).toBe(
            STACK_CONFIG.prod.hostedZone.id,
          );
        }
      }
      const records = [
        ...resources(edge, 'AWS::Route53::RecordSet'),
        ...resources(prod, 'AWS::Route53::RecordSet'),
      ].map(([, r]) => r.Properties);
      const names = (type: string) =>
        records
          .filter((r) => r.Type === type)
          .map((r) => r.Name)
          .sort();
      const { publicHost, staticHost, partnerHost } = STACK_CONFIG.prod;
      expect(names('A')).toEqual(
        [
          `${partnerHost}.`,
          `${partnerHost}.`,
          `origin.${publicHost}.`,
          `${publicHost}.`,
          `${staticHost}.`,
        ].sort(),
      );
      expect(names('AAAA')).toEqual([`${publicHost}.`, `${staticHost}.`].sort());
      for (const r of records) expect(r.AliasTarget).toBeDefined();
      const dns = statementsOf(prod, roleIdNamed(prod, 'ibet-prod-external-dns'));
      const change = dns.find((s) => asList(s.Action).includes('route53:ChangeResourceRecordSets'));
      expect(JSON.stringify(change.Resource)).toContain(STACK_CONFIG.prod.hostedZone.id);
    });

    it('S12 sends notifications through an encrypted SQS queue with a dead-letter queue, and alarms through encrypted SNS', () => {
      const queues = resources(prod, 'AWS::SQS::Queue').map(
        ([id, q]) => [id, q.Properties] as const,
      );
      // Notifications and their dead letters, and one dead-letter queue per iBet function.
      const functions = resources(prod, 'AWS::Lambda::Function').filter(([, f]) =>
        f.Properties.FunctionName?.startsWith('ibet-'),
      );
      expect(queues).toHaveLength(2 + functions.length);
      for (const [id, q] of queues)
        expect(q.KmsMasterKeyId ?? q.SqsManagedSseEnabled, id).toBeTruthy();
      const main = queues.find(([, q]) => q.RedrivePolicy)!;
      expect(main[1].QueueName).toBe('ibet-prod-notifications');
      expect(main[1].RedrivePolicy.maxReceiveCount).toBe(5);
      for (const [, policy] of resources(prod, 'AWS::SQS::QueuePolicy')) {
        expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('aws:SecureTransport');
      }
      const topic = only(prod, 'AWS::SNS::Topic').Properties;
      expect(refOf(topic.KmsMasterKeyId) ?? topic.KmsMasterKeyId).toBeDefined();
      expect(only(prod, 'AWS::SNS::Subscription').Properties.Protocol).toBe('email');
    });

    it('S13 serves static content and the site from CloudFront: origin access control, HTTPS only, behind a web ACL', () => {
      const distributions = resources(edge, 'AWS::CloudFront::Distribution').map(
        ([id, d]) => [id, d.Properties.DistributionConfig] as const,
      );
      expect(distributions.map(([id]) => id.replace(/[A-F0-9]{8}$/, '')).sort()).toEqual([
        'PartnerMaintenance',
        'PublicSite',
        'StaticWeb',
      ]);
      const acl = Object.keys(edge.findResources('AWS::WAFv2::WebACL'))[0];
      for (const [id, d] of distributions) {
        expect(d.DefaultCacheBehavior.ViewerProtocolPolicy, id).toMatch(/^(redirect-to-)?https/);
        expect(d.ViewerCertificate.MinimumProtocolVersion, id).toBe('TLSv1.2_2021');
        expect(refOf(d.WebACLId), id).toBe(acl);
        for (const o of d.Origins.filter((o: Obj) => o.S3OriginConfig)) {
          expect(o.OriginAccessControlId, id).toBeDefined();
          expect(o.S3OriginConfig.OriginAccessIdentity, id).toBe('');
        }
      }
      expect(only(edge, 'AWS::WAFv2::WebACL').Properties.Scope).toBe('CLOUDFRONT');
      expect(built.stacks.prod.edge.region).toBe('us-east-1');
      for (const [, oac] of resources(edge, 'AWS::CloudFront::OriginAccessControl')) {
        expect(oac.Properties.OriginAccessControlConfig.SigningBehavior).toBe('always');
      }
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
      // CloudFront to the load balancer's two listeners; the app port from the load balancer
      // (one rule per listener group), Postgres and Redis from the cluster.
      expect(ingress.map((r) => r.FromPort).sort((a, b) => a - b)).toEqual([
        443,
        APP_PORT,
        APP_PORT,
        NETWORK.postgresPort,
        NETWORK.redisPort,
        8443,
      ]);
      for (const r of ingress) {
        expect(r.SourceSecurityGroupId ?? r.SourcePrefixListId).toBeDefined();
        expect(r.CidrIp).toBeUndefined();
        expect(r.FromPort).toBe(r.ToPort);
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

    it('S26 throttles abusive clients: a per-IP rate rule on every web ACL, and API Gateway stage limits for partners', () => {
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
      const stage = only(prod, 'AWS::ApiGateway::Stage').Properties;
      expect(stage.MethodSettings[0]).toMatchObject({
        ThrottlingRateLimit: STACK_CONFIG.prod.partnerApi.rateLimit,
        ThrottlingBurstLimit: STACK_CONFIG.prod.partnerApi.burstLimit,
      });
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

  describe('edge and automation of issue 13', () => {
    const R = () => prod.toJSON().Resources as Record<string, Obj>;
    const fn = (name: string) => {
      const found = resources(prod, 'AWS::Lambda::Function').find(
        ([, f]) => f.Properties.FunctionName === `ibet-prod-${name}`,
      );
      if (!found) throw new Error(`no function ${name}`);
      return { id: found[0], props: found[1].Properties };
    };
    const roleStatements = (functionName: string) =>
      statementsOf(prod, refOf(fn(functionName).props.Role)!);

    it('E01 balances across zones: the NLB target groups send to pod IPs, check /readyz, and outwait the shutdown delay', () => {
      const groups = resources(prod, 'AWS::ElasticLoadBalancingV2::TargetGroup').map(
        ([, g]) => g.Properties,
      );
      expect(groups.map((g) => g.Name).sort()).toEqual(['ibet-prod-api', 'ibet-prod-realtime']);
      const k8s = synthesize('prod') as Obj[];
      const config = k8s.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'ibet-config');
      for (const g of groups) {
        expect(g.TargetType).toBe('ip');
        expect(g.Port).toBe(APP_PORT);
        expect(g.HealthCheckPath).toBe('/readyz');
        const attrs = Object.fromEntries(g.TargetGroupAttributes.map((a: Obj) => [a.Key, a.Value]));
        // The pods see the load balancer's address: the one their NetworkPolicy admits.
        expect(attrs['preserve_client_ip.enabled']).toBe('false');
        expect(Number(attrs['deregistration_delay.timeout_seconds'])).toBeGreaterThan(
          Number(config.data.IBET_SHUTDOWN_DELAY_SECONDS),
        );
        // The manifests bind exactly these groups (by name, until the overlay sets the ARN).
        const binding = k8s.find(
          (o) =>
            o.kind === 'TargetGroupBinding' &&
            g.Name === o.metadata.name.replace('ibet-', 'ibet-prod-'),
        );
        expect(binding.spec.targetGroupARN).toContain(`:targetgroup/${g.Name}/`);
      }
      const listeners = resources(prod, 'AWS::ElasticLoadBalancingV2::Listener').map(
        ([, l]) => l.Properties,
      );
      const targetOf = (port: number) =>
        R()[refOf(listeners.find((l) => l.Port === port).DefaultActions[0].TargetGroupArn)!]
          .Properties.Name;
      expect(targetOf(443)).toBe('ibet-prod-api');
      expect(targetOf(8443)).toBe('ibet-prod-realtime');
      const lb = only(prod, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties;
      expect(lb.LoadBalancerAttributes).toContainEqual({
        Key: 'load_balancing.cross_zone.enabled',
        Value: 'true',
      });
    });

    it('E02 gives the Load Balancer Controller (IRSA) only target registration on the two groups, and the NLB the app port only', () => {
      const id = roleIdNamed(prod, 'ibet-prod-aws-load-balancer-controller');
      const trust = R()[id].Properties.AssumeRolePolicyDocument.Statement[0];
      const condition = R()[refOf(trust.Condition.StringEquals)!].Properties.Value;
      expect(JSON.stringify(condition)).toContain(
        'system:serviceaccount:kube-system:aws-load-balancer-controller',
      );
      const statements = statementsOf(prod, id);
      const write = statements.filter((s) =>
        asList(s.Action).some((a: string) => !/:Describe/.test(a)),
      );
      expect(write).toHaveLength(1);
      expect(asList(write[0].Action).sort()).toEqual([
        'elasticloadbalancing:DeregisterTargets',
        'elasticloadbalancing:RegisterTargets',
      ]);
      expect(asList(write[0].Resource).map(refOf).sort()).toEqual(
        Object.keys(prod.findResources('AWS::ElasticLoadBalancingV2::TargetGroup')).sort(),
      );
      const all = statements.flatMap((s) => asList(s.Action));
      expect(all.some((a) => /Create|Delete|Modify|Authorize/.test(a))).toBe(false);
      // The cluster admits the load balancer's groups on the app port and nothing else.
      const fromLb = resources(prod, 'AWS::EC2::SecurityGroupIngress')
        .map(([, r]) => r.Properties)
        .filter((r) => r.FromPort === APP_PORT);
      expect(fromLb).toHaveLength(2);
      for (const r of fromLb) expect(r.ToPort).toBe(APP_PORT);
    });

    it('E03 serves the partner API on API Gateway (REST: a web ACL attaches) over a VPC link to the NLB, every B2B call authorized', () => {
      const api = only(prod, 'AWS::ApiGateway::RestApi').Properties;
      expect(api.EndpointConfiguration.Types).toEqual(['REGIONAL']);
      const link = only(prod, 'AWS::ApiGateway::VpcLink').Properties;
      expect(link.TargetArns.map(refOf)).toEqual(
        Object.keys(prod.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer')),
      );
      const methods = resources(prod, 'AWS::ApiGateway::Method').map(([, m]) => m.Properties);
      const origin = `https://origin.${STACK_CONFIG.prod.publicHost}`;
      for (const m of methods) {
        expect(m.Integration.ConnectionType).toBe('VPC_LINK');
        expect(m.Integration.Uri.startsWith(origin)).toBe(true);
      }
      const open = methods.filter((m) => m.AuthorizationType === 'NONE');
      expect(open.map((m) => m.Integration.Uri)).toEqual([`${origin}/readyz`]);
      const b2b = methods.find((m) => m.Integration.Uri === `${origin}/api/v1/b2b/{proxy}`);
      expect(b2b).toMatchObject({ HttpMethod: 'ANY', AuthorizationType: 'CUSTOM' });
      const domain = only(prod, 'AWS::ApiGateway::DomainName').Properties;
      expect(domain).toMatchObject({
        DomainName: STACK_CONFIG.prod.partnerHost,
        SecurityPolicy: 'TLS_1_2',
      });
    });

    it('E04 authorizes partner keys with a Lambda that asks iBet (GET /api/v1/b2b/me), caching the answer per key', () => {
      const authorizer = only(prod, 'AWS::ApiGateway::Authorizer').Properties;
      expect(authorizer.Type).toBe('REQUEST');
      expect(authorizer.IdentitySource).toBe('method.request.header.X-Api-Key');
      expect(authorizer.AuthorizerResultTtlInSeconds).toBe(
        STACK_CONFIG.prod.partnerApi.authorizerCacheSeconds,
      );
      expect(authorizer.AuthorizerResultTtlInSeconds).toBeGreaterThan(0);
      const { id, props } = fn('partner-authorizer');
      expect(JSON.stringify(authorizer.AuthorizerUri)).toContain(id);
      expect(props.Environment.Variables.IBET_API_URL).toBe(
        `https://${STACK_CONFIG.prod.publicHost}`,
      );
      // The authorizer needs no AWS permission beyond its logs.
      expect(roleStatements('partner-authorizer').flatMap((s) => asList(s.Action))).toEqual(
        expect.not.arrayContaining([expect.stringMatching(/^(s3|kms|secretsmanager|rds|ec2):/)]),
      );
    });

    it('E05 throttles the partner API per stage and logs every call with its partner and key to CloudWatch Logs', () => {
      const stage = only(prod, 'AWS::ApiGateway::Stage').Properties;
      expect(stage.MethodSettings).toEqual([
        expect.objectContaining({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: STACK_CONFIG.prod.partnerApi.rateLimit,
          ThrottlingBurstLimit: STACK_CONFIG.prod.partnerApi.burstLimit,
          MetricsEnabled: true,
        }),
      ]);
      const format = JSON.parse(stage.AccessLogSetting.Format);
      expect(format).toMatchObject({
        partnerId: '$context.authorizer.partnerId',
        keyId: '$context.authorizer.keyId',
        status: '$context.status',
        ip: '$context.identity.sourceIp',
      });
      const logGroup = R()[refOf(stage.AccessLogSetting.DestinationArn)!];
      expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
      expect(logGroup.Properties.RetentionInDays).toBe(365);
      expect(only(prod, 'AWS::ApiGateway::Account').Properties.CloudWatchRoleArn).toBeDefined();
    });

    it('E06 puts the regional web ACL in front of the partner API stage', () => {
      const association = only(prod, 'AWS::WAFv2::WebACLAssociation').Properties;
      expect(refOf(association.WebACLArn)).toBe(
        Object.keys(prod.findResources('AWS::WAFv2::WebACL'))[0],
      );
      expect(JSON.stringify(association.ResourceArn)).toContain('/stages/');
      expect(only(prod, 'AWS::WAFv2::WebACL').Properties.Scope).toBe('REGIONAL');
      // No HTTP API: a web ACL cannot attach to one.
      expect(resources(prod, 'AWS::ApiGatewayV2::Api')).toEqual([]);
    });

    it('E07 gives every Lambda function a dead-letter queue, retries, bounded logs and alarms on errors, throttles and dead letters', () => {
      const functions = resources(prod, 'AWS::Lambda::Function').filter(([, f]) =>
        f.Properties.FunctionName?.startsWith('ibet-'),
      );
      expect(functions.map(([, f]) => f.Properties.FunctionName).sort()).toEqual([
        'ibet-prod-audit-verify',
        'ibet-prod-ledger-check',
        'ibet-prod-partner-authorizer',
        'ibet-prod-snapshot-copy',
      ]);
      const topic = Object.keys(prod.findResources('AWS::SNS::Topic'))[0];
      const alarms = resources(prod, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
      const configs = resources(prod, 'AWS::Lambda::EventInvokeConfig').map(
        ([, c]) => c.Properties,
      );
      for (const [id, f] of functions) {
        const p = f.Properties;
        expect(p.Runtime, id).toMatch(/^nodejs2[2-9]|^nodejs[3-9]\d/);
        const dlq = R()[refOf(p.DeadLetterConfig.TargetArn)!];
        expect(dlq.Type, id).toBe('AWS::SQS::Queue');
        expect(
          dlq.Properties.SqsManagedSseEnabled ?? dlq.Properties.KmsMasterKeyId,
          id,
        ).toBeTruthy();
        expect(configs.find((c) => refOf(c.FunctionName) === id)?.MaximumRetryAttempts, id).toBe(2);
        expect(R()[refOf(p.LoggingConfig.LogGroup)!].Properties.RetentionInDays, id).toBe(90);
        const own = alarms.filter(
          (a) =>
            a.Dimensions?.some((d: Obj) => refOf(d.Value) === id) ||
            a.Dimensions?.some((d: Obj) => refOf(d.Value) === refOf(p.DeadLetterConfig.TargetArn)),
        );
        expect(own.map((a) => a.MetricName).sort(), id).toEqual([
          'ApproximateNumberOfMessagesVisible',
          'Errors',
          'Throttles',
        ]);
        for (const a of own) expect(a.AlarmActions.map(refOf), id).toEqual([topic]);
      }
      // …and the dashboard shows them with the partner API and the NLB's healthy pods.
      const body = JSON.stringify(
        only(prod, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody,
      );
      for (const title of [
        'Automations and partner API',
        'Partner API: calls',
        'NLB: healthy pods',
      ])
        expect(body).toContain(title);
      expect(body).toContain('HealthyHostCount');
    });

    it('E08 runs the nightly ledger check on a schedule with retries and a dead-letter queue, reading only its own secret, and alarms when the ledger does not hold', () => {
      const rules = resources(prod, 'AWS::Events::Rule').map(([, r]) => r.Properties);
      expect(rules).toHaveLength(3);
      for (const r of rules) {
        expect(r.ScheduleExpression).toMatch(/^cron\(/);
        const [target] = r.Targets;
        expect(target.RetryPolicy.MaximumRetryAttempts).toBe(2);
        expect(R()[refOf(target.DeadLetterConfig.Arn)!].Type).toBe('AWS::SQS::Queue');
      }
      const { id, props } = fn('ledger-check');
      expect(rules.some((r) => refOf(r.Targets[0].Arn) === id)).toBe(true);
      expect(props.Environment.Variables.IBET_API_URL).toBe(
        `https://${STACK_CONFIG.prod.publicHost}`,
      );
      const secretId = refOf(props.Environment.Variables.IBET_AUTOMATION_SECRET_ID)!;
      expect(R()[secretId].Properties.Name).toBe(secretNames('prod').automation);
      const statements = roleStatements('ledger-check');
      const read = statements.find((s) =>
        asList(s.Action).includes('secretsmanager:GetSecretValue'),
      );
      expect(asList(read.Resource).map(refOf)).toEqual([secretId]);
      prod.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'iBet/Automation',
        MetricName: 'LedgerImbalanced',
        Dimensions: [{ Name: 'Check', Value: 'ledger' }],
        AlarmActions: Match.anyValue(),
      });
    });

    it('E09 verifies the audit archive daily with read-only access to its prefix, trusting only the public key it is given', () => {
      const { props } = fn('audit-verify');
      const env = props.Environment.Variables;
      expect(refOf(env.IBET_AUDIT_BUCKET)).toMatch(/^AuditArchiveBucket/);
      expect(env.IBET_AUDIT_PREFIX).toBe('audit/');
      expect(env.IBET_AUDIT_PUBLIC_KEY).toEqual({ Ref: 'AuditArchivePublicKey' });
      const actions = roleStatements('audit-verify').flatMap((s) => asList(s.Action));
      expect(actions).toEqual(
        expect.arrayContaining(['s3:GetObject', 's3:ListBucket', 'kms:Decrypt']),
      );
      expect(actions.filter((a) => /Put|Delete|GenerateDataKey|Encrypt$/.test(a))).toEqual([]);
      // The worker writes there, and the manifests tell iBet so.
      const k8s = synthesize('prod') as Obj[];
      const external = k8s.find((o) => o.kind === 'ExternalSecret');
      expect(external.spec.target.template.data.IBET_AUDIT_ARCHIVE_LOCATION).toBe(
        's3://{{ .audit_archive_bucket }}/audit',
      );
      const worker = statementsOf(prod, roleIdNamed(prod, iamRoleName('prod', 'worker')));
      const put = worker.find(
        (s) =>
          asList(s.Action).includes('s3:PutObject') &&
          JSON.stringify(s.Resource).includes('AuditArchive'),
      );
      expect(JSON.stringify(put.Resource)).toContain('/audit/*');
      prod.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'AuditArchiveBroken' });
    });

    it('E10 copies EBS and Aurora snapshots to a second region with the key kept there, deleting only its own copies', () => {
      const dr = built.stacks.prod.dr;
      expect(dr.region).toBe(STACK_CONFIG.prod.dr.region);
      expect(dr.region).not.toBe(STACK_CONFIG.prod.region);
      const drTemplate = Template.fromStack(dr);
      expect(only(drTemplate, 'AWS::KMS::Key').Properties.EnableKeyRotation).toBe(true);
      expect(only(drTemplate, 'AWS::KMS::Alias').Properties.AliasName).toBe('alias/ibet-prod-dr');
      const { props } = fn('snapshot-copy');
      expect(props.Environment.Variables.IBET_DR_REGION).toBe(STACK_CONFIG.prod.dr.region);
      const statements = roleStatements('snapshot-copy');
      const sid = (name: string) => statements.find((s) => s.Sid === name);
      expect(sid('DeleteOnlyDrCopies').Condition).toEqual({
        StringEquals: { 'aws:ResourceTag/ibet:dr-copy': 'ibet-prod' },
      });
      expect(JSON.stringify(sid('DeleteOnlyDrClusterCopies').Resource)).toContain(
        `:${STACK_CONFIG.prod.dr.region}:`,
      );
      expect(JSON.stringify(sid('DeleteOnlyDrClusterCopies').Resource)).toContain(
        'cluster-snapshot:ibet-prod-dr-*',
      );
      expect(sid('EncryptCopiesWithTheDrKey').Condition).toEqual({
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/ibet-prod-dr' },
      });
      expect(
        statements
          .flatMap((s) => asList(s.Action))
          .some((a) => /CreateVolume|RestoreDB|ModifySnapshotAttribute/.test(a)),
      ).toBe(false);
      const age = resources(prod, 'AWS::CloudWatch::Alarm')
        .map(([, a]) => a.Properties)
        .find((a) => a.MetricName === 'DrCopyAgeHours');
      expect(age.TreatMissingData).toBe('breaching');
    });

    it('E11 grants no wildcard action in any policy iBet writes, on data or anything else', () => {
      let checked = 0;
      for (const stage of STAGES) {
        for (const template of [templates[stage].main, templates[stage].edge]) {
          // The CDK's own custom-resource handlers (unnamed functions) are not iBet's.
          const cdkRoles = new Set(
            resources(template, 'AWS::Lambda::Function')
              .filter(([, f]) => !f.Properties.FunctionName)
              .map(([, f]) => refOf(f.Properties.Role)),
          );
          const documents = [
            ...resources(template, 'AWS::IAM::Policy')
              .filter(
                ([, p]) => !(p.Properties.Roles ?? []).some((r: Obj) => cdkRoles.has(refOf(r))),
              )
              .map(([id, p]) => [id, p.Properties.PolicyDocument] as const),
            ...resources(template, 'AWS::IAM::Role')
              .filter(([id]) => !cdkRoles.has(id))
              .flatMap(([id, r]) =>
                (r.Properties.Policies ?? []).map((p: Obj) => [id, p.PolicyDocument] as const),
              ),
          ];
          checked += documents.length;
          for (const [id, document] of documents) {
            for (const statement of document.Statement) {
              for (const action of asList(statement.Action ?? []))
                expect(action, id).not.toContain('*');
              // An unscoped resource goes only with calls that take none (describe, list, SMS),
              // and the autoscaler's, which a tag condition scopes.
              if (asList(statement.Resource).includes('*') && statement.Effect !== 'Deny') {
                for (const action of asList(statement.Action)) {
                  expect(action, id).toMatch(
                    /:(Describe|List|Get(?!Object|SecretValue))|^sns:Publish$|^autoscaling:(SetDesiredCapacity|TerminateInstanceInAutoScalingGroup)$/,
                  );
                }
              }
            }
          }
        }
      }
      expect(checked).toBeGreaterThan(20);
    });

    it('E12 checks both public endpoints from Route 53, failing the partner API over to a maintenance page', () => {
      const checks = resources(prod, 'AWS::Route53::HealthCheck').map(
        ([id, c]) => [id, c.Properties.HealthCheckConfig] as const,
      );
      expect(checks).toHaveLength(2);
      for (const [, c] of checks) {
        expect(c).toMatchObject({ Type: 'HTTPS', Port: 443, FailureThreshold: 3 });
      }
      const site = checks.find(
        ([, c]) => c.FullyQualifiedDomainName === STACK_CONFIG.prod.publicHost,
      )!;
      expect(site[1].ResourcePath).toBe('/readyz');
      const partner = checks.find(([id]) => id !== site[0])!;
      expect(partner[1].ResourcePath).toBe('/live/healthz');
      const name = `${STACK_CONFIG.prod.partnerHost}.`;
      const primary = resources(prod, 'AWS::Route53::RecordSet')
        .map(([, r]) => r.Properties)
        .find((r) => r.Name === name);
      expect(primary).toMatchObject({ Failover: 'PRIMARY', Type: 'A' });
      expect(refOf(primary.HealthCheckId)).toBe(partner[0]);
      expect(primary.AliasTarget.EvaluateTargetHealth).toBe(true);
      const secondary = resources(edge, 'AWS::Route53::RecordSet')
        .map(([, r]) => r.Properties)
        .find((r) => r.Name === name);
      expect(secondary).toMatchObject({
        Failover: 'SECONDARY',
        Type: 'A',
        SetIdentifier: 'secondary',
      });
      const maintenance = resources(edge, 'AWS::CloudFront::Distribution').find(([id]) =>
        id.startsWith('PartnerMaintenance'),
      )![1];
      expect(maintenance.Properties.DistributionConfig.Aliases).toEqual([
        STACK_CONFIG.prod.partnerHost,
      ]);
      expect(
        maintenance.Properties.DistributionConfig.CustomErrorResponses.every(
          (r: Obj) => r.ResponseCode === 503,
        ),
      ).toBe(true);
    });

    it('E13 sends players and staff through CloudFront to the NLB: nothing cached, /ws to the realtime listener, /metrics not served', () => {
      const [, site] = resources(edge, 'AWS::CloudFront::Distribution').find(([id]) =>
        id.startsWith('PublicSite'),
      )!;
      const d = site.Properties.DistributionConfig;
      expect(d.Aliases).toEqual([STACK_CONFIG.prod.publicHost]);
      const originOf = (targetId: string) => d.Origins.find((o: Obj) => o.Id === targetId);
      const host = `origin.${STACK_CONFIG.prod.publicHost}`;
      const api = originOf(d.DefaultCacheBehavior.TargetOriginId);
      expect(api.DomainName).toBe(host);
      expect(api.CustomOriginConfig).toMatchObject({
        OriginProtocolPolicy: 'https-only',
        HTTPSPort: 443,
      });
      expect(d.DefaultCacheBehavior.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
      expect(d.DefaultCacheBehavior.AllowedMethods).toHaveLength(7);
      const behavior = (pattern: string) =>
        d.CacheBehaviors.find((b: Obj) => b.PathPattern === pattern);
      expect(originOf(behavior('/ws').TargetOriginId).CustomOriginConfig.HTTPSPort).toBe(8443);
      expect(behavior('/metrics').FunctionAssociations[0].EventType).toBe('viewer-request');
      const fnCode = only(edge, 'AWS::CloudFront::Function').Properties.FunctionCode;
      expect(fnCode).toContain('statusCode: 404');
      expect(d.CustomErrorResponses.map((r: Obj) => [r.ErrorCode, r.ResponseCode])).toEqual([
        [502, 503],
        [504, 503],
      ]);
    });
  });
});
