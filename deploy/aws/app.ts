// The CDK app: for each stage, the regional stack and its us-east-1 edge stack.
//   cd deploy/aws && npx cdk synth | deploy Ibet-prod IbetEdge-prod   (docs/deployment.md)
// No lookups: availability zones come from the committed cdk.context.json (for the
// placeholder account) or from your account when you deploy with credentials.
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { STAGES, type Stage } from '../plan.ts';
import { STACK_CONFIG, type StackConfig } from './config.ts';
import { IbetDrStack } from './dr-stack.ts';
import { IbetEdgeStack } from './edge-stack.ts';
import { IbetStack } from './stack.ts';

const HERE = new URL('./', import.meta.url);

export function committedContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('cdk.json', HERE), 'utf8'));
  const context = JSON.parse(readFileSync(new URL('cdk.context.json', HERE), 'utf8'));
  return { ...cdkJson.context, ...context };
}

export interface IbetApp {
  app: App;
  stacks: Record<Stage, { main: IbetStack; edge: IbetEdgeStack; dr: IbetDrStack }>;
}

export function buildApp(
  options: { app?: App; configure?: (config: StackConfig) => StackConfig } = {},
): IbetApp {
  const app = options.app ?? new App({ context: committedContext() });
  const stacks = {} as IbetApp['stacks'];
  for (const stage of STAGES) {
    const config = options.configure ? options.configure(STACK_CONFIG[stage]) : STACK_CONFIG[stage];
    const main = new IbetStack(app, `Ibet-${stage}`, {
      config,
      env: { account: config.account, region: config.region },
      description: `iBet ${stage}: network, EKS, Aurora, Redis, storage, messaging, audit, monitoring`,
      terminationProtection: stage === 'prod',
    });
    const edge = new IbetEdgeStack(app, `IbetEdge-${stage}`, {
      config,
      env: { account: config.account, region: 'us-east-1' },
      description: `iBet ${stage}: CloudFront (players' door, static web, maintenance) with WAF`,
      terminationProtection: stage === 'prod',
    });
    const dr = new IbetDrStack(app, `IbetDr-${stage}`, {
      config,
      env: { account: config.account, region: config.dr.region },
      description: `iBet ${stage}: disaster-recovery key for snapshot copies`,
      terminationProtection: stage === 'prod',
    });
    stacks[stage] = { main, edge, dr };
  }
  return { app, stacks };
}

if (process.argv[1] && new URL(`file://${process.argv[1]}`).pathname.endsWith('/aws/app.ts')) {
  // Under the cdk CLI: it supplies context (cdk.json, cdk.context.json), the outdir, and
  // the account and region of your credentials.
  buildApp({
    app: new App(),
    configure: (config) => ({
      ...config,
      account: process.env.CDK_DEFAULT_ACCOUNT ?? config.account,
      region: process.env.CDK_DEFAULT_REGION ?? config.region,
    }),
  }).app.synth();
}
