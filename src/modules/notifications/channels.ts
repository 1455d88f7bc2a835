// What a notification provider is: one interface for every channel (email, SMS, push) and
// every way out (captured, SMTP, Amazon SES/SNS/SQS). The dispatcher needs nothing else.

export type Channel = 'email' | 'sms' | 'push';
export const CHANNELS: readonly Channel[] = ['email', 'sms', 'push'];

/** A rendered message, ready to hand to a provider. */
export interface OutgoingMessage {
  /**
   * Stable per event and channel (`ibet-<event id>-<channel>`), the same on every attempt: a
   * provider that can deduplicate (SMTP Message-ID, SQS FIFO) uses it, so a send retried
   * after a crash is recognised downstream.
   */
  messageId: string;
  channel: Channel;
  /** Email address, E.164 phone number, or push endpoint (e.g. an SNS endpoint ARN). */
  to: string;
  subject: string | null;
  text: string;
  locale: string;
  template: string;
}

export interface SendResult {
  /** The provider's id for the message, when it gives one. */
  providerMessageId: string | null;
}

/**
 * A way to deliver messages of one channel.
 * Errors: `PermanentFailure` when retrying cannot help (address refused, message rejected):
 * the message goes to the dead-letter list at once. Anything else is transient: retried with
 * back-off until the attempts run out.
 */
export interface Provider {
  readonly name: string;
  readonly channel: Channel;
  send(message: OutgoingMessage): Promise<SendResult>;
  close?(): Promise<void>;
}

/** A failure that retrying will not fix. */
export class PermanentFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentFailure';
  }
}

export const messageIdOf = (eventId: bigint | string, channel: Channel) =>
  `ibet-${eventId}-${channel}`;
