// The Amazon adapters behind the provider interface, against a local stand-in for the AWS
// endpoints (IBET_AWS_ENDPOINT): SES v2 for mail, SNS for text and push, SQS for handing
// messages to another sender. AWS itself is outside our control, so this checks the requests
// the real SDK sends and how the adapters read the answers — refusals are final, the rest retried.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type OutgoingMessage,
  PermanentFailure,
  snsProvider,
  sqsProvider,
} from '../../src/modules/notifications/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

interface Seen {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function fakeAws() {
  const seen: Seen[] = [];
  let throttle = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({ path: req.url ?? '', headers: req.headers, body });
      if (throttle > 0) {
        throttle--;
        res.writeHead(500, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'InternalFailure',
        });
        return res.end('{"__type":"InternalFailure","message":"try again"}');
      }
      if (req.url === '/v2/email/outbound-emails') {
        const request = JSON.parse(body);
        if (request.Destination.ToAddresses[0].startsWith('bounce')) {
          res.writeHead(400, {
            'content-type': 'application/json',
            'x-amzn-errortype': 'MessageRejected',
          });
          return res.end('{"message":"Email address is on the suppression list"}');
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"MessageId":"ses-0001"}');
      }
      if (String(req.headers['x-amz-target']).endsWith('SendMessage')) {
        const request = JSON.parse(body);
        const md5 = createHash('md5').update(request.MessageBody).digest('hex');
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        return res.end(JSON.stringify({ MessageId: 'sqs-0001', MD5OfMessageBody: md5 }));
      }
      if (body.includes('Action=Publish')) {
        res.writeHead(200, { 'content-type': 'text/xml' });
        return res.end(
          '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>sns-0001</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>',
        );
      }
      res.writeHead(404);
      res.end();
    });
  });
  return {
    seen,
    throttleNext(n: number) {
      throttle = n;
    },
    async start(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const message = (overrides: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  messageId: 'ibet-42-sms',
  channel: 'sms',
  to: '+353851234567',
  subject: null,
  text: 'Your bet won: €20.00 is in your balance.',
  locale: 'en',
  template: 'bet_settled',
  ...overrides,
});

describe('the AWS notification providers', () => {
  const aws = fakeAws();
  let endpoint: string;
  let t: TestApp;

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIATESTTESTTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';
    endpoint = await aws.start();
    t = await startTestApp({
      env: {
        IBET_MAIL_PROVIDER: 'ses',
        AWS_REGION: 'eu-west-1',
        IBET_AWS_ENDPOINT: endpoint,
        IBET_MAIL_FROM: 'iBet <no-reply@ibet.example>',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await aws.close();
  });

  it('send mail through SES v2, signed, from the configured address', async () => {
    const player = await t.player();
    await t.app.relay!.drain();
    await t.app.notifications!.dispatcher.runOnce();
    const call = aws.seen.find((s) => s.path === '/v2/email/outbound-emails');
    expect(call).toBeDefined();
    expect(String(call!.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 .*\/eu-west-1\/ses\//);
    const request = JSON.parse(call!.body);
    expect(request).toMatchObject({
      FromEmailAddress: 'iBet <no-reply@ibet.example>',
      Destination: { ToAddresses: [player.email] },
      Content: { Simple: { Subject: { Data: 'Confirm your email address' } } },
    });
    expect(request.Content.Simple.Body.Text.Data).toContain('/#/verify-email?token=');
    const [row] = await t.db.query<{
      status: string;
      provider: string;
      provider_message_id: string;
    }>(
      'SELECT status, provider, provider_message_id FROM notifications.deliveries WHERE recipient = $1',
      [player.email],
    );
    expect(row).toEqual({ status: 'sent', provider: 'ses', provider_message_id: 'ses-0001' });
  });

  it('dead-letter mail SES refuses (400 MessageRejected) at the first attempt', async () => {
    const email = `bounce-${Date.now()}@example.com`;
    const player = await t.player();
    await t.db.query('UPDATE identity.accounts SET email = $2 WHERE id = $1', [player.id, email]);
    await t.deposit(player, 500n);
    await t.app.relay!.drain();
    await t.app.notifications!.dispatcher.runOnce();
    const [row] = await t.db.query<{ status: string; attempts: number; last_error: string }>(
      `SELECT status, attempts, last_error FROM notifications.deliveries
       WHERE recipient = $1 AND template = 'deposit_receipt'`,
      [email],
    );
    expect(row).toMatchObject({ status: 'dead', attempts: 1 });
    expect(row!.last_error).toMatch(/MessageRejected/);
  });

  it('send text messages and push through SNS, and retry when SNS fails on its side', async () => {
    const sms = snsProvider({ region: 'eu-west-1', endpoint }, 'sms');
    expect(await sms.send(message())).toEqual({ providerMessageId: 'sns-0001' });
    const published = new URLSearchParams(aws.seen.at(-1)!.body);
    expect(published.get('Action')).toBe('Publish');
    expect(published.get('PhoneNumber')).toBe('+353851234567');
    expect(published.get('Message')).toBe('Your bet won: €20.00 is in your balance.');

    const push = snsProvider({ region: 'eu-west-1', endpoint }, 'push');
    const arn = 'arn:aws:sns:eu-west-1:123456789012:endpoint/GCM/ibet/0a1b2c';
    await push.send(message({ channel: 'push', to: arn, messageId: 'ibet-42-push' }));
    expect(new URLSearchParams(aws.seen.at(-1)!.body).get('TargetArn')).toBe(arn);

    aws.throttleNext(5);
    const failure = await sms.send(message()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(PermanentFailure); // the dispatcher retries it
    aws.throttleNext(0);
    await sms.close?.();
    await push.close?.();
  });

  it('hand messages to an SQS FIFO queue, deduplicated by the message id', async () => {
    const queueUrl = `${endpoint}/123456789012/ibet-notifications.fifo`;
    const sqs = sqsProvider({ region: 'eu-west-1', endpoint, queueUrl }, 'email');
    const sent = message({
      channel: 'email',
      messageId: 'ibet-7-email',
      to: 'p@example.com',
      subject: 'Hi',
    });
    expect(await sqs.send(sent)).toEqual({ providerMessageId: 'sqs-0001' });
    const call = aws.seen.at(-1)!;
    expect(call.headers['x-amz-target']).toBe('AmazonSQS.SendMessage');
    const request = JSON.parse(call.body);
    expect(request).toMatchObject({
      QueueUrl: queueUrl,
      MessageDeduplicationId: 'ibet-7-email',
      MessageGroupId: 'email',
    });
    expect(JSON.parse(request.MessageBody)).toEqual(sent);
    await sqs.close?.();
  });
});
