// The Lambda Node.js 24 runtime provides the AWS SDK v3 clients, and the bundles leave
// @aws-sdk/* external; these clients are not installed in this package, so the handlers
// use them untyped through their own narrow interfaces (SnapshotApi, credentials()).
declare module '@aws-sdk/client-ec2';
declare module '@aws-sdk/client-rds';
declare module '@aws-sdk/client-secrets-manager';
