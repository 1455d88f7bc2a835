// Notifications: messages to players, written from outbox events.
export { playerMessages } from './consumer.ts';
export { composeMail, listMail, mailConsumer } from './mail.ts';
export { notificationRoutes } from './routes.ts';
