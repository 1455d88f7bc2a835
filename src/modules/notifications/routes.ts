import { Type } from 'typebox';
import type { Db } from '../../platform/db/db.ts';
import { Timestamp } from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';

const Message = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  title: Type.String(),
  body: Type.String(),
  createdAt: Timestamp,
});

export function notificationRoutes(app: HttpServer, deps: { db: Db }): void {
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
