// Lambda automations of the case study ("Lambda – services for automating"), each on an
// EventBridge schedule with retries and a dead-letter queue, a role that can do only its
// job, and alarms: the nightly ledger check (calls iBet), the audit-archive verification
// (reads the archive bucket), and the disaster-recovery copy of EBS and Aurora snapshots to
// a second region.
import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AUDIT_ARCHIVE_PREFIX } from '../plan.ts';
import type { StackConfig } from './config.ts';
import { IbetFunction } from './functions.ts';
import { grantObjects } from './grants.ts';

/** The alias of the DR region's key (IbetDr-<stage> creates it). */
export const drKeyAlias = (stage: string) => `alias/ibet-${stage}-dr`;

export interface AutomationProps {
  config: StackConfig;
  prefix: string;
  key: kms.IKey;
  alarmTopic: sns.ITopic;
  database: rds.DatabaseCluster;
  auditArchive: s3.IBucket;
  /** The public key that audit archives are signed with (a stack parameter). */
  auditPublicKey: string;
  /** The secret the automation account's credentials live in. */
  automationSecretName: string;
}

export class Automation extends Construct {
  readonly functions: Record<'ledgerCheck' | 'auditVerify' | 'snapshotCopy', IbetFunction>;

  constructor(scope: Construct, id: string, props: AutomationProps) {
    super(scope, id);
    const { config, prefix, key, alarmTopic } = props;
    const apiUrl = `https://${config.publicHost}`;
    const common = { prefix, alarmTopic };

    // ---- nightly ledger check -----------------------------------------------------------
    const credentials = new secretsmanager.Secret(this, 'AutomationSecret', {
      secretName: props.automationSecretName,
      encryptionKey: key,
      description:
        'The automation staff account (role with ledger:read only): { email, password, totpSecret }',
      // The password is generated; the operator makes the staff account with it and fills
      // in its e-mail and TOTP secret (docs/deployment.md).
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ email: '', totpSecret: '' }),
        generateStringKey: 'password',
        passwordLength: 32,
      },
    });
    const ledger = new IbetFunction(this, 'LedgerCheck', {
      ...common,
      entry: 'ledger-check',
      description: 'Nightly: GET /api/v1/admin/ledger/check; fails when the ledger does not hold',
      timeout: Duration.minutes(2),
      environment: {
        IBET_API_URL: apiUrl,
        IBET_AUTOMATION_SECRET_ID: credentials.secretArn,
      },
    });
    credentials.grantRead(ledger.fn);
    ledger.metricAlarm(
      'LedgerImbalanced',
      'ledger',
      1,
      'The nightly ledger check found the ledger out of balance',
      alarmTopic,
    );
    this.schedule('LedgerCheckNightly', ledger, events.Schedule.cron({ hour: '2', minute: '15' }));

    // ---- audit archive verification --------------------------------------------------
    const audit = new IbetFunction(this, 'AuditVerify', {
      ...common,
      entry: 'audit-verify',
      description: 'Daily: the audit-chain archives of the last two days verify (Ed25519)',
      timeout: Duration.minutes(10),
      memoryMiB: 512,
      environment: {
        IBET_AUDIT_BUCKET: props.auditArchive.bucketName,
        IBET_AUDIT_PREFIX: `${AUDIT_ARCHIVE_PREFIX}/`,
        IBET_AUDIT_PUBLIC_KEY: props.auditPublicKey,
        IBET_AUDIT_LOOKBACK_DAYS: '2',
      },
    });
    grantObjects(audit.fn, props.auditArchive, ['read'], `${AUDIT_ARCHIVE_PREFIX}/`);
    audit.metricAlarm(
      'AuditArchiveBroken',
      'audit-archive',
      1,
      'An audit archive object does not verify (hash, link, sequence or signature)',
      alarmTopic,
    );
    this.schedule('AuditVerifyDaily', audit, events.Schedule.cron({ hour: '4', minute: '30' }));

    // ---- snapshot copy to the DR region ----------------------------------------------
    const dr = config.dr.region;
    const region = Aws.REGION;
    const account = Aws.ACCOUNT_ID;
    const partition = Aws.PARTITION;
    const copies = new IbetFunction(this, 'SnapshotCopy', {
      ...common,
      entry: 'snapshot-copy',
      description: `Daily: copy tagged EBS and Aurora snapshots to ${dr}, prune old copies there`,
      timeout: Duration.minutes(5),
      environment: {
        IBET_DR_REGION: dr,
        IBET_DR_KMS_KEY: `arn:${partition}:kms:${dr}:${account}:${drKeyAlias(config.stage)}`,
        IBET_DB_CLUSTER: props.database.clusterIdentifier,
        IBET_PREFIX: prefix,
        IBET_ACCOUNT: account,
        IBET_DR_RETENTION_DAYS: String(config.dr.retentionDays),
        IBET_MAX_AGE_HOURS: '48',
      },
    });
    const role = copies.fn.role!;
    const snapshotArn = (r: string) => `arn:${partition}:ec2:${r}::snapshot/*`;
    const clusterSnapshotArn = (r: string, name: string) =>
      `arn:${partition}:rds:${r}:${account}:cluster-snapshot:${name}`;
    const statements = [
      new iam.PolicyStatement({
        sid: 'ListSnapshots',
        // Describe calls take no resource.
        actions: ['ec2:DescribeSnapshots'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:RequestedRegion': [config.region, dr] } },
      }),
      new iam.PolicyStatement({
        sid: 'CopyEbsSnapshots',
        actions: ['ec2:CopySnapshot'],
        resources: [snapshotArn(region), snapshotArn(dr)],
      }),
      new iam.PolicyStatement({
        sid: 'TagCopiesAsTheyAreMade',
        actions: ['ec2:CreateTags'],
        resources: [snapshotArn(dr)],
        conditions: { StringEquals: { 'ec2:CreateAction': 'CopySnapshot' } },
      }),
      new iam.PolicyStatement({
        sid: 'DeleteOnlyDrCopies',
        actions: ['ec2:DeleteSnapshot'],
        resources: [snapshotArn(dr)],
        conditions: { StringEquals: { 'aws:ResourceTag/ibet:dr-copy': prefix } },
      }),
      new iam.PolicyStatement({
        sid: 'ReadClusterSnapshots',
        actions: ['rds:DescribeDBClusterSnapshots'],
        resources: [
          clusterSnapshotArn(region, '*'),
          `arn:${partition}:rds:${region}:${account}:cluster:${props.database.clusterIdentifier}`,
          clusterSnapshotArn(dr, '*'),
        ],
      }),
      new iam.PolicyStatement({
        sid: 'CopyClusterSnapshots',
        actions: ['rds:CopyDBClusterSnapshot', 'rds:AddTagsToResource'],
        resources: [clusterSnapshotArn(region, '*'), clusterSnapshotArn(dr, `${prefix}-dr-*`)],
      }),
      new iam.PolicyStatement({
        sid: 'DeleteOnlyDrClusterCopies',
        actions: ['rds:DeleteDBClusterSnapshot'],
        resources: [clusterSnapshotArn(dr, `${prefix}-dr-*`)],
      }),
      new iam.PolicyStatement({
        sid: 'DecryptSources',
        actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant'],
        resources: [key.keyArn],
      }),
      new iam.PolicyStatement({
        sid: 'EncryptCopiesWithTheDrKey',
        actions: [
          'kms:Encrypt',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:DescribeKey',
          'kms:CreateGrant',
        ],
        resources: [`arn:${partition}:kms:${dr}:${account}:key/*`],
        conditions: {
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': drKeyAlias(config.stage) },
        },
      }),
    ];
    for (const statement of statements) role.addToPrincipalPolicy(statement);
    copies.metricAlarm(
      'DrCopyAgeHours',
      'snapshot-copy',
      48,
      `The newest snapshot copy in ${dr} is more than two days old`,
      alarmTopic,
      cloudwatch.TreatMissingData.BREACHING,
    );
    this.schedule('SnapshotCopyDaily', copies, events.Schedule.cron({ hour: '5', minute: '0' }));

    this.functions = { ledgerCheck: ledger, auditVerify: audit, snapshotCopy: copies };
  }

  /** An EventBridge rule that invokes the function, retrying, then dead-lettering. */
  private schedule(id: string, f: IbetFunction, schedule: events.Schedule): void {
    new events.Rule(this, id, {
      schedule,
      description: `${f.name} on schedule`,
      targets: [
        new targets.LambdaFunction(f.fn, {
          deadLetterQueue: f.deadLetters,
          retryAttempts: 2,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
  }
}
