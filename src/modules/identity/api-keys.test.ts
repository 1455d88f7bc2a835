import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDITED,
  auditRecords,
  issueKey,
  type PartnerSession,
  partnerSession,
  withKey,
} from '../../../test/support/access-helpers.ts';
import { Api, useTestApp } from '../../../test/support/app.ts';
import { createTestDb } from '../../../test/support/db.ts';
import {
  countAll,
  expectProblem,
  type StaffSession,
  sha256,
  staffSession,
} from '../../../test/support/identity-helpers.ts';
import { type App, createApp } from '../../app.ts';
import { loadConfig } from '../../platform/config.ts';
import type { Db } from '../../platform/db/db.ts';
import { createLogger } from '../../platform/observability/logger.ts';
import { MAX_LIVE_KEYS } from './api-keys.ts';

const KEYS = '/api/v1/partner/api-keys';
const FEED = '/api/v1/b2b/odds';
const TABLES = ['identity.api_keys', AUDITED];
const KEY_FORMAT = /^ibet_([0-9a-f]{12})_([0-9a-f]{64})$/;

describe('partner API keys', () => {
  const t = useTestApp();
  let admin: StaffSession;
  let partner: PartnerSession;

  beforeAll(async () => {
    admin = await staffSession(t.db, t.api, ['admin']);
    partner = await partnerSession(t.api, admin.token);
    await t.event();
    await t.event({ startsInHours: 48 });
  });

  async function refused(
    send: () => ReturnType<typeof t.api.request>,
    status: number,
    code: string,
  ) {
    const before = await countAll(t.db, TABLES);
    const problem = expectProblem(await send(), status, code);
    expect(await countAll(t.db, TABLES)).toEqual(before);
    return problem;
  }

  it('shows a new key once, stores only its SHA-256, and never lists the key', async () => {
    const created = await t.api.post(
      KEYS,
      { name: 'feed (production)', scopes: ['reports:read', 'odds:read', 'odds:read'] },
      { token: partner.token },
    );
    expect(created.status).toBe(201);
    const { key, apiKey } = created.body;
    const [, prefix] = KEY_FORMAT.exec(key) ?? [];
    expect(prefix).toBeDefined();
    expect(apiKey).toEqual({
      id: expect.any(String),
      name: 'feed (production)',
      prefix,
      scopes: ['odds:read', 'reports:read'],
      status: 'active',
      createdAt: expect.any(String),
      lastUsedAt: null,
      revokedAt: null,
      replacedBy: null,
    });
    const rows = await t.db.query<Record<string, unknown>>(
      'SELECT * FROM identity.api_keys WHERE id = $1',
      [apiKey.id],
    );
    expect(rows[0]!.key_hash).toBe(sha256(key));
    expect(JSON.stringify(rows)).not.toContain(key.slice(-64));

    const list = await t.api.get(KEYS, { token: partner.token });
    expect(list.status).toBe(200);
    expect(list.body.items[0]).toEqual(apiKey);
    expect(JSON.stringify(list.body)).not.toContain(key.slice(-64));

    const [record] = await auditRecords(t.db, 'api_key.created', apiKey.id);
    expect(record).toMatchObject({
      actor_id: partner.id,
      actor_kind: 'partner',
      target_type: 'api_key',
      outcome: 'success',
      details: { name: 'feed (production)', prefix, scopes: ['odds:read', 'reports:read'] },
    });
    expect(JSON.stringify(record)).not.toContain(key.slice(-64));
  });

  it('lets a key with odds:read read the odds feed, with markets and prices, a page at a time', async () => {
    const { key } = await issueKey(t.api, partner.token, ['odds:read']);
    const first = await t.api.get(`${FEED}?limit=1`, withKey(key));
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(1);
    const [event] = first.body.items;
    expect(event.markets[0].selections[0].price).toMatch(/^\d+\.\d{2,3}$/);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await t.api.get(`${FEED}?limit=1&cursor=${first.body.nextCursor}`, withKey(key));
    expect(second.status).toBe(200);
    expect(second.body.items[0].id).not.toBe(event.id);
    // The feed is the public catalogue's: the same events in the same order.
    const catalogue = await t.api.get('/api/v1/events?limit=2');
    expect(catalogue.body.items.map((e: any) => e.id)).toEqual([event.id, second.body.items[0].id]);
  });

  it('asks for a key when there is none, even from a signed-in partner', async () => {
    expectProblem(await t.api.get(FEED), 401, 'api_key_required');
    expectProblem(await t.api.get(FEED, { token: partner.token }), 401, 'api_key_required');
  });

  it.each([
    ['a malformed key', 'not-a-key'],
    ['an unknown key', `ibet_000000000000_${'0'.repeat(64)}`],
    ['a bearer token in the key header', 'Bearer abc.def.ghi'],
  ])('refuses %s with 401 api_key_invalid', async (_, key) => {
    expectProblem(await t.api.get(FEED, withKey(key)), 401, 'api_key_invalid');
  });

  it('refuses a real prefix with a wrong secret', async () => {
    const { key } = await issueKey(t.api, partner.token);
    const forged = `${key.slice(0, -64)}${'a'.repeat(64)}`;
    expectProblem(await t.api.get(FEED, withKey(forged)), 401, 'api_key_invalid');
    expectProblem(await t.api.get(FEED, withKey(key.toUpperCase())), 401, 'api_key_invalid');
  });

  it("refuses a key without the route's scope, naming the scope", async () => {
    const { key } = await issueKey(t.api, partner.token, ['reports:read', 'webhooks:manage']);
    const problem = expectProblem(await t.api.get(FEED, withKey(key)), 403, 'forbidden');
    expect(problem.scope).toBe('odds:read');
  });

  it('refuses a revoked key at once; revoking it again changes nothing', async () => {
    const { id, key } = await issueKey(t.api, partner.token);
    expect((await t.api.get(FEED, withKey(key))).status).toBe(200);
    const revoked = await t.api.post(`${KEYS}/${id}/revoke`, {}, { token: partner.token });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id, status: 'revoked', revokedAt: expect.any(String) });
    expectProblem(await t.api.get(FEED, withKey(key)), 401, 'api_key_revoked');

    const before = await countAll(t.db, TABLES);
    const again = await t.api.post(`${KEYS}/${id}/revoke`, {}, { token: partner.token });
    expect(again.body).toEqual(revoked.body);
    expect(await countAll(t.db, TABLES)).toEqual(before);
    const records = await auditRecords(t.db, 'api_key.revoked', id);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ actor_id: partner.id, actor_kind: 'partner' });
  });

  it('rotates a key: a new key with the same name and scopes, and the old one stops at once', async () => {
    const old = await issueKey(t.api, partner.token, ['odds:read', 'reports:read'], 'rotating');
    const rotated = await t.api.post(`${KEYS}/${old.id}/rotate`, {}, { token: partner.token });
    expect(rotated.status).toBe(201);
    expect(rotated.body.key).toMatch(KEY_FORMAT);
    expect(rotated.body.key).not.toBe(old.key);
    expect(rotated.body.apiKey).toMatchObject({
      name: 'rotating',
      scopes: ['odds:read', 'reports:read'],
      status: 'active',
    });
    expectProblem(await t.api.get(FEED, withKey(old.key)), 401, 'api_key_revoked');
    expect((await t.api.get(FEED, withKey(rotated.body.key))).status).toBe(200);

    const list = await t.api.get(`${KEYS}?limit=100`, { token: partner.token });
    expect(list.body.items.find((k: any) => k.id === old.id)).toMatchObject({
      status: 'revoked',
      replacedBy: rotated.body.apiKey.id,
    });
    const [record] = await auditRecords(t.db, 'api_key.rotated', old.id);
    expect(record).toMatchObject({
      actor_id: partner.id,
      details: { newKeyId: rotated.body.apiKey.id, graceSeconds: 0, prefix: old.prefix },
    });
  });

  it('lets a rotated key work on through its grace period, and not be rotated again', async () => {
    const old = await issueKey(t.api, partner.token);
    const rotated = await t.api.post(
      `${KEYS}/${old.id}/rotate`,
      { graceSeconds: 3600 },
      { token: partner.token },
    );
    expect(rotated.status).toBe(201);
    expect((await t.api.get(FEED, withKey(old.key))).status).toBe(200);
    expect((await t.api.get(FEED, withKey(rotated.body.key))).status).toBe(200);
    const list = await t.api.get(`${KEYS}?limit=100`, { token: partner.token });
    const expiring = list.body.items.find((k: any) => k.id === old.id);
    expect(expiring.status).toBe('expiring');
    expect(Date.parse(expiring.revokedAt) - Date.now()).toBeGreaterThan(3500_000);

    await refused(
      () => t.api.post(`${KEYS}/${old.id}/rotate`, {}, { token: partner.token }),
      409,
      'api_key_not_active',
    );
    // Revoking ends the grace period now.
    await t.api.post(`${KEYS}/${old.id}/revoke`, {}, { token: partner.token });
    expectProblem(await t.api.get(FEED, withKey(old.key)), 401, 'api_key_revoked');
    expect((await t.api.get(FEED, withKey(rotated.body.key))).status).toBe(200);
  });

  it("keeps partners' keys apart: another partner's key is not found", async () => {
    const other = await partnerSession(t.api, admin.token, { type: 'affiliate' });
    const mine = await issueKey(t.api, partner.token);
    for (const action of ['rotate', 'revoke']) {
      await refused(
        () => t.api.post(`${KEYS}/${mine.id}/${action}`, {}, { token: other.token }),
        404,
        'api_key_not_found',
      );
    }
    const list = await t.api.get(KEYS, { token: other.token });
    expect(list.body).toEqual({ items: [], nextCursor: null });
    expect((await t.api.get(FEED, withKey(mine.key))).status).toBe(200);
  });

  it('answers 404 for a key that does not exist', async () => {
    await refused(
      () =>
        t.api.post(
          `${KEYS}/00000000-0000-4000-8000-000000000000/revoke`,
          {},
          { token: partner.token },
        ),
      404,
      'api_key_not_found',
    );
  });

  it('records when a key was last used, writing at most once a minute', async () => {
    const { id, key } = await issueKey(t.api, partner.token);
    const lastUsed = async () =>
      (
        await t.db.query<{ at: Date | null }>(
          'SELECT last_used_at AS at FROM identity.api_keys WHERE id = $1',
          [id],
        )
      )[0]!.at;
    expect(await lastUsed()).toBeNull();
    await t.api.get(FEED, withKey(key));
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);

    await t.db.query(
      `UPDATE identity.api_keys SET last_used_at = now() - interval '30 seconds' WHERE id = $1`,
      [id],
    );
    const recent = await lastUsed();
    await t.api.get(FEED, withKey(key));
    expect(await lastUsed()).toEqual(recent);

    await t.db.query(
      `UPDATE identity.api_keys SET last_used_at = now() - interval '2 minutes' WHERE id = $1`,
      [id],
    );
    await t.api.get(FEED, withKey(key));
    expect((await lastUsed())!.getTime()).toBeGreaterThan(Date.now() - 10_000);
  });

  it('refuses the keys of a partner who is suspended', async () => {
    const other = await partnerSession(t.api, admin.token);
    const { key } = await issueKey(t.api, other.token);
    await t.db.query(`UPDATE identity.accounts SET status = 'suspended' WHERE id = $1`, [other.id]);
    expectProblem(await t.api.get(FEED, withKey(key)), 403, 'account_disabled');
  });

  it('refuses unknown scopes with 422 unknown_scope and changes nothing', async () => {
    const problem = await refused(
      () =>
        t.api.post(
          KEYS,
          { name: 'x', scopes: ['odds:read', 'bets:place'] },
          { token: partner.token },
        ),
      422,
      'unknown_scope',
    );
    expect(problem.scopes).toEqual(['bets:place']);
  });

  it('refuses a name of blanks or control characters with 422 invalid_name', async () => {
    await refused(
      () =>
        t.api.post(KEYS, { name: '\u0000\u0007', scopes: ['odds:read'] }, { token: partner.token }),
      422,
      'invalid_name',
    );
  });

  it.each([
    ['no scopes', { name: 'x', scopes: [] }],
    ['no name', { scopes: ['odds:read'] }],
    ['a name over 100 characters', { name: 'x'.repeat(101), scopes: ['odds:read'] }],
    ['an unknown field', { name: 'x', scopes: ['odds:read'], partnerId: 'someone-else' }],
  ])('refuses %s with 400 validation_failed and changes nothing', async (_, body) => {
    await refused(() => t.api.post(KEYS, body, { token: partner.token }), 400, 'validation_failed');
  });

  it('refuses a grace period over seven days', async () => {
    const { id } = await issueKey(t.api, partner.token);
    await refused(
      () =>
        t.api.post(`${KEYS}/${id}/rotate`, { graceSeconds: 8 * 86400 }, { token: partner.token }),
      400,
      'validation_failed',
    );
  });

  it(`caps a partner at ${MAX_LIVE_KEYS} working keys`, async () => {
    const busy = await partnerSession(t.api, admin.token);
    const keys = [];
    for (let i = 0; i < MAX_LIVE_KEYS; i++) keys.push(await issueKey(t.api, busy.token));
    const problem = await refused(
      () =>
        t.api.post(KEYS, { name: 'one too many', scopes: ['odds:read'] }, { token: busy.token }),
      409,
      'api_key_limit_reached',
    );
    expect(problem.max).toBe(MAX_LIVE_KEYS);
    await t.api.post(`${KEYS}/${keys[0]!.id}/revoke`, {}, { token: busy.token });
    expect(
      (await t.api.post(KEYS, { name: 'now', scopes: ['odds:read'] }, { token: busy.token }))
        .status,
    ).toBe(201);
  });

  it('lists keys newest first, a page at a time', async () => {
    const lister = await partnerSession(t.api, admin.token);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await issueKey(t.api, lister.token)).id);
    const first = await t.api.get(`${KEYS}?limit=2`, { token: lister.token });
    expect(first.body.items.map((k: any) => k.id)).toEqual([ids[2], ids[1]]);
    const second = await t.api.get(`${KEYS}?limit=2&cursor=${first.body.nextCursor}`, {
      token: lister.token,
    });
    expect(second.body).toEqual({
      items: [expect.objectContaining({ id: ids[0] })],
      nextCursor: null,
    });
  });
});

describe('the API-key rate limit', () => {
  let db: Db;
  let app: App;
  let api: Api;
  let partner: PartnerSession;

  beforeAll(async () => {
    db = await createTestDb();
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      IBET_DATA_DIR: '/nonexistent',
      IBET_API_KEY_RATE_LIMIT: '3',
    });
    app = await createApp({
      config,
      db,
      log: createLogger('silent'),
      role: 'all',
      background: false,
    });
    api = new Api(app);
    const admin = await staffSession(db, api, ['admin']);
    partner = await partnerSession(api, admin.token);
  });

  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it('allows each key IBET_API_KEY_RATE_LIMIT requests a minute, then answers 429 rate_limited with Retry-After', async () => {
    const one = await issueKey(api, partner.token);
    const two = await issueKey(api, partner.token);
    for (let i = 0; i < 3; i++) {
      const response = await api.get(FEED, withKey(one.key));
      expect(response.status).toBe(200);
      expect(response.headers['x-ratelimit-limit']).toBe('3');
      expect(response.headers['x-ratelimit-remaining']).toBe(String(2 - i));
    }
    const limited = await api.get(FEED, withKey(one.key));
    const problem = expectProblem(limited, 429, 'rate_limited');
    expect(problem.limit).toBe(3);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(problem.retryAfter).toBe(retryAfter);

    // Per key: another key of the same partner has its own budget.
    expect((await api.get(FEED, withKey(two.key))).status).toBe(200);
    // Requests without a valid key are refused before they count against anyone.
    expectProblem(await api.get(FEED, withKey('ibet_nope')), 401, 'api_key_invalid');
  });
});
