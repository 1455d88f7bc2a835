// The static web (the player site's files) at the edge, after the case study's "CloudFront
// for static content": a private S3 bucket read only by CloudFront (origin access
// control), a web ACL, a certificate and a Route 53 alias. CloudFront's certificate and
// web ACL must live in us-east-1, so this is a stack of its own in that region.
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { StackConfig } from './config.ts';
import { secureBucket } from './secure-bucket.ts';
import { webAcl } from './stack.ts';

export interface IbetEdgeStackProps extends StackProps {
  config: StackConfig;
}

export class IbetEdgeStack extends Stack {
  constructor(scope: Construct, id: string, props: IbetEdgeStackProps) {
    super(scope, id, props);
    const { config } = props;
    const prefix = `ibet-${config.stage}`;
    Tags.of(this).add('project', 'ibet');
    Tags.of(this).add('stage', config.stage);

    const site = secureBucket(this, 'StaticWebBucket', {
      glacierAfterDays: config.glacierAfterDays,
      archiveCurrentObjects: false,
    });
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: config.hostedZone.id,
      zoneName: config.hostedZone.name,
    });
    const certificate = new acm.Certificate(this, 'StaticCertificate', {
      domainName: config.staticHost,
      validation: acm.CertificateValidation.fromDns(zone),
    });
    const acl = webAcl(this, 'CloudFrontWebAcl', `${prefix}-cloudfront`, 'CLOUDFRONT');
    const distribution = new cloudfront.Distribution(this, 'StaticWeb', {
      comment: `${prefix} static web`,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(site),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        compress: true,
      },
      defaultRootObject: 'index.html',
      domainNames: [config.staticHost],
      certificate,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      webAclId: acl.attrArn,
    });
    new route53.ARecord(this, 'StaticAlias', {
      zone,
      recordName: config.staticHost,
      target: route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(distribution)),
    });
    new route53.AaaaRecord(this, 'StaticAliasV6', {
      zone,
      recordName: config.staticHost,
      target: route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(distribution)),
    });
    // CloudFront's metrics live in us-east-1, so its alarm needs a topic here too.
    const key = new kms.Key(this, 'AlarmKey', {
      alias: `alias/${prefix}-edge-alarms`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    key.grantEncryptDecrypt(new iam.ServicePrincipal('cloudwatch.amazonaws.com'));
    const topic = new sns.Topic(this, 'AlarmTopic', {
      topicName: `${prefix}-edge-alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    if (config.alarmEmail)
      topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    const alarm = new cloudwatch.Alarm(this, 'StaticWeb5xx', {
      alarmName: `${prefix}-StaticWeb5xx`,
      alarmDescription: 'More than 5% of static web requests fail at CloudFront',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/CloudFront',
        metricName: '5xxErrorRate',
        dimensionsMap: { DistributionId: distribution.distributionId, Region: 'Global' },
        statistic: 'Average',
        period: Duration.minutes(5),
      }),
      threshold: 5,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(topic));
    new CfnOutput(this, 'StaticWebBucketName', { value: site.bucketName });
    new CfnOutput(this, 'StaticWebDistributionId', { value: distribution.distributionId });
  }
}
