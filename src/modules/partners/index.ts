// Partners: what partners' programs call with their API keys (the B2B feed). Partner
// accounts and their keys are identities, in the identity module; affiliates and webhooks
// have modules of their own.
export { etagOf } from './etag.ts';
export { b2bRoutes } from './routes.ts';
