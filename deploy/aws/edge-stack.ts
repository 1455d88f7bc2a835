// The edge, after the case study's "CloudFront for static content": the static web (a
// private S3 bucket read only by CloudFront through origin access control); the players'
// and staff's door (CloudFront in front of the regional NLB, never caching); the partner
// API's maintenance page (Route 53 failover target); one web ACL, certificates and Route 53
// aliases. CloudFront's certificates and web ACL must live in us-east-1, so this is a stack
// of its own in that region; it shares no resource with the regional stack, only names.
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
import { WS_PATH } from '../plan.ts';
import type { StackConfig } from './config.ts';
import { LISTENER_PORTS, originHost } from './front-door.ts';
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
    // ---- the players' and staff's door: CloudFront in front of the NLB -----------------
    // Nothing is cached (the API is personal and live); CloudFront brings TLS close to the
    // player, the web ACL, /ws to the realtime listener, and a maintenance page when the
    // origin cannot answer (502/504: no healthy pod, load balancer unreachable).
    const publicCertificate = new acm.Certificate(this, 'PublicCertificate', {
      domainName: config.publicHost,
      subjectAlternativeNames: [config.partnerHost],
      validation: acm.CertificateValidation.fromDns(zone),
    });
    const nlb = (port: number) =>
      new origins.HttpOrigin(originHost(config.publicHost), {
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        httpsPort: port,
        originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
        readTimeout: Duration.seconds(60),
        keepaliveTimeout: Duration.seconds(60),
      });
    const dynamic = (origin: cloudfront.IOrigin): cloudfront.BehaviorOptions => ({
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
      compress: true,
    });
    // /metrics is for Prometheus inside the cluster: the edge answers it with 404.
    const notFound = new cloudfront.Function(this, 'NotFound', {
      functionName: `${prefix}-not-found`,
      comment: 'Answers 404 at the edge',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        "function handler(event) { return { statusCode: 404, statusDescription: 'Not Found' }; }",
      ),
    });
    const maintenancePage = origins.S3BucketOrigin.withOriginAccessControl(site);
    const players = new cloudfront.Distribution(this, 'PublicSite', {
      comment: `${prefix} players and staff: to the NLB`,
      defaultBehavior: dynamic(nlb(LISTENER_PORTS.api)),
      additionalBehaviors: {
        [WS_PATH]: dynamic(nlb(LISTENER_PORTS.realtime)),
        '/metrics': {
          ...dynamic(nlb(LISTENER_PORTS.api)),
          functionAssociations: [
            { function: notFound, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
          ],
        },
        '/maintenance/*': {
          origin: maintenancePage,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        },
      },
      errorResponses: [502, 504].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 503,
        responsePagePath: '/maintenance/index.html',
        ttl: Duration.seconds(10),
      })),
      domainNames: [config.publicHost],
      certificate: publicCertificate,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      webAclId: acl.attrArn,
    });
    new route53.ARecord(this, 'PublicAlias', {
      zone,
      recordName: config.publicHost,
      target: route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(players)),
    });
    new route53.AaaaRecord(this, 'PublicAliasV6', {
      zone,
      recordName: config.publicHost,
      target: route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(players)),
    });

    // ---- the partner API's failover target -------------------------------------------
    // The SECONDARY of the partner API's Route 53 failover record (the PRIMARY, in the
    // regional stack, points at API Gateway): when its health check fails, partners get the
    // maintenance page with 503 from CloudFront.
    const maintenance = new cloudfront.Distribution(this, 'PartnerMaintenance', {
      comment: `${prefix} partner API maintenance (Route 53 failover)`,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(site, {
          originPath: '/maintenance',
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
      },
      defaultRootObject: 'index.html',
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 503,
        responsePagePath: '/index.html',
        ttl: Duration.seconds(10),
      })),
      domainNames: [config.partnerHost],
      certificate: publicCertificate,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      webAclId: acl.attrArn,
    });
    new route53.CfnRecordSet(this, 'PartnerApiSecondary', {
      hostedZoneId: config.hostedZone.id,
      name: `${config.partnerHost}.`,
      type: 'A',
      setIdentifier: 'secondary',
      failover: 'SECONDARY',
      aliasTarget: {
        dnsName: maintenance.distributionDomainName,
        // The alias zone of every CloudFront distribution.
        hostedZoneId: 'Z2FDTNDATAQYW2',
        evaluateTargetHealth: false,
      },
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
