// Grants with every action spelled out. The CDK's own grant helpers give wildcard actions
// (s3:GetObject*, s3:List*, kms:ReEncrypt*, kms:GenerateDataKey*…) on the data they name;
// iBet's roles get exactly the calls their code makes, and the KMS calls only through the
// service that holds the data (kms:ViaService).
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

export type ObjectAccess = 'read' | 'write' | 'delete';

const via = (service: string) => ({
  StringEquals: { 'kms:ViaService': `${service}.${Aws.REGION}.amazonaws.com` },
});

function allowKey(
  principal: iam.IGrantable,
  key: kms.IKey | undefined,
  service: string,
  actions: string[],
) {
  if (!key || actions.length === 0) return;
  principal.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions,
      resources: [key.keyArn],
      conditions: via(service),
    }),
  );
}

/** Objects under `prefix` (all when empty): list them, and read, write or delete them. */
export function grantObjects(
  principal: iam.IGrantable,
  bucket: s3.IBucket,
  access: readonly ObjectAccess[],
  prefix = '',
): void {
  const objects = bucket.arnForObjects(`${prefix}*`);
  const actions = [
    ...(access.includes('read') ? ['s3:GetObject', 's3:GetObjectVersion'] : []),
    ...(access.includes('write') ? ['s3:PutObject', 's3:AbortMultipartUpload'] : []),
    ...(access.includes('delete') ? ['s3:DeleteObject'] : []),
  ];
  principal.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions, resources: [objects] }),
  );
  principal.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      ...(prefix ? { conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } } : {}),
    }),
  );
  allowKey(principal, bucket.encryptionKey, 's3', [
    ...(access.includes('read') || access.includes('write') ? ['kms:Decrypt'] : []),
    ...(access.includes('write') ? ['kms:GenerateDataKey'] : []),
  ]);
}

/** Send messages to an encrypted queue. */
export function grantSend(principal: iam.IGrantable, queue: sqs.IQueue): void {
  principal.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
      resources: [queue.queueArn],
    }),
  );
  allowKey(principal, queue.encryptionMasterKey, 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt']);
}
