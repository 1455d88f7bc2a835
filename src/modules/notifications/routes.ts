import { Type } from 'typebox';
import type { Db } from '../../platform/db/db.ts';
import { Timestamp } from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { requires } from '../identity/index.ts';
import { listDeliveries } from './deliveries.ts';
import { listMail } from './mail.ts';

const Message = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  title: Type.String(),
  body: Type.String(),
  createdAt: Timestamp,
});

const Mail = Type.Object({
  id: Type.String(),
  to: Type.String(),
  subject: Type.String(),
  body: Type.String(),
  createdAt: Timestamp,
  sentAt: Type.Union([Timestamp, Type.Null()]),
});

const Delivery = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  channel: Type.String(),
  template: Type.String(),
  locale: Type.String(),
  recipient: Type.String(),
  subject: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('dead')]),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  provider: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
  sentAt: Type.Union([Timestamp, Type.Null()]),
  deadAt: Type.Union([Timestamp, Type.Null()]),
});

export function notificationRoutes(app: HttpServer, deps: { db: Db }): void {
  app.get(
    '/api/v1/admin/notifications',
    {
      config: { access: requires('mail:read') },
      schema: {
        tags: ['admin'],
        summary:
          'Notification deliveries, newest first; status=dead is the dead-letter list (requeue with npm run notifications:retry)',
        querystring: Type.Object({
          status: Type.Optional(
            Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('dead')]),
          ),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
        }),
        response: { 200: Type.Object({ items: Type.Array(Delivery) }) },
      },
    },
    async (request) => ({ items: await listDeliveries(deps.db, request.query) }),
  );

  app.get(
    '/api/v1/admin/mail',
    {
      config: { access: requires('mail:read') },
      schema: {
        tags: ['admin'],
        summary: 'Mail iBet has composed (verification, password reset …), newest first',
        querystring: Type.Object({
          to: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
        }),
        response: { 200: Type.Object({ items: Type.Array(Mail) }) },
      },
    },
    async (request) => ({ items: await listMail(deps.db, request.query) }),
  );

  app.get(
    '/api/v1/notifications',
    {
      config: { access: 'player' },
      schema: {
        tags: ['notifications'],
        summary: 'My latest messages (settled bets, payments)',
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
        }),
        response: { 200: Type.Object({ items: Type.Array(Message) }) },
      },
    },
    async (request) => {
      const rows = await deps.db.query<{
        id: bigint;
        kind: string;
        title: string;
        body: string;
        created_at: Date;
      }>(
        `SELECT id, kind, title, body, created_at FROM notifications.messages
         WHERE account_id = $1 ORDER BY id DESC LIMIT $2`,
        [request.principal!.accountId, request.query.limit],
      );
      return {
        items: rows.map((r) => ({
          id: r.id.toString(),
          kind: r.kind,
          title: r.title,
          body: r.body,
          createdAt: r.created_at.toISOString(),
        })),
      };
    },
  );
}
