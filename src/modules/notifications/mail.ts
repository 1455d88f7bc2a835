// The mail log: every mail iBet composed (see enqueue.ts), newest first, for the back office.
// With the captured provider this is where mail ends; with SMTP, SES or SQS `sentAt` says
// when the provider accepted it.
import type { Queryable } from '../../platform/db/db.ts';

export interface MailView {
  id: string;
  to: string;
  subject: string;
  body: string;
  createdAt: string;
  sentAt: string | null;
}

export async function listMail(
  q: Queryable,
  query: { to?: string | undefined; limit: number },
): Promise<MailView[]> {
  const rows = await q.query<{
    id: bigint;
    to_address: string;
    subject: string;
    body: string;
    created_at: Date;
    sent_at: Date | null;
  }>(
    `SELECT id, to_address, subject, body, created_at, sent_at FROM notifications.mail
     WHERE $1::text IS NULL OR lower(to_address) = lower($1)
     ORDER BY id DESC LIMIT $2`,
    [query.to ?? null, query.limit],
  );
  return rows.map((r) => ({
    id: r.id.toString(),
    to: r.to_address,
    subject: r.subject,
    body: r.body,
    createdAt: r.created_at.toISOString(),
    sentAt: r.sent_at?.toISOString() ?? null,
  }));
}
