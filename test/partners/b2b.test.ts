// The B2B partner API: the key describing itself (for gateways that validate keys), the feed's
// conditional requests (ETag / If-None-Match → 304), and the WebSocket stream with an API key
// for public topics only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { listen } from '../realtime/support.ts';
import { issueKey, partnerSession, withKey } from '../support/access-helpers.ts';
import { useTestApp } from '../support/app.ts';

describe('the B2B partner API', () => {
  const t = useTestApp();

  let partner: Awaited<ReturnType<typeof partnerSession>>;
  beforeAll(async () => {
    const admin = await t.staff(['admin']);
    partner = await partnerSession(t.api, admin.token);
  });

  describe('GET /api/v1/b2b/me', () => {
    it('describes any valid key: partner, key id, scopes and rate limit', async () => {
      const key = await issueKey(t.api, partner.token, ['webhooks:manage', 'reports:read']);
      const response = await t.api.get('/api/v1/b2b/me', withKey(key.key));
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        partnerId: partner.id,
        keyId: key.id,
        scopes: ['reports:read', 'webhooks:manage'],
        rateLimit: { requests: 600, windowSeconds: 60 },
      });
    });

    it('answers 401 problem+json without a key, with a forged key, and with a revoked key', async () => {
      const missing = await t.api.get('/api/v1/b2b/me');
      expect(missing.status).toBe(401);
      expect(String(missing.headers['content-type'])).toContain('application/problem+json');
      expect(missing.body.code).toBe('api_key_required');

      const key = await issueKey(t.api, partner.token, ['odds:read']);
      const forged = `${key.key.slice(0, -4)}0000`;
      const bad = await t.api.get('/api/v1/b2b/me', withKey(forged));
      expect(bad.status).toBe(401);
      expect(bad.body.code).toBe('api_key_invalid');

      await t.api.post(`/api/v1/partner/api-keys/${key.id}/revoke`, {}, { token: partner.token });
      const revoked = await t.api.get('/api/v1/b2b/me', withKey(key.key));
      expect(revoked.status).toBe(401);
      expect(revoked.body.code).toBe('api_key_revoked');
    });
  });

  describe('conditional requests on the feed', () => {
    it('answers 304 with no body while the odds are unchanged, and 200 with a new ETag after a price moves', async () => {
      const key = await issueKey(t.api, partner.token, ['odds:read']);
      const event = await t.event();
      const first = await t.api.get('/api/v1/b2b/odds?limit=50', withKey(key.key));
      expect(first.status).toBe(200);
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
      expect(first.body.items.map((e: any) => e.id)).toContain(event.id);

      const same = await t.api.get('/api/v1/b2b/odds?limit=50', {
        headers: { 'x-api-key': key.key, 'if-none-match': etag },
      });
      expect(same.status).toBe(304);
      expect(same.body).toBe('');
      expect(same.headers.etag).toBe(etag);

      const trader = await t.trader();
      await t.api.patch(
        `/api/v1/admin/selections/${event.markets[0].selections[0].id}`,
        { price: '2.60' },
        { token: trader.token },
      );
      const changed = await t.api.get('/api/v1/b2b/odds?limit=50', {
        headers: { 'x-api-key': key.key, 'if-none-match': etag },
      });
      expect(changed.status).toBe(200);
      expect(changed.headers.etag).not.toBe(etag);
    });

    it('gives the catalogue and one event ETags too, and refuses a key without odds:read', async () => {
      const key = await issueKey(t.api, partner.token, ['odds:read']);
      const event = await t.event();
      for (const url of ['/api/v1/b2b/catalogue', `/api/v1/b2b/events/${event.id}`]) {
        const first = await t.api.get(url, withKey(key.key));
        expect(first.status, url).toBe(200);
        const again = await t.api.get(url, {
          headers: { 'x-api-key': key.key, 'if-none-match': `W/${first.headers.etag}` },
        });
        expect(again.status, url).toBe(304);
      }
      const other = await issueKey(t.api, partner.token, ['reports:read']);
      const refused = await t.api.get('/api/v1/b2b/catalogue', withKey(other.key));
      expect(refused.status).toBe(403);
      expect(refused.body.scope).toBe('odds:read');
    });
  });

  describe('the WebSocket stream with an API key', () => {
    let url: string;
    const sockets: WebSocket[] = [];
    beforeAll(async () => {
      url = await listen(t.app);
    });
    afterAll(() => {
      for (const ws of sockets) ws.terminate();
    });

    /** Opens /ws with a key; resolves with the socket and its messages, or the refusal status. */
    function open(key: string) {
      return new Promise<{ ws: WebSocket; messages: any[] } | { status: number }>(
        (resolve, reject) => {
          const ws = new WebSocket(url, { headers: { 'x-api-key': key } });
          sockets.push(ws);
          const messages: any[] = [];
          ws.on('message', (data) => {
            for (const line of data.toString().split('\n')) messages.push(JSON.parse(line));
          });
          ws.once('open', () => resolve({ ws, messages }));
          ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
          ws.once('error', reject);
        },
      );
    }

    const waitFor = async (messages: any[], match: (m: any) => boolean) => {
      for (let i = 0; i < 100; i++) {
        const found = messages.find(match);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no such message in ${JSON.stringify(messages)}`);
    };

    it('lets a key with odds:read subscribe to public topics, never to a player topic', async () => {
      const key = await issueKey(t.api, partner.token, ['odds:read']);
      const event = await t.event();
      const opened = await open(key.key);
      if (!('ws' in opened)) throw new Error(`refused: ${opened.status}`);
      const { ws, messages } = opened;
      ws.send(JSON.stringify({ op: 'subscribe', topic: `market:${event.markets[0].id}`, id: 'a' }));
      expect(await waitFor(messages, (m) => m.id === 'a')).toMatchObject({ type: 'subscribed' });
      ws.send(JSON.stringify({ op: 'subscribe', topic: 'me', id: 'b' }));
      expect(await waitFor(messages, (m) => m.id === 'b')).toMatchObject({
        type: 'error',
        code: 'unauthenticated',
      });
    });

    it('refuses the upgrade for a key without odds:read (403) and a forged key (401)', async () => {
      const key = await issueKey(t.api, partner.token, ['webhooks:manage']);
      expect(await open(key.key)).toEqual({ status: 403 });
      expect(await open(`ibet_000000000000_${'0'.repeat(64)}`)).toEqual({ status: 401 });
    });
  });
});
