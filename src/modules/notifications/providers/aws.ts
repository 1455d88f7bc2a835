// Amazon adapters behind the same provider interface: mail through SES, text messages and
// push through SNS, or any channel handed to an SQS queue for another sender (FIFO queues
// deduplicate by the message id). Credentials come from the usual AWS chain.
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  type Channel,
  type OutgoingMessage,
  PermanentFailure,
  type Provider,
} from '../channels.ts';

export interface AwsOptions {
  region: string;
  /** LocalStack, a VPC endpoint, or a test server. */
  endpoint?: string | undefined;
}

const clientConfig = (options: AwsOptions) => ({
  region: options.region,
  ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  maxAttempts: 2,
});

/** 400-class answers other than throttling mean the request itself is refused: final. */
function classify(error: unknown, service: string): never {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = (error as Error).name ?? '';
  if (status === 400 && !/Throttl|TooManyRequests|LimitExceeded/i.test(name)) {
    throw new PermanentFailure(`${service} refused the message: ${name}`, { cause: error });
  }
  throw error;
}

export function sesProvider(options: AwsOptions & { from: string }): Provider {
  const client = new SESv2Client(clientConfig(options));
  return {
    name: 'ses',
    channel: 'email',
    async send(message: OutgoingMessage) {
      try {
        const result = await client.send(
          new SendEmailCommand({
            FromEmailAddress: options.from,
            Destination: { ToAddresses: [message.to] },
            Content: {
              Simple: {
                Subject: { Data: message.subject ?? '', Charset: 'UTF-8' },
                Body: { Text: { Data: message.text, Charset: 'UTF-8' } },
                Headers: [{ Name: 'X-iBet-Message-Id', Value: message.messageId }],
              },
            },
            EmailTags: [{ Name: 'template', Value: message.template }],
          }),
        );
        return { providerMessageId: result.MessageId ?? null };
      } catch (error) {
        classify(error, 'SES');
      }
    },
    async close() {
      client.destroy();
    },
  };
}

export function snsProvider(options: AwsOptions, channel: 'sms' | 'push'): Provider {
  const client = new SNSClient(clientConfig(options));
  return {
    name: 'sns',
    channel,
    async send(message: OutgoingMessage) {
      try {
        const result = await client.send(
          new PublishCommand({
            ...(channel === 'sms' ? { PhoneNumber: message.to } : { TargetArn: message.to }),
            Message: message.text,
            ...(message.subject && channel === 'push' ? { Subject: message.subject } : {}),
            MessageAttributes: {
              'ibet.message_id': { DataType: 'String', StringValue: message.messageId },
            },
          }),
        );
        return { providerMessageId: result.MessageId ?? null };
      } catch (error) {
        classify(error, 'SNS');
      }
    },
    async close() {
      client.destroy();
    },
  };
}

export function sqsProvider(
  options: AwsOptions & { queueUrl: string },
  channel: Channel,
): Provider {
  const client = new SQSClient(clientConfig(options));
  const fifo = options.queueUrl.endsWith('.fifo');
  return {
    name: 'sqs',
    channel,
    async send(message: OutgoingMessage) {
      try {
        const result = await client.send(
          new SendMessageCommand({
            QueueUrl: options.queueUrl,
            MessageBody: JSON.stringify(message),
            MessageAttributes: {
              channel: { DataType: 'String', StringValue: message.channel },
              template: { DataType: 'String', StringValue: message.template },
            },
            ...(fifo
              ? { MessageDeduplicationId: message.messageId, MessageGroupId: message.channel }
              : {}),
          }),
        );
        return { providerMessageId: result.MessageId ?? null };
      } catch (error) {
        classify(error, 'SQS');
      }
    },
    async close() {
      client.destroy();
    },
  };
}
