// Every iBet Lambda function: TypeScript bundled by esbuild (locally, no Docker), Node.js 24
// on ARM, its own log group, a KMS-encrypted dead-letter queue for failed asynchronous
// invocations, and alarms on errors, throttles and dead letters to the stage's alarm topic.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** What to do when one of these alarms fires. */
export const RUNBOOK = 'docs/runbooks/aws-automations.md';
const LAMBDA_DIR = fileURLToPath(new URL('./lambda/', import.meta.url));
const DEPLOY_DIR = fileURLToPath(new URL('../', import.meta.url));

export interface IbetFunctionProps {
  prefix: string;
  /** The handler's file in deploy/aws/lambda/, without `.ts`. */
  entry: string;
  description: string;
  environment: Record<string, string>;
  timeout: Duration;
  memoryMiB?: number;
  alarmTopic: sns.ITopic;
}

export class IbetFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly deadLetters: sqs.Queue;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly name: string;

  constructor(scope: Construct, id: string, props: IbetFunctionProps) {
    super(scope, id);
    const name = `${props.prefix}-${props.entry}`;
    this.name = name;
    // SSE-SQS: the events that land here carry no personal data, and Lambda and
    // EventBridge can write to it without a grant on the data key.
    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      queueName: `${name}-dlq`,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${name}`,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      functionName: name,
      description: props.description,
      entry: path.join(LAMBDA_DIR, `${props.entry}.ts`),
      handler: 'handler',
      projectRoot: DEPLOY_DIR,
      depsLockFilePath: path.join(DEPLOY_DIR, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMiB ?? 256,
      timeout: props.timeout,
      environment: props.environment,
      logGroup,
      deadLetterQueue: this.deadLetters,
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        // Readable code and stack traces without source maps, whose paths would depend on
        // where the repository is checked out (the committed templates name each asset by
        // the hash of its bundle).
        minify: false,
        sourceMap: false,
        // The runtime provides the AWS SDK v3.
        externalModules: ['@aws-sdk/*'],
        logLevel: nodejs.LogLevel.ERROR,
      },
    });
    const action = new cwActions.SnsAction(props.alarmTopic);
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string) => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        alarmName: `${name}-${alarmId}`,
        alarmDescription: `${description} (${RUNBOOK})`,
        metric,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };
    const five = { period: Duration.minutes(5), statistic: 'Sum' };
    alarm('Errors', this.fn.metricErrors(five), `${name} failed`);
    alarm('Throttles', this.fn.metricThrottles(five), `${name} was throttled`);
    alarm(
      'DeadLettered',
      this.deadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      `${name} gave up on an invocation (dead-letter queue)`,
    );
  }

  /** An alarm on one of the handler's own metrics (namespace iBet/Automation, EMF). */
  metricAlarm(
    metricName: string,
    check: string,
    threshold: number,
    description: string,
    alarmTopic: sns.ITopic,
    missing = cloudwatch.TreatMissingData.NOT_BREACHING,
  ): cloudwatch.Alarm {
    const a = new cloudwatch.Alarm(this, metricName, {
      alarmName: `${this.name}-${metricName}`,
      alarmDescription: `${description} (${RUNBOOK})`,
      metric: new cloudwatch.Metric({
        namespace: 'iBet/Automation',
        metricName,
        dimensionsMap: { Check: check },
        statistic: 'Maximum',
        period: Duration.days(1),
      }),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: missing,
    });
    a.addAlarmAction(new cwActions.SnsAction(alarmTopic));
    this.alarms.push(a);
    return a;
  }
}
