// Partner webhooks against a real receiver on 127.0.0.1: signatures a receiver can verify,
// replays it can detect, retries with backoff, hanging endpoints, the dead-letter list,
// redelivery and the exactly-once effect of an idempotent receiver.

import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicOnlyLookup } from '../../src/modules/webhooks/addresses.ts';
import {
  backoffSeconds,
  checkEndpointUrl,
  isSpecialAddress,
  pruneDeliveries,
  verifySignature,
} from '../../src/modules/webhooks/index.ts';
import { partnerSession } from '../support/access-helpers.ts';
import { PASSWORD, useTestApp } from '../support/app.ts';
import { legOn, placedBet, resultMarket } from '../support/betting-helpers.ts';
import { type Behaviour, type Receiver, startReceiver } from './receiver.ts';

describe('partner webhooks', () => {
  const t = useTestApp({
    env: {
      IBET_WEBHOOK_ALLOW_INSECURE: 'true',
      IBET_WEBHOOK_RETRY_SECONDS: '0',
      IBET_WEBHOOK_TIMEOUT_MS: '400',
      IBET_WEBHOOK_MAX_ATTEMPTS: '3',
    },
  });

  let receiver: Receiver;
  let adminToken: string;
  beforeAll(async () => {
    receiver = await startReceiver();
    adminToken = (await t.staff(['admin'])).token;
  });
  afterAll(async () => {
    await receiver.close();
  });

  /** A partner with an endpoint on its own path of the receiver, answering as `answers` say. */
  async function partnerWithEndpoint(answers: Behaviour[] = [], then: Behaviour = 'ok') {
    const path = receiver.endpoint(answers, then);
    const partner = await partnerSession(t.api, adminToken);
    const created = await t.api.post(
      '/api/v1/partner/webhooks',
      { url: path.url, eventTypes: ['market.status'] },
      { token: partner.token },
    );
    expect(created.status).toBe(201);
    return {
      partner,
      path,
      endpoint: created.body.endpoint,
      secret: created.body.secret as string,
    };
  }

  /** Suspends a new market (a market.status webhook) and queues its deliveries. */
  async function marketSuspended(): Promise<string> {
    const event = await t.event();
    const marketId = event.markets[0].id as string;
    const trader = await t.trader();
    const response = await t.api.post(
      `/api/v1/admin/markets/${marketId}/suspend`,
      {},
      {
        token: trader.token,
      },
    );
    expect(response.status).toBe(200);
    await t.app.relay!.drain();
    return marketId;
  }

  const deliveriesOf = async (token: string, query = '') =>
    (await t.api.get(`/api/v1/partner/webhook-deliveries${query}`, { token })).body.items as any[];

  describe('webhook signatures', () => {
    it('signs each delivery over timestamp.body with the secret shown once, and a receiver verifies it', async () => {
      const { partner, secret, endpoint, path } = await partnerWithEndpoint();
      expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      const listed = await t.api.get('/api/v1/partner/webhooks', { token: partner.token });
      expect(JSON.stringify(listed.body)).not.toContain(secret);
      expect(listed.body.items.map((e: any) => e.id)).toEqual([endpoint.id]);

      const marketId = await marketSuspended();
      await t.app.webhooks!.runOnce();
      const got = path.received.filter((r) => r.body.includes(marketId));
      expect(got).toHaveLength(1);
      const request = got[0]!;
      const body = JSON.parse(request.body);
      expect(body).toMatchObject({
        id: request.headers['ibet-webhook-id'],
        type: 'market.status',
        data: { marketId, status: 'suspended', previousStatus: 'open' },
      });
      const headers = {
        timestamp: request.headers['ibet-webhook-timestamp'] as string,
        signature: request.headers['ibet-webhook-signature'] as string,
      };
      expect(verifySignature(secret, headers, request.body)).toEqual({
        ok: true,
        timestamp: Number(headers.timestamp),
      });
      // A changed body, another secret, or the request replayed ten minutes later: refused.
      expect(verifySignature(secret, headers, request.body.replace('suspended', 'open'))).toEqual({
        ok: false,
        reason: 'bad_signature',
      });
      expect(verifySignature(`${secret}x`, headers, request.body).ok).toBe(false);
      expect(verifySignature(secret, headers, request.body, { now: Date.now() + 600_000 })).toEqual(
        {
          ok: false,
          reason: 'too_old',
        },
      );
    });

    it('signs with both secrets during a rotation grace period, and with the new one only after', async () => {
      const { partner, endpoint, secret: old, path } = await partnerWithEndpoint();
      const rotated = await t.api.post(
        `/api/v1/partner/webhooks/${endpoint.id}/rotate-secret`,
        { graceSeconds: 3600 },
        { token: partner.token },
      );
      expect(rotated.status).toBe(201);
      const fresh = rotated.body.secret as string;
      expect(fresh).not.toBe(old);
      expect(rotated.body.endpoint.previousSecretExpiresAt).not.toBeNull();

      const marketId = await marketSuspended();
      await t.app.webhooks!.runOnce();
      const request = path.received.find((r) => r.body.includes(marketId))!;
      const headers = {
        timestamp: request.headers['ibet-webhook-timestamp'] as string,
        signature: request.headers['ibet-webhook-signature'] as string,
      };
      expect(headers.signature.split(' ')).toHaveLength(2);
      expect(verifySignature(fresh, headers, request.body).ok).toBe(true);
      expect(verifySignature(old, headers, request.body).ok).toBe(true);

      const again = await t.api.post(
        `/api/v1/partner/webhooks/${endpoint.id}/rotate-secret`,
        {},
        { token: partner.token },
      );
      expect(again.body.endpoint.previousSecretExpiresAt).toBeNull();
    });
  });

  describe('webhook delivery', () => {
    it('retries a failing endpoint and delivers once it answers; the delivery log shows every attempt', async () => {
      const { partner } = await partnerWithEndpoint(['fail', 'fail'], 'ok');
      await marketSuspended();
      for (let i = 0; i < 3; i++) await t.app.webhooks!.runOnce();
      const [delivery] = await deliveriesOf(partner.token);
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200 });
      const detail = await t.api.get(`/api/v1/partner/webhook-deliveries/${delivery.id}`, {
        token: partner.token,
      });
      expect(detail.body.log.map((a: any) => [a.attempt, a.outcome, a.statusCode])).toEqual([
        [1, 'retry', 500],
        [2, 'retry', 500],
        [3, 'delivered', 200],
      ]);
      // One delivery id across the attempts, so the receiver applied it once.
      const ids = receiver.received
        .filter((r) => r.headers['ibet-webhook-id'] === delivery.id)
        .map((r) => r.headers['ibet-webhook-id']);
      expect(ids).toHaveLength(3);
      expect(receiver.applied.has(delivery.id)).toBe(true);
    });

    it('counts an endpoint that hangs as a failed attempt after the timeout, and retries it', async () => {
      const { partner } = await partnerWithEndpoint(['hang'], 'ok');
      await marketSuspended();
      const started = Date.now();
      await t.app.webhooks!.runOnce();
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(350);
      expect(took).toBeLessThan(5000);
      const [pending] = await deliveriesOf(partner.token);
      expect(pending.status).toBe('pending');
      expect(pending.lastError).toMatch(/no answer within 400 ms/);
      await t.app.webhooks!.runOnce();
      const [delivered] = await deliveriesOf(partner.token);
      expect(delivered).toMatchObject({ status: 'delivered', attempts: 2 });
    });

    it('dead-letters a delivery whose attempts run out; redelivery sends the same id and an idempotent receiver applies it once', async () => {
      const { partner, path } = await partnerWithEndpoint([], 'fail');
      await marketSuspended();
      for (let i = 0; i < 5; i++) await t.app.webhooks!.runOnce();
      const dead = await deliveriesOf(partner.token, '?status=dead');
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ status: 'dead', attempts: 3 });
      const id = dead[0].id as string;
      expect(receiver.applied.has(id)).toBe(false);

      path.script([], 'ok');
      const redelivered = await t.api.post(
        `/api/v1/partner/webhook-deliveries/${id}/redeliver`,
        {},
        {
          token: partner.token,
        },
      );
      expect(redelivered.status).toBe(200);
      expect(redelivered.body).toMatchObject({ status: 'pending', attempts: 0 });
      await t.app.webhooks!.runOnce();
      // Delivered, then asked for again (say the receiver lost it): the same id and body arrive.
      await t.api.post(
        `/api/v1/partner/webhook-deliveries/${id}/redeliver`,
        {},
        {
          token: partner.token,
        },
      );
      await t.app.webhooks!.runOnce();
      const bodies = receiver.received
        .filter((r) => r.headers['ibet-webhook-id'] === id)
        .map((r) => r.body);
      expect(bodies.length).toBe(5);
      expect(new Set(bodies).size).toBe(1);
      expect([...receiver.applied.keys()].filter((k) => k === id)).toHaveLength(1);
      expect(await deliveriesOf(partner.token, '?status=dead')).toEqual([]);
    });

    it('sends a market status change once, not every price update, and nothing to disabled endpoints', async () => {
      const { partner, endpoint } = await partnerWithEndpoint();
      const event = await t.event();
      const marketId = event.markets[0].id as string;
      const trader = await t.trader();
      await t.api.patch(
        `/api/v1/admin/selections/${event.markets[0].selections[0].id}`,
        { price: '2.50' },
        { token: trader.token },
      );
      await t.api.post(`/api/v1/admin/markets/${marketId}/suspend`, {}, { token: trader.token });
      await t.api.post(`/api/v1/admin/markets/${marketId}/open`, {}, { token: trader.token });
      await t.app.relay!.drain();
      const types = (await deliveriesOf(partner.token)).map((d) => d.payload.data.status);
      expect(types.sort()).toEqual(['open', 'suspended']);

      await t.api.patch(
        `/api/v1/partner/webhooks/${endpoint.id}`,
        { active: false },
        {
          token: partner.token,
        },
      );
      await t.api.post(`/api/v1/admin/markets/${marketId}/suspend`, {}, { token: trader.token });
      await t.app.relay!.drain();
      expect(await deliveriesOf(partner.token)).toHaveLength(2);
      await t.app.webhooks!.runOnce();
    });

    it('sends bet.settled only to the affiliate who referred the bettor, and event.result to every subscriber', async () => {
      const types = ['bet.settled', 'event.result'];
      const affiliate = await partnerSession(t.api, adminToken, { type: 'affiliate' });
      const b2b = await partnerSession(t.api, adminToken, { type: 'b2b' });
      for (const p of [affiliate, b2b]) {
        const created = await t.api.post(
          '/api/v1/partner/webhooks',
          { url: receiver.endpoint().url, eventTypes: types },
          { token: p.token },
        );
        expect(created.status).toBe(201);
      }
      const link = await t.api.post(
        '/api/v1/partner/affiliate/links',
        { name: 'Tips' },
        {
          token: affiliate.token,
        },
      );
      const click = await t.api.get(`/r/${link.body.code}`);
      const cookie = String(click.headers['set-cookie']).split(';')[0]!;
      const email = `p-${randomUUID()}@example.com`;
      await t.api.post(
        '/api/v1/auth/register',
        {
          email,
          password: PASSWORD,
          displayName: 'Referred',
          dateOfBirth: '1990-01-01',
          country: 'IE',
          currency: 'EUR',
        },
        { headers: { cookie } },
      );
      const login = await t.api.post('/api/v1/auth/login', { email, password: PASSWORD });
      const referred = { id: '', email, token: login.body.accessToken, refreshToken: '' };
      const other = await t.player();
      await t.deposit(referred, 10_000n);
      await t.deposit(other, 10_000n);
      const event = await t.event();
      const market = event.markets[0];
      const mine = await placedBet(t, referred, { legs: [legOn(market.selections[0])] });
      await placedBet(t, other, { legs: [legOn(market.selections[0])] });
      expect(
        (await resultMarket(t, market.id, { winners: [market.selections[0].id] })).status,
      ).toBe(200);
      await t.app.relay!.drain();

      const ofAffiliate = await deliveriesOf(affiliate.token);
      const settled = ofAffiliate.filter((d) => d.eventType === 'bet.settled');
      expect(settled.map((d) => d.payload.data.betId)).toEqual([mine.id]);
      expect(settled[0].payload.data).toMatchObject({
        status: 'won',
        stake: '1000',
        currency: 'EUR',
      });
      const results = ofAffiliate.filter((d) => d.eventType === 'event.result');
      expect(results.map((d) => d.payload.data)).toEqual([
        expect.objectContaining({
          marketId: market.id,
          eventId: event.id,
          winners: [market.selections[0].id],
        }),
      ]);
      expect((await deliveriesOf(b2b.token)).map((d) => d.eventType)).toEqual(['event.result']);
      await t.app.webhooks!.runOnce();
    });

    it('forgets delivered deliveries and their attempts after 30 days, never pending ones', async () => {
      const { partner } = await partnerWithEndpoint();
      await marketSuspended();
      await t.app.webhooks!.runOnce();
      await marketSuspended();
      const [newest, oldest] = await deliveriesOf(partner.token);
      expect([oldest.status, newest.status]).toEqual(['delivered', 'pending']);
      await t.db.query(
        "UPDATE webhooks.deliveries SET created_at = now() - interval '31 days' WHERE id = ANY($1::uuid[])",
        [[oldest.id, newest.id]],
      );
      expect(await pruneDeliveries(t.db)).toBeGreaterThanOrEqual(1);
      expect((await deliveriesOf(partner.token)).map((d) => d.id)).toEqual([newest.id]);
      expect(
        await t.db.query('SELECT 1 FROM webhooks.attempts WHERE delivery_id = $1', [oldest.id]),
      ).toEqual([]);
      await t.app.webhooks!.runOnce();
    });

    it("does not show one partner another partner's endpoints or deliveries", async () => {
      const { endpoint } = await partnerWithEndpoint();
      const other = await partnerSession(t.api, adminToken);
      const response = await t.api.get(`/api/v1/partner/webhooks/${endpoint.id}`, {
        token: other.token,
      });
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('webhook_endpoint_not_found');
      expect(await deliveriesOf(other.token)).toEqual([]);
    });

    it('refuses unknown event types with a problem document and writes nothing', async () => {
      const partner = await partnerSession(t.api, adminToken);
      const response = await t.api.post(
        '/api/v1/partner/webhooks',
        { url: receiver.endpoint().url, eventTypes: ['bet.placed'] },
        { token: partner.token },
      );
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('unknown_event_type');
      const listed = await t.api.get('/api/v1/partner/webhooks', { token: partner.token });
      expect(listed.body.items).toEqual([]);
    });
  });

  describe('webhook endpoint addresses', () => {
    it('refuses http:// and loopback, private, link-local and internal names in production', () => {
      for (const url of [
        'http://example.com/hook',
        'https://127.0.0.1/hook',
        'https://10.1.2.3/hook',
        'https://172.20.0.1/hook',
        'https://192.168.1.1/hook',
        'https://169.254.169.254/latest/meta-data',
        'https://[::1]/hook',
        'https://[fd00::1]/hook',
        'https://[::ffff:10.0.0.1]/hook',
        'https://localhost/hook',
        'https://metadata.google.internal/hook',
        'https://intranet/hook',
      ]) {
        expect(() => checkEndpointUrl(url, false), url).toThrowError(
          expect.objectContaining({ code: 'webhook_url_not_allowed' }),
        );
      }
      expect(() => checkEndpointUrl('not a url', false)).toThrowError(
        expect.objectContaining({ code: 'webhook_url_invalid' }),
      );
      expect(checkEndpointUrl('https://hooks.example.com/ibet#x', false)).toBe(
        'https://hooks.example.com/ibet',
      );
      expect(checkEndpointUrl('http://127.0.0.1:8080/hook', true)).toBe(
        'http://127.0.0.1:8080/hook',
      );
      expect(isSpecialAddress('93.184.216.34')).toBe(false);
      expect(isSpecialAddress('2606:2800:220:1::1')).toBe(false);
    });

    it('refuses, when connecting, a name that resolves to a private address', async () => {
      const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
        publicOnlyLookup('localhost', {}, (e) => resolve(e)),
      );
      expect(error?.code).toBe('EADDRNOTPUBLIC');
    });

    it('waits exponentially longer between attempts, with jitter, up to six hours', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 1, max: 600 }),
          fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
          (attempt, retry, random) => {
            const base = Math.min(6 * 3600, retry * 2 ** (attempt - 1));
            const delay = backoffSeconds(attempt, retry, () => random);
            expect(delay).toBeGreaterThanOrEqual(base / 2);
            expect(delay).toBeLessThanOrEqual(base);
          },
        ),
      );
    });
  });
});
