// The mail log: every mail iBet composed (see enqueue.ts), newest first, for the back office.
// With the captured provider this is where mail ends; with SMTP, SES or SQS `sentAt` says
// when the provider accepted it (the sent time of the mail's delivery on the email channel).
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
    `SELECT m.id, m.to_address, m.subject, m.body, m.created_at, d.sent_at
     FROM notifications.mail m
     LEFT JOIN notifications.deliveries d ON d.event_id = m.event_id AND d.channel = 'email'
     WHERE $1::text IS NULL OR lower(m.to_address) = lower($1)
     ORDER BY m.id DESC LIMIT $2`,
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
