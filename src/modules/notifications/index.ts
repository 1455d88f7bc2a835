// Notifications: in-app messages to players, and email (SMS and push behind the same
// provider interface) queued from outbox events and sent by the worker with retries and a
// dead-letter list.
export {
  type Channel,
  type OutgoingMessage,
  PermanentFailure,
  type Provider,
  type SendResult,
} from './channels.ts';
export { NOTIFIED_EVENT_TYPES, TEMPLATE_OF_EVENT } from './compose.ts';
export { playerMessages } from './consumer.ts';
export { listDeliveries, requeueDeadLetters } from './deliveries.ts';
export { backoffSeconds, type Dispatcher, startDispatcher } from './dispatcher.ts';
export { notificationsConsumer } from './enqueue.ts';
export { listMail } from './mail.ts';
export { sesProvider, snsProvider, sqsProvider } from './providers/aws.ts';
export { capturedProvider } from './providers/captured.ts';
export { smtpProvider } from './providers/smtp.ts';
export { notificationRoutes } from './routes.ts';
export { LOCALES, localeFor, render, type TemplateName, translations } from './templates.ts';
export { createProviders, type NotificationsWorker, startNotificationsWorker } from './worker.ts';
