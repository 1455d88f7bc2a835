import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../../test/support/db.ts';
import { assertMoneyInvariants } from '../../test/support/invariants.ts';
import { totpCode } from '../../test/support/totp.ts';
import { type App, createApp } from '../app.ts';
import { findByEmail } from '../modules/identity/index.ts';
import { checkLedger, getWallet } from '../modules/wallet/index.ts';
import { loadConfig } from '../platform/config.ts';
import type { Db } from '../platform/db/db.ts';
import { createLogger } from '../platform/observability/logger.ts';
import { DEMO_ADMIN, DEMO_FUNDING, DEMO_PLAYER, priceFor, seedDemo } from './demo.ts';

const implied = (prices: number[]) => prices.reduce((sum, p) => sum + 1000 / p, 0);

describe('priceFor', () => {
  it('prices outcomes with a margin: implied probabilities sum to more than 1', () => {
    for (const probabilities of [
      [0.5, 0.5],
      [0.45, 0.27, 0.28],
      [0.7, 0.3],
      [0.2 + 0.5 * 0.74, 0.27, 1 - (0.2 + 0.5 * 0.74) - 0.27],
      [0.15 + 0.7 * 0.25, 0.85 - 0.7 * 0.25],
      [0.1, 0.2, 0.3, 0.4],
    ]) {
      const prices = priceFor(probabilities);
      expect(implied(prices), String(probabilities)).toBeGreaterThan(1);
      expect(implied(priceFor(probabilities, 0.1))).toBeGreaterThan(implied(prices));
    }
  });

  it('quotes two decimals within 1.01–1000, the likelier outcome at the shorter price', () => {
    const prices = priceFor([0.6, 0.25, 0.15]);
    for (const price of prices) {
      expect(Number.isInteger(price)).toBe(true);
      expect(price % 10).toBe(0);
      expect(price).toBeGreaterThanOrEqual(1010);
      expect(price).toBeLessThanOrEqual(1_000_000);
    }
    expect(prices[0]!).toBeLessThan(prices[1]!);
    expect(prices[1]!).toBeLessThan(prices[2]!);
    // 1 / 0.6 / 1.06 = 1.5723… → 1.57
    expect(prices[0]).toBe(1570);
  });

  it('normalises probabilities that do not sum to 1', () => {
    expect(priceFor([1, 1])).toEqual(priceFor([0.5, 0.5]));
  });
});

describe('the demo seed', () => {
  let db: Db;
  const config = loadConfig({});

  const count = async (table: string) =>
    Number((await db.query<{ n: bigint }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);
  const tables = [
    'catalog.sports',
    'catalog.competitions',
    'catalog.events',
    'catalog.markets',
    'catalog.selections',
    'catalog.price_history',
    'identity.accounts',
    'wallet.accounts',
    'wallet.transfers',
    'wallet.payments',
    'platform.outbox',
    'platform.idempotency_keys',
  ];
  const countAll = async () =>
    Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await count(t)])));

  beforeAll(async () => {
    db = await createTestDb();
    await seedDemo(db, config);
  });

  afterAll(async () => {
    await db?.close();
  });

  it('creates sports, competitions and upcoming events with open, priced markets', async () => {
    const sports = await db.query<{ slug: string; n: bigint }>(
      `SELECT s.slug, count(c.id) AS n FROM catalog.sports s
       LEFT JOIN catalog.competitions c ON c.sport_id = s.id GROUP BY s.slug, s.display_order
       ORDER BY s.display_order`,
    );
    expect(sports.map((s) => [s.slug, Number(s.n)])).toEqual([
      ['football', 3],
      ['tennis', 1],
      ['basketball', 1],
      ['ice-hockey', 1],
    ]);
    const perCompetition = await db.query<{ name: string; n: bigint }>(
      `SELECT c.name, count(e.id) AS n FROM catalog.competitions c
       LEFT JOIN catalog.events e ON e.competition_id = c.id AND e.starts_at > now() AND e.status = 'scheduled'
       GROUP BY c.name ORDER BY c.name`,
    );
    expect(perCompetition.every((c) => c.n === 4n)).toBe(true);
    expect(perCompetition).toHaveLength(6);

    const markets = await db.query<{ status: string; selections: bigint }>(
      `SELECT m.status, (SELECT count(*) FROM catalog.selections s WHERE s.market_id = m.id) AS selections
       FROM catalog.markets m`,
    );
    expect(markets.length).toBe(3 * 4 * 3 + 4 * 1 + 4 * 2 + 4 * 2);
    expect(markets.every((m) => m.status === 'open' && m.selections >= 2n)).toBe(true);
    // Every seeded market is priced with a margin.
    const books = await db.query<{ market_id: string; prices: number[] }>(
      'SELECT market_id, array_agg(price) AS prices FROM catalog.selections GROUP BY market_id',
    );
    for (const book of books) expect(implied(book.prices)).toBeGreaterThan(1);
  });

  it('creates a demo player with 500.00 EUR and an admin', async () => {
    const player = await findByEmail(db, 'player', DEMO_PLAYER.email);
    expect(player).toMatchObject({ kind: 'player', currency: 'EUR', status: 'active' });
    expect(await getWallet(db, player!.id)).toEqual({
      currency: 'EUR',
      balance: '50000',
      inBets: '0',
    });
    expect(DEMO_FUNDING).toBe(50_000n);
    const admin = await findByEmail(db, 'staff', DEMO_ADMIN.email);
    expect(admin).toMatchObject({ kind: 'staff', roles: ['admin'] });
  });

  it('creates nothing new when it runs again', async () => {
    const before = await countAll();
    await seedDemo(db, config);
    expect(await countAll()).toEqual(before);
  });

  it('tops up fixtures that have started, back to four upcoming per competition', async () => {
    const [started] = await db.query<{ id: string }>(
      `UPDATE catalog.events SET starts_at = now() - interval '1 minute'
       WHERE id = (SELECT id FROM catalog.events ORDER BY starts_at LIMIT 1) RETURNING id`,
    );
    const events = await count('catalog.events');
    await seedDemo(db, config);
    expect(await count('catalog.events')).toBe(events + 1);
    const upcoming = await db.query<{ n: bigint }>(
      `SELECT count(*) AS n FROM catalog.events e WHERE e.starts_at > now()
       AND e.competition_id = (SELECT competition_id FROM catalog.events WHERE id = $1)`,
      [started!.id],
    );
    expect(upcoming[0]!.n).toBe(4n);
    // The new fixture is a new pairing, not a copy of one still to be played.
    const copies = await db.query(
      `SELECT competition_id, name FROM catalog.events WHERE starts_at > now()
       GROUP BY competition_id, name HAVING count(*) > 1`,
    );
    expect(copies).toEqual([]);
  });

  it('lets the demo player and the demo admin sign in', async () => {
    let app: App | undefined;
    try {
      app = await createApp({ config, db, log: createLogger('silent'), background: false });
      const login = await app.http.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: DEMO_PLAYER.email, password: DEMO_PLAYER.password },
      });
      expect(login.statusCode).toBe(200);
      const wallet = await app.http.inject({
        method: 'GET',
        url: '/api/v1/wallet',
        headers: { authorization: `Bearer ${login.json().accessToken}` },
      });
      expect(wallet.json()).toMatchObject({ balance: '50000', currency: 'EUR' });
      const wrong = await app.http.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: DEMO_PLAYER.email, password: 'not-the-password' },
      });
      expect(wrong.statusCode).toBe(401);
      const staff = await app.http.inject({
        method: 'POST',
        url: '/api/v1/staff/auth/login',
        payload: { email: DEMO_ADMIN.email, password: DEMO_ADMIN.password },
      });
      expect(staff.json()).toMatchObject({ mfaRequired: true });
      const second = await app.http.inject({
        method: 'POST',
        url: '/api/v1/staff/auth/login/mfa',
        payload: { mfaToken: staff.json().mfaToken, code: await totpCode(DEMO_ADMIN.totpSecret) },
      });
      expect(second.statusCode).toBe(200);
      const ledger = await app.http.inject({
        method: 'GET',
        url: '/api/v1/admin/ledger/check',
        headers: { authorization: `Bearer ${second.json().accessToken}` },
      });
      expect(ledger.json()).toMatchObject({ ok: true });
    } finally {
      await app?.close();
    }
  });

  it('leaves the ledger balanced', async () => {
    const report = await checkLedger(db);
    expect(report.ok).toBe(true);
    expect(report.currencies).toEqual([
      expect.objectContaining({ currency: 'EUR', sum: '0', transfers: 1 }),
    ]);
    await assertMoneyInvariants(db);
  });
});
