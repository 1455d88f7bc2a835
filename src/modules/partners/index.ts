// Partners: what partners' programs call with their API keys (the B2B feed). Partner
// accounts and their keys are identities, in the identity module.
export { b2bRoutes } from './routes.ts';
