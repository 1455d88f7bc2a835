// A real SMTP server on 127.0.0.1 (smtp-server) that keeps what it accepts and can be told to
// refuse: transiently (4xx) for the next N messages, or for good (5xx) for some recipients.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
  messageId: string;
  body: string;
}

export interface TestSmtp {
  url: string;
  received: ReceivedMail[];
  /** Answer the next `n` messages with 451 (try again later). */
  failNext(n: number): void;
  /** Refuse these recipients with 550 (no such mailbox). */
  refuse(address: string): void;
  accept(address: string): void;
  /** Connections and DATA commands seen, accepted or not. */
  attempts: number;
  close(): Promise<void>;
}

/** The text of a quoted-printable body (what nodemailer sends for long or non-ASCII lines). */
function decodeBody(raw: string, body: string): string {
  if (!/content-transfer-encoding:\s*quoted-printable/i.test(raw)) return body;
  const bytes = Buffer.from(
    body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(Number.parseInt(hex, 16))),
    'latin1',
  );
  return bytes.toString('utf8');
}

function header(raw: string, name: string): string {
  const match = new RegExp(`^${name}:\\s*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(raw);
  return match ? match[1]!.replace(/\r?\n[ \t]/g, ' ').trim() : '';
}

export async function startSmtp(): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const refused = new Set<string>();
  let failures = 0;
  const state = { attempts: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refused.has(address.address.toLowerCase())) {
        const error = new Error('5.1.1 No such mailbox') as Error & { responseCode: number };
        error.responseCode = 550;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        raw += chunk;
      });
      stream.on('end', () => {
        state.attempts++;
        if (failures > 0) {
          failures--;
          const error = new Error('4.3.0 Try again later') as Error & { responseCode: number };
          error.responseCode = 451;
          return callback(error);
        }
        const split = raw.search(/\r?\n\r?\n/);
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject: header(raw, 'Subject'),
          messageId: header(raw, 'Message-ID'),
          body: decodeBody(raw, split >= 0 ? raw.slice(split).trim() : ''),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    failNext(n) {
      failures = n;
    },
    refuse(address) {
      refused.add(address.toLowerCase());
    },
    accept(address) {
      refused.delete(address.toLowerCase());
    },
    get attempts() {
      return state.attempts;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
