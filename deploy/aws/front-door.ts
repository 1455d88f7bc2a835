// The doors into iBet in the region:
//  - a Network Load Balancer in the public subnets of both zones (cross-zone), TLS on 443 to
//    the api pods and on 8443 to the realtime pods (WebSockets), which the AWS Load Balancer
//    Controller keeps registered through TargetGroupBindings (deploy/k8s). It is the origin
//    `origin.<publicHost>` of the players' and staff's CloudFront distribution (edge stack)
//    and admits only CloudFront's origin-facing addresses and the partner API's VPC link;
//  - the partner (B2B) API on API Gateway (REST API: the only API Gateway type a WAF web ACL
//    attaches to), reaching the load balancer over a VPC link, throttled per stage, each call
//    authorized by a Lambda that asks iBet about the partner's API key (cached per key),
//    access-logged to CloudWatch Logs, behind the regional web ACL;
//  - Route 53: health checks on both public endpoints; the partner API's PRIMARY failover
//    record (the SECONDARY, a maintenance page on CloudFront, lives in the edge stack).
import {
  Aws,
  CfnCondition,
  CfnParameter,
  type CfnResource,
  Duration,
  Fn,
  RemovalPolicy,
} from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';

import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { LoadBalancerTarget } from 'aws-cdk-lib/aws-route53-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { APP_PORT, NETWORK } from '../plan.ts';
import type { StackConfig } from './config.ts';
import { IbetFunction } from './functions.ts';

/** The load balancer's TLS ports: the API (and site), and the WebSocket gateway. */
export const LISTENER_PORTS = { api: 443, realtime: 8443 } as const;
/** The load balancer's name for CloudFront and API Gateway, under the site's host. */
export const originHost = (publicHost: string) => `origin.${publicHost}`;
/** The partner API's stage (its path prefix on the execute-api endpoint). */
export const PARTNER_STAGE = 'live';

export interface FrontDoorProps {
  config: StackConfig;
  prefix: string;
  vpc: ec2.IVpc;
  /** The EKS cluster security group: pods and nodes. */
  clusterSecurityGroup: ec2.ISecurityGroup;
  zone: route53.IHostedZone;
  alarmTopic: sns.ITopic;
  webAcl: wafv2.CfnWebACL;
}

export class FrontDoor extends Construct {
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly targetGroups: Record<'api' | 'realtime', elbv2.NetworkTargetGroup>;
  readonly partnerApi: apigw.RestApi;
  readonly authorizer: IbetFunction;

  constructor(scope: Construct, id: string, props: FrontDoorProps) {
    super(scope, id);
    const { config, prefix, vpc } = props;
    const origin = originHost(config.publicHost);

    // ---- certificate: a parameter, or the stack's own DNS-validated one ---------------
    const certificateParameter = new CfnParameter(scope, 'ApiCertificateArn', {
      type: 'String',
      default: '',
      description: `ACM certificate (this region) for ${origin} and ${config.partnerHost} (load balancer, partner API); empty: the certificate this stack requests`,
    });
    const ownCertificate = new acm.Certificate(this, 'Certificate', {
      domainName: origin,
      subjectAlternativeNames: [config.partnerHost],
      validation: acm.CertificateValidation.fromDns(props.zone),
    });
    const empty = Fn.conditionEquals(certificateParameter.valueAsString, '');
    const given = new CfnCondition(scope, 'ApiCertificateGiven', {
      expression: Fn.conditionNot(empty),
    });
    // Requested only when no certificate is given.
    (ownCertificate.node.defaultChild as CfnResource).cfnOptions.condition = new CfnCondition(
      scope,
      'ApiCertificateRequested',
      { expression: empty },
    );
    const certificateArn = Fn.conditionIf(
      given.logicalId,
      certificateParameter.valueAsString,
      ownCertificate.certificateArn,
    ).toString();

    // ---- the Network Load Balancer -----------------------------------------------------
    // One group per listener port: CloudFront's prefix list weighs some 55 rules, and a
    // group holds 60 by default.
    const groups = Object.entries(LISTENER_PORTS).map(([role, port]) => {
      const group = new ec2.SecurityGroup(this, `${role}SecurityGroup`, {
        vpc,
        description: `NLB ${port}: TLS from CloudFront only; to the pods on the app port`,
        allowAllOutbound: false,
      });
      group.addIngressRule(
        ec2.Peer.prefixList(config.cloudFrontPrefixList),
        ec2.Port.tcp(port),
        `TLS on ${port} from CloudFront`,
      );
      for (const cidr of NETWORK.subnets.privateApp.cidrs) {
        group.addEgressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(APP_PORT), 'to the pods');
      }
      props.clusterSecurityGroup.addIngressRule(
        group,
        ec2.Port.tcp(APP_PORT),
        `from the network load balancer (${port})`,
      );
      return group;
    });
    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      loadBalancerName: prefix,
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      crossZoneEnabled: true,
      securityGroups: groups,
      // The partner API's VPC link arrives through PrivateLink, not from an address the
      // security group could name.
      enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: false,
      deletionProtection: config.stage === 'prod',
    });
    const targets = (role: 'api' | 'realtime') =>
      new elbv2.NetworkTargetGroup(this, `${role}Targets`, {
        targetGroupName: `${prefix}-${role}`,
        vpc,
        port: APP_PORT,
        protocol: elbv2.Protocol.TCP,
        targetType: elbv2.TargetType.IP,
        // The source is the load balancer's own address in a public subnet, which is what
        // the pods' NetworkPolicy admits.
        preserveClientIp: false,
        // Longer than IBET_SHUTDOWN_DELAY_SECONDS: a stopping pod is unready at once and
        // keeps serving while it is deregistered.
        deregistrationDelay: Duration.seconds(30),
        connectionTermination: role === 'realtime',
        healthCheck: {
          protocol: elbv2.Protocol.HTTP,
          path: '/readyz',
          port: String(APP_PORT),
          interval: Duration.seconds(10),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 2,
        },
      });
    this.targetGroups = { api: targets('api'), realtime: targets('realtime') };
    for (const role of ['api', 'realtime'] as const) {
      this.loadBalancer.addListener(`${role}Tls`, {
        port: LISTENER_PORTS[role],
        protocol: elbv2.Protocol.TLS,
        certificates: [elbv2.ListenerCertificate.fromArn(certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        // No ALPN: the NLB passes the decrypted bytes on, and the pods speak HTTP/1.1.
        defaultTargetGroups: [this.targetGroups[role]],
      });
    }

    // ---- the partner API ---------------------------------------------------------------
    this.authorizer = new IbetFunction(this, 'PartnerAuthorizer', {
      prefix,
      entry: 'partner-authorizer',
      description: "Partner API: validates the caller's iBet API key with GET /api/v1/b2b/me",
      timeout: Duration.seconds(5),
      alarmTopic: props.alarmTopic,
      environment: { IBET_API_URL: `https://${config.publicHost}`, IBET_TIMEOUT_MS: '3000' },
    });
    const accessLogs = new logs.LogGroup(this, 'PartnerApiAccessLogs', {
      logGroupName: `/ibet/${config.stage}/partner-api/access`,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.partnerApi = new apigw.RestApi(this, 'PartnerApi', {
      restApiName: `${prefix}-partners`,
      description: 'iBet partner (B2B) API: API-key callers, to iBet through the NLB',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      // Access logging needs the account's API Gateway → CloudWatch Logs role (one per
      // account and region); kept when the stack goes, as other APIs may use it.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: PARTNER_STAGE,
        throttlingRateLimit: config.partnerApi.rateLimit,
        throttlingBurstLimit: config.partnerApi.burstLimit,
        metricsEnabled: true,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            method: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            partnerId: '$context.authorizer.partnerId',
            keyId: '$context.authorizer.keyId',
            authorizerStatus: '$context.authorizer.status',
            waf: '$context.waf.status',
          }),
        ),
      },
    });
    const link = new apigw.VpcLink(this, 'VpcLink', {
      vpcLinkName: `${prefix}-partners`,
      targets: [this.loadBalancer],
    });
    const authorizer = new apigw.RequestAuthorizer(this, 'KeyAuthorizer', {
      authorizerName: `${prefix}-partner-key`,
      handler: this.authorizer.fn,
      identitySources: [apigw.IdentitySource.header('X-Api-Key')],
      resultsCacheTtl: Duration.seconds(config.partnerApi.authorizerCacheSeconds),
    });
    const b2b = this.partnerApi.root.addResource('api').addResource('v1').addResource('b2b');
    b2b.addProxy({
      anyMethod: true,
      defaultIntegration: new apigw.HttpIntegration(`https://${origin}/api/v1/b2b/{proxy}`, {
        httpMethod: 'ANY',
        proxy: true,
        options: {
          connectionType: apigw.ConnectionType.VPC_LINK,
          vpcLink: link,
          timeout: Duration.seconds(29),
          requestParameters: { 'integration.request.path.proxy': 'method.request.path.proxy' },
        },
      }),
      defaultMethodOptions: {
        authorizer,
        authorizationType: apigw.AuthorizationType.CUSTOM,
        requestParameters: { 'method.request.path.proxy': true },
      },
    });
    // Unauthenticated readiness for the Route 53 health check.
    this.partnerApi.root.addResource('healthz').addMethod(
      'GET',
      new apigw.HttpIntegration(`https://${origin}/readyz`, {
        httpMethod: 'GET',
        options: {
          connectionType: apigw.ConnectionType.VPC_LINK,
          vpcLink: link,
          timeout: Duration.seconds(5),
        },
      }),
      { authorizationType: apigw.AuthorizationType.NONE },
    );
    new wafv2.CfnWebACLAssociation(this, 'PartnerApiWebAcl', {
      resourceArn: this.partnerApi.deploymentStage.stageArn,
      webAclArn: props.webAcl.attrArn,
    });
    const domain = this.partnerApi.addDomainName('Domain', {
      domainName: config.partnerHost,
      certificate: acm.Certificate.fromCertificateArn(this, 'PartnerCertificate', certificateArn),
      endpointType: apigw.EndpointType.REGIONAL,
      securityPolicy: apigw.SecurityPolicy.TLS_1_2,
    });

    // ---- Route 53: health checks and the primary failover records --------------------
    const check = (checkId: string, fqdn: string, path: string, port: number) =>
      new route53.CfnHealthCheck(this, checkId, {
        healthCheckConfig: {
          type: 'HTTPS',
          fullyQualifiedDomainName: fqdn,
          resourcePath: path,
          port,
          enableSni: true,
          requestInterval: 30,
          failureThreshold: 3,
          measureLatency: true,
        },
        healthCheckTags: [{ key: 'Name', value: `${prefix}-${checkId}` }],
      });
    // The site through its whole path: Route 53 → CloudFront → NLB → api pods → database.
    check('SiteHealth', config.publicHost, '/readyz', 443);
    const partnerCheck = check(
      'PartnerApiHealth',
      `${this.partnerApi.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`,
      `/${PARTNER_STAGE}/healthz`,
      443,
    );
    new route53.ARecord(this, 'OriginAlias', {
      zone: props.zone,
      recordName: origin,
      target: route53.RecordTarget.fromAlias(new LoadBalancerTarget(this.loadBalancer)),
    });
    const primary = (
      recordId: string,
      name: string,
      target: { dns: string; zone: string },
      healthCheckId: string,
    ) =>
      new route53.CfnRecordSet(this, recordId, {
        hostedZoneId: config.hostedZone.id,
        name: `${name}.`,
        type: 'A',
        setIdentifier: 'primary',
        failover: 'PRIMARY',
        healthCheckId,
        aliasTarget: { dnsName: target.dns, hostedZoneId: target.zone, evaluateTargetHealth: true },
      });
    primary(
      'PartnerApiPrimary',
      config.partnerHost,
      { dns: domain.domainNameAliasDomainName, zone: domain.domainNameAliasHostedZoneId },
      partnerCheck.attrHealthCheckId,
    );
  }
}
