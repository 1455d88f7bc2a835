// Webhooks: partner-configured endpoints that receive signed platform events (bet settled,
// event result, market status), delivered from the outbox with retries, a dead-letter list,
// redelivery and a delivery log.
export { checkEndpointUrl, isSpecialAddress } from './addresses.ts';
export { pruneDeliveries } from './deliveries.ts';
export { backoffSeconds, startWebhookDispatcher, type WebhookDispatcher } from './dispatcher.ts';
export { WEBHOOK_EVENT_TYPES } from './endpoints.ts';
export { webhooksConsumer } from './enqueue.ts';
export { webhookRoutes } from './routes.ts';
export {
  HEADER_ID,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
  signature,
  verifySignature,
} from './signing.ts';
