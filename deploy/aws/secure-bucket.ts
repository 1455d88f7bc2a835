// Every bucket iBet creates: no public access, TLS only, versioned, encrypted, owned by
// the bucket owner (no ACLs), kept when the stack goes, and moved to Glacier after the
// configured days (current objects where they are logs or archives, old versions always).
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export interface SecureBucketProps {
  /** A customer-managed key (SSE-KMS); without one, SSE-S3 (AES-256, as in the case study). */
  encryptionKey?: kms.IKey;
  glacierAfterDays: number;
  /** Logs and archives: current objects move to Glacier too, not only old versions. */
  archiveCurrentObjects: boolean;
  /** Where S3 server access logs go; omitted for the log bucket itself. */
  accessLogs?: s3.IBucket;
  objectLockDays?: number;
  /** Days after which current objects are deleted (logs), if ever. */
  expireAfterDays?: number;
}

export function secureBucket(scope: Construct, id: string, props: SecureBucketProps): s3.Bucket {
  const glacier = Duration.days(props.glacierAfterDays);
  return new s3.Bucket(scope, id, {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    ...(props.encryptionKey
      ? {
          encryption: s3.BucketEncryption.KMS,
          encryptionKey: props.encryptionKey,
          bucketKeyEnabled: true,
        }
      : { encryption: s3.BucketEncryption.S3_MANAGED }),
    ...(props.accessLogs
      ? { serverAccessLogsBucket: props.accessLogs, serverAccessLogsPrefix: `s3-access/${id}/` }
      : {}),
    ...(props.objectLockDays
      ? {
          objectLockEnabled: true,
          objectLockDefaultRetention: s3.ObjectLockRetention.governance(
            Duration.days(props.objectLockDays),
          ),
        }
      : {}),
    lifecycleRules: [
      {
        id: 'glacier',
        enabled: true,
        ...(props.archiveCurrentObjects
          ? { transitions: [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: glacier }] }
          : {}),
        noncurrentVersionTransitions: [
          { storageClass: s3.StorageClass.GLACIER, transitionAfter: glacier },
        ],
        ...(props.expireAfterDays ? { expiration: Duration.days(props.expireAfterDays) } : {}),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      },
    ],
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
