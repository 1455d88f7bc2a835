// Mail composed from outbox events (address verification, password reset, sign-in lock).
// The capture mailer keeps each message in notifications.mail, where the back office reads
// it, so the flows work without an SMTP server; a sending mailer records delivery there too.
import type { Queryable, Tx } from '../../platform/db/db.ts';
import type { Consumer } from '../../platform/events/bus.ts';
import type { OutboxEvent } from '../../platform/events/outbox.ts';

interface Mail {
  to: string;
  subject: string;
  body: string;
}

const DOOR_PATH: Record<string, string> = {
  player: '',
  staff: '/backoffice',
  partner: '/partners',
};

export function composeMail(event: OutboxEvent, publicUrl: string): Mail | undefined {
  const p = event.payload as Record<string, string>;
  const hello = `Hello ${p.displayName},`;
  switch (event.type) {
    case 'identity.email_verification_requested':
      return {
        to: p.email!,
        subject: 'Confirm your email address',
        body: `${hello}\n\nConfirm that this address is yours:\n${publicUrl}/#/verify-email?token=${p.token}\n\nThe link works once, for 7 days. If you did not open an iBet account, ignore this mail.\n`,
      };
    case 'identity.password_reset_requested':
      return {
        to: p.email!,
        subject: 'Reset your password',
        body: `${hello}\n\nSomeone asked to reset the password of your iBet account. To choose a new one:\n${publicUrl}${DOOR_PATH[p.kind ?? 'player'] ?? ''}/#/reset-password?token=${p.token}\n\nThe link works once, for one hour. If it was not you, ignore this mail: your password stays as it is.\n`,
      };
    case 'identity.sign_in_locked':
      return {
        to: p.email!,
        subject: 'Sign-in attempts on your account were blocked',
        body: `${hello}\n\nThere were many failed attempts to sign in to your iBet account, so we are refusing sign-ins for up to an hour. If this was not you, consider changing your password and enrolling an authenticator app.\n`,
      };
    default:
      return undefined;
  }
}

export function mailConsumer(publicUrl: string): Consumer {
  return {
    name: 'notifications.mail',
    types: [
      'identity.email_verification_requested',
      'identity.password_reset_requested',
      'identity.sign_in_locked',
    ],
    async handle(tx: Tx, event: OutboxEvent) {
      const mail = composeMail(event, publicUrl);
      if (!mail) return;
      await tx.query(
        `INSERT INTO notifications.mail (event_id, to_address, subject, body) VALUES ($1, $2, $3, $4)
         ON CONFLICT (event_id) DO NOTHING`,
        [event.id, mail.to, mail.subject, mail.body],
      );
    },
  };
}

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
