// Mail over SMTP with nodemailer: a small pool of connections, bounded timeouts, and the
// message id of the event+channel as the Message-ID header, so that a retried send is the
// same message to every MTA on the way.
import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { type OutgoingMessage, PermanentFailure, type Provider } from '../channels.ts';

export interface SmtpOptions {
  /** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://user:pass@host:465. */
  url: string;
  from: string;
  /** Per-step timeouts in milliseconds (connect, greeting, socket idle). */
  timeoutMs?: number;
}

function transportOptions(url: string, timeoutMs: number): SMTPPool.Options {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'smtps:';
  const flag = (name: string) => parsed.searchParams.get(name) === 'true';
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : secure ? 465 : 587,
    secure,
    ...(parsed.username
      ? {
          auth: {
            user: decodeURIComponent(parsed.username),
            pass: decodeURIComponent(parsed.password),
          },
        }
      : {}),
    // ?requireTLS=true refuses to send without STARTTLS; ?ignoreTLS=true never upgrades.
    requireTLS: flag('requireTLS'),
    ignoreTLS: flag('ignoreTLS'),
    pool: true as const,
    maxConnections: 3,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs * 3,
  };
}

/** The domain of the From address, for Message-ID headers. */
function domainOf(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  return address.split('@')[1] ?? 'ibet.invalid';
}

export function smtpProvider(options: SmtpOptions): Provider {
  const transport = nodemailer.createTransport(
    transportOptions(options.url, options.timeoutMs ?? 10_000),
  );
  const domain = domainOf(options.from);
  return {
    name: 'smtp',
    channel: 'email',
    async send(message: OutgoingMessage) {
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: message.to,
          subject: message.subject ?? '',
          text: message.text,
          messageId: `<${message.messageId}@${domain}>`,
          headers: { 'X-iBet-Template': message.template },
        });
        return { providerMessageId: info.messageId ?? null };
      } catch (error) {
        const { responseCode, code } = error as { responseCode?: number; code?: string };
        // A 5xx answer to the envelope or the message is final (no such mailbox, refused);
        // connection trouble, 4xx and authentication failures are worth retrying.
        if (
          typeof responseCode === 'number' &&
          responseCode >= 500 &&
          code !== 'EAUTH' &&
          code !== 'ECONNECTION'
        ) {
          throw new PermanentFailure(`SMTP ${responseCode}: ${(error as Error).message}`, {
            cause: error,
          });
        }
        throw error;
      }
    },
    async close() {
      transport.close();
    },
  };
}
