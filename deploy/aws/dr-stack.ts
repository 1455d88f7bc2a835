// The disaster-recovery region of a stage: the KMS key that the snapshot copies are
// encrypted with there (the Lambda in the main stack finds it by its alias).
import { RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { drKeyAlias } from './automation.ts';
import type { StackConfig } from './config.ts';

export interface IbetDrStackProps extends StackProps {
  config: StackConfig;
}

export class IbetDrStack extends Stack {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: IbetDrStackProps) {
    super(scope, id, props);
    Tags.of(this).add('project', 'ibet');
    Tags.of(this).add('stage', props.config.stage);
    this.key = new kms.Key(this, 'DrKey', {
      alias: drKeyAlias(props.config.stage),
      description: `iBet ${props.config.stage}: EBS and Aurora snapshot copies in the DR region`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
