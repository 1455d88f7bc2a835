// Affiliates: tracking links (forged codes refused), attribution at registration, the
// dashboard, and commission statements computed from a seeded ledger across months — revenue
// share with negative carryover, CPA with qualification rules — approved and paid once.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  attributeRegistration,
  draftDueStatements,
  previousPeriod,
  revenueShare,
} from '../../src/modules/affiliates/index.ts';
import { partnerSession } from '../support/access-helpers.ts';
import { PASSWORD, useTestApp } from '../support/app.ts';

describe('affiliates', () => {
  const t = useTestApp();
  let admin: { token: string };

  beforeAll(async () => {
    admin = await t.staff(['admin']);
  });

  const affiliate = () =>
    partnerSession(t.api, admin.token, { type: 'affiliate', companyName: 'Tipsters Ltd' });

  async function link(token: string, landingPath = '/sports/football') {
    const response = await t.api.post(
      '/api/v1/partner/affiliate/links',
      { name: 'Blog', landingPath },
      { token },
    );
    expect(response.status).toBe(201);
    return response.body as { id: string; code: string; url: string };
  }

  const cookieOf = (headers: Record<string, unknown>) =>
    String(headers['set-cookie'] ?? '').split(';')[0]!;

  async function register(cookie?: string): Promise<string> {
    const response = await t.api.post(
      '/api/v1/auth/register',
      {
        email: `p-${randomUUID()}@example.com`,
        password: PASSWORD,
        displayName: 'Referred Player',
        dateOfBirth: '1990-01-01',
        country: 'IE',
        currency: 'EUR',
      },
      cookie ? { headers: { cookie } } : {},
    );
    expect(response.status).toBe(201);
    return response.body.accountId;
  }

  describe('tracking links and attribution', () => {
    it('records a click, keeps the visitor in a cookie, and credits the registration to the link', async () => {
      const partner = await affiliate();
      const { code, url } = await link(partner.token);
      expect(code).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(url).toMatch(new RegExp(`/r/${code}$`));

      const click = await t.api.get(`/r/${code}`, { headers: { 'user-agent': 'test' } });
      expect(click.status).toBe(302);
      expect(click.headers.location).toBe('/sports/football');
      const cookie = cookieOf(click.headers);
      expect(cookie).toMatch(/^ibet_ref=[0-9a-f-]{36}$/);
      expect(String(click.headers['set-cookie'])).toContain('HttpOnly');

      const playerId = await register(cookie);
      const [referral] = await t.db.query<{ partner_id: string; model: string }>(
        'SELECT partner_id, model FROM affiliates.referrals WHERE player_id = $1',
        [playerId],
      );
      expect(referral).toEqual({ partner_id: partner.id, model: 'last_click' });

      const period = new Date().toISOString().slice(0, 7);
      const dashboard = await t.api.get(`/api/v1/partner/affiliate/dashboard?period=${period}`, {
        token: partner.token,
      });
      expect(dashboard.status).toBe(200);
      expect(dashboard.body).toMatchObject({
        clicks: 1,
        uniqueVisitors: 1,
        signups: 1,
        firstTimeDepositors: 0,
      });
    });

    it('refuses forged and disabled codes: no click, no cookie, nobody credited', async () => {
      const partner = await affiliate();
      const real = await link(partner.token);
      const [{ n: before }] = (await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM affiliates.clicks',
      )) as [{ n: number }];
      for (const code of [
        'AAAAAAAAAAAAAAAAAAAAAA',
        `${real.code.slice(0, 21)}x`,
        'short',
        '../../etc',
      ]) {
        const response = await t.api.get(`/r/${encodeURIComponent(code)}`);
        expect(response.status, code).toBe(302);
        expect(response.headers.location).toBe('/');
        expect(response.headers['set-cookie']).toBeUndefined();
      }
      await t.api.post(
        `/api/v1/partner/affiliate/links/${real.id}/disable`,
        {},
        { token: partner.token },
      );
      const disabled = await t.api.get(`/r/${real.code}`);
      expect(disabled.headers['set-cookie']).toBeUndefined();
      const [{ n: after }] = (await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM affiliates.clicks',
      )) as [{ n: number }];
      expect(after).toBe(before);
      // A made-up visitor cookie credits nobody either.
      const playerId = await register(`ibet_ref=${randomUUID()}`);
      expect(
        await t.db.query('SELECT 1 FROM affiliates.referrals WHERE player_id = $1', [playerId]),
      ).toEqual([]);
    });

    it('refuses a landing page on another site (no open redirect)', async () => {
      const partner = await affiliate();
      for (const landingPath of ['//evil.example', 'https://evil.example', '/\\evil.example']) {
        const response = await t.api.post(
          '/api/v1/partner/affiliate/links',
          { name: 'x', landingPath },
          { token: partner.token },
        );
        expect(response.status, landingPath).toBe(422);
        expect(response.body.code).toBe('invalid_landing_path');
      }
    });

    it('credits the first or the last click as configured, and no click older than the cookie window', async () => {
      const first = await affiliate();
      const last = await affiliate();
      const a = await link(first.token);
      const b = await link(last.token);
      const clickA = await t.api.get(`/r/${a.code}`);
      const cookie = cookieOf(clickA.headers);
      await t.api.get(`/r/${b.code}`, { headers: { cookie } });
      const visitor = cookie.split('=')[1]!;
      const [x, y, z] = [await register(), await register(), await register()];
      expect(
        await attributeRegistration(t.db, x, visitor, {
          attribution: 'first_click',
          cookieDays: 30,
        }),
      ).toBe(first.id);
      expect(
        await attributeRegistration(t.db, y, visitor, {
          attribution: 'last_click',
          cookieDays: 30,
        }),
      ).toBe(last.id);
      // Attribution is decided once.
      expect(
        await attributeRegistration(t.db, y, visitor, {
          attribution: 'first_click',
          cookieDays: 30,
        }),
      ).toBeUndefined();
      await t.db.query(
        "UPDATE affiliates.clicks SET clicked_at = clicked_at - interval '31 days' WHERE visitor_id = $1",
        [visitor],
      );
      expect(
        await attributeRegistration(t.db, z, visitor, {
          attribution: 'last_click',
          cookieDays: 30,
        }),
      ).toBeUndefined();
    });
  });

  // ---- A ledger seeded month by month -------------------------------------------------------

  interface Accounts {
    cash: bigint;
    held: bigint;
  }

  async function accountsOf(playerId: string): Promise<Accounts> {
    const rows = await t.db.query<{ id: bigint; kind: string }>(
      'SELECT id, kind FROM wallet.accounts WHERE owner_id = $1',
      [playerId],
    );
    return {
      cash: rows.find((r) => r.kind === 'player_cash')!.id,
      held: rows.find((r) => r.kind === 'player_bets_held')!.id,
    };
  }

  async function system(kind: 'house' | 'psp_clearing'): Promise<bigint> {
    await t.db.query(
      `INSERT INTO wallet.accounts (kind, currency) VALUES ($1, 'EUR')
     ON CONFLICT (kind, currency) WHERE owner_id IS NULL DO NOTHING`,
      [kind],
    );
    const [row] = await t.db.query<{ id: bigint }>(
      "SELECT id FROM wallet.accounts WHERE owner_id IS NULL AND kind = $1 AND currency = 'EUR'",
      [kind],
    );
    return row!.id;
  }

  /** A transfer at a given time, with the player balances it changes (what `post` does). */
  async function seed(debit: bigint, credit: bigint, amount: bigint, kind: string, at: string) {
    await t.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO wallet.transfers (debit_account_id, credit_account_id, amount, currency, kind, reference, created_at)
       VALUES ($1, $2, $3, 'EUR', $4, $5, $6)`,
        [debit, credit, amount, kind, `seed:${randomUUID()}`, at],
      );
      await tx.query(
        'UPDATE wallet.accounts SET balance = balance - $2 WHERE id = $1 AND owner_id IS NOT NULL',
        [debit, amount],
      );
      await tx.query(
        'UPDATE wallet.accounts SET balance = balance + $2 WHERE id = $1 AND owner_id IS NOT NULL',
        [credit, amount],
      );
    });
  }

  /** A completed deposit (payment row and transfer) at a given time. */
  async function deposit(playerId: string, amount: bigint, at: string) {
    const a = await accountsOf(playerId);
    await t.db.query(
      `INSERT INTO wallet.payments (id, owner_id, account_id, direction, amount, currency, provider, status,
       idempotency_scope, idempotency_key, created_at, completed_at)
     VALUES ($1, $2, $3, 'deposit', $4, 'EUR', 'sandbox', 'completed', 'seed', $6, $5, $5)`,
      [randomUUID(), playerId, a.cash, amount, at, randomUUID()],
    );
    await seed(await system('psp_clearing'), a.cash, amount, 'deposit', at);
  }

  /** A bet: stake held, then lost (to the house) or returned with winnings. */
  async function bet(playerId: string, stake: bigint, at: string, winnings?: bigint) {
    const a = await accountsOf(playerId);
    const house = await system('house');
    await seed(a.cash, a.held, stake, 'bet_stake', at);
    if (winnings === undefined) {
      await seed(a.held, house, stake, 'bet_stake_lost', at);
    } else {
      await seed(a.held, a.cash, stake, 'bet_stake_return', at);
      if (winnings > 0n) await seed(house, a.cash, winnings, 'bet_winnings', at);
    }
  }

  async function referred(
    partnerToken: string,
    partnerId: string,
    registeredAt: string,
  ): Promise<string> {
    const { id: linkId } = await link(partnerToken);
    const playerId = await register();
    const [click] = await t.db.query<{ id: bigint }>(
      'INSERT INTO affiliates.clicks (link_id, visitor_id, clicked_at) VALUES ($1, $2, $3) RETURNING id',
      [linkId, randomUUID(), registeredAt],
    );
    await t.db.query(
      `INSERT INTO affiliates.referrals (player_id, partner_id, link_id, click_id, model, registered_at)
     VALUES ($1, $2, $3, $4, 'last_click', $5)`,
      [playerId, partnerId, linkId, click!.id, registeredAt],
    );
    return playerId;
  }

  async function plan(body: Record<string, unknown>) {
    const response = await t.api.post(
      '/api/v1/admin/affiliate-plans',
      { currency: 'EUR', ...body },
      { token: admin.token },
    );
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body as { id: string };
  }

  async function compute(partnerId: string, period: string) {
    const response = await t.api.post(
      '/api/v1/admin/affiliate-statements/compute',
      { period, partnerId },
      { token: admin.token },
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body.items[0];
  }

  const approve = async (id: string) =>
    t.api.post(`/api/v1/admin/affiliate-statements/${id}/approve`, {}, { token: admin.token });

  const pay = (id: string, key: string) =>
    t.api.post(
      `/api/v1/admin/affiliate-statements/${id}/pay`,
      {},
      { token: admin.token, idempotencyKey: key },
    );

  describe('commission statements from the ledger', () => {
    it('carries negative NGR across months and pays 30% of what is left, as computed by hand', async () => {
      const partner = await affiliate();
      const p = await plan({
        name: 'Revshare 30',
        type: 'revshare',
        revShareBps: 3000,
        adminFeeBps: 1000,
      });
      expect(
        (
          await t.api.put(
            `/api/v1/admin/partners/${partner.id}/affiliate-plan`,
            { planId: p.id },
            { token: admin.token },
          )
        ).status,
      ).toBe(200);
      const p1 = await referred(partner.token, partner.id, '2026-01-03T10:00:00Z');
      const p2 = await referred(partner.token, partner.id, '2026-01-04T10:00:00Z');
      const stranger = await register(); // not referred: never counted
      const house = await system('house');

      // January. P1 loses 50.00: GGR 5000, fee 10% = 500, NGR 4500.
      // P2 stakes 100.00 and wins 250.00, and gets a 10.00 bonus: GGR −25000, bonus 1000, NGR −26000.
      await deposit(p1, 100_000n, '2026-01-05T12:00:00Z');
      await deposit(p2, 20_000n, '2026-01-05T12:00:00Z');
      await deposit(stranger, 50_000n, '2026-01-05T12:00:00Z');
      await bet(p1, 5_000n, '2026-01-10T12:00:00Z');
      await bet(p2, 10_000n, '2026-01-11T12:00:00Z', 25_000n);
      await seed(
        house,
        (await accountsOf(p2)).cash,
        1_000n,
        'promo_bonus_award',
        '2026-01-12T12:00:00Z',
      );
      await bet(stranger, 40_000n, '2026-01-12T12:00:00Z');
      // February (the first stake at the very start of the month belongs to February).
      // P1: GGR 8000, fee 800, NGR 7200. P2: GGR 3000, fee 300, NGR 2700.
      await bet(p1, 8_000n, '2026-02-01T00:00:00Z');
      await bet(p2, 3_000n, '2026-02-14T12:00:00Z');
      // March. P1: GGR 30000, fee 3000, NGR 27000. P2: stakes 2000, returns 3000: GGR −1000,
      // NGR −1000. A withdrawal is not revenue.
      await bet(p1, 30_000n, '2026-03-02T12:00:00Z');
      await bet(p2, 2_000n, '2026-03-03T12:00:00Z', 1_000n);
      await seed(
        (await accountsOf(p2)).cash,
        await system('psp_clearing'),
        500n,
        'withdrawal',
        '2026-03-04T12:00:00Z',
      );

      // January: NGR 4500 − 26000 = −21500 → no commission, −21500 carried.
      const jan = await compute(partner.id, '2026-01');
      expect(jan).toMatchObject({
        ngr: '-21500',
        carryIn: '0',
        carryOut: '-21500',
        revShare: '0',
        commission: '0',
      });
      const byPlayer = Object.fromEntries(jan.players.map((x: any) => [x.playerId, x]));
      expect(byPlayer[p1]).toMatchObject({
        turnover: '5000',
        stakes: '5000',
        returns: '0',
        ggr: '5000',
        bonusCosts: '0',
        fees: '500',
        ngr: '4500',
      });
      expect(byPlayer[p2]).toMatchObject({
        turnover: '10000',
        stakes: '10000',
        returns: '35000',
        ggr: '-25000',
        bonusCosts: '1000',
        fees: '0',
        ngr: '-26000',
      });
      expect(byPlayer[stranger]).toBeUndefined();
      // February: 9900 − 21500 = −11600 → still nothing, −11600 carried.
      const feb = await compute(partner.id, '2026-02');
      expect(feb).toMatchObject({
        ngr: '9900',
        carryIn: '-21500',
        carryOut: '-11600',
        revShare: '0',
      });
      // March: 26000 − 11600 = 14400 → 30% = 4320, nothing carried.
      const mar = await compute(partner.id, '2026-03');
      expect(mar).toMatchObject({
        ngr: '26000',
        carryIn: '-11600',
        carryOut: '0',
        revShare: '4320',
        cpa: '0',
        commission: '4320',
      });
      // April: nothing happened, nothing carried.
      const apr = await compute(partner.id, '2026-04');
      expect(apr).toMatchObject({ ngr: '0', carryIn: '0', carryOut: '0', commission: '0' });

      // Approval goes month by month; payment moves the money once.
      expect((await approve(mar.id)).body.code).toBe('earlier_statement_draft');
      expect((await pay(feb.id, randomUUID())).body.code).toBe('statement_not_approved');
      for (const s of [jan, feb, mar]) expect((await approve(s.id)).body.status).toBe('approved');
      const key = randomUUID();
      const paid = await pay(mar.id, key);
      expect(paid.status).toBe(200);
      expect(paid.body).toMatchObject({ status: 'paid', commission: '4320' });
      const replay = await pay(mar.id, key);
      expect(replay.headers['idempotency-hit']).toBe('true');
      const again = await pay(mar.id, randomUUID());
      expect(again.body.status).toBe('paid');
      const transfers = await t.db.query<{ amount: bigint; kind: string }>(
        'SELECT amount, kind FROM wallet.transfers WHERE reference = $1',
        [`affiliate_statement:${mar.id}`],
      );
      expect(transfers).toEqual([{ amount: 4320n, kind: 'affiliate_commission' }]);
      const mine = await t.api.get('/api/v1/partner/affiliate/statements', {
        token: partner.token,
      });
      expect(mine.body.balances).toEqual([{ currency: 'EUR', balance: '4320' }]);
      expect(mine.body.items.map((s: any) => s.period)).toEqual(['2026-03', '2026-02', '2026-01']);
      // A paid statement is final: computing it again changes nothing.
      expect(await compute(partner.id, '2026-03')).toMatchObject({
        status: 'paid',
        commission: '4320',
      });
      const [audited] = await t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit.events WHERE action = 'affiliate_statement.paid' AND target_id = $1",
        [mar.id],
      );
      expect(audited!.n).toBe(1);
    });

    it('pays CPA once per player who qualifies within the window (minimum deposit and wagering)', async () => {
      const partner = await affiliate();
      const p = await plan({
        name: 'Hybrid',
        type: 'hybrid',
        revShareBps: 2000,
        cpaAmount: '5000',
        cpaMinDeposit: '2000',
        cpaMinWagering: '10000',
        cpaWindowDays: 30,
      });
      await t.api.put(
        `/api/v1/admin/partners/${partner.id}/affiliate-plan`,
        { planId: p.id },
        { token: admin.token },
      );
      const qualifies = await referred(partner.token, partner.id, '2026-05-02T00:00:00Z');
      const smallDeposit = await referred(partner.token, partner.id, '2026-05-02T00:00:00Z');
      const tooLate = await referred(partner.token, partner.id, '2026-05-02T00:00:00Z');
      await deposit(qualifies, 3_000n, '2026-05-03T00:00:00Z');
      await bet(qualifies, 2_000n, '2026-05-04T00:00:00Z', 0n);
      await deposit(qualifies, 10_000n, '2026-05-05T00:00:00Z');
      await bet(qualifies, 8_000n, '2026-05-06T00:00:00Z', 0n); // stakes 10000 in all: qualifies
      await deposit(smallDeposit, 1_000n, '2026-05-03T00:00:00Z');
      await deposit(smallDeposit, 50_000n, '2026-05-04T00:00:00Z');
      await bet(smallDeposit, 20_000n, '2026-05-05T00:00:00Z', 0n); // first deposit below 2000
      await deposit(tooLate, 5_000n, '2026-05-03T00:00:00Z');
      await bet(tooLate, 4_000n, '2026-05-10T00:00:00Z', 0n);
      await bet(tooLate, 1_000n, '2026-06-05T00:00:00Z', 0n); // 10000 reached after 30 days
      await deposit(tooLate, 10_000n, '2026-06-05T00:00:00Z');
      await bet(tooLate, 6_000n, '2026-06-05T00:00:00Z', 0n);

      // Every bet returned its stake with no winnings: NGR 0, so only CPA.
      const may = await compute(partner.id, '2026-05');
      expect(may).toMatchObject({
        ngr: '0',
        revShare: '0',
        cpa: '5000',
        commission: '5000',
        cpaPlayers: [qualifies],
      });
      const june = await compute(partner.id, '2026-06');
      expect(june).toMatchObject({ cpa: '0', cpaPlayers: [] });
      // Recomputing May (a draft) does not count the player twice either.
      expect(await compute(partner.id, '2026-05')).toMatchObject({
        cpa: '5000',
        cpaPlayers: [qualifies],
      });
      // Two payments at once (different keys): one transfer, both answers say paid.
      await approve(may.id);
      const both = await Promise.all([pay(may.id, randomUUID()), pay(may.id, randomUUID())]);
      expect(both.map((r) => [r.status, r.body.status])).toEqual([
        [200, 'paid'],
        [200, 'paid'],
      ]);
      const moves = await t.db.query<{ amount: bigint }>(
        'SELECT amount FROM wallet.transfers WHERE reference = $1',
        [`affiliate_statement:${may.id}`],
      );
      expect(moves).toEqual([{ amount: 5000n }]);
      const dashboard = await t.api.get('/api/v1/partner/affiliate/dashboard?period=2026-05', {
        token: partner.token,
      });
      expect(dashboard.body).toMatchObject({ signups: 3, firstTimeDepositors: 3 });
      const asStaff = await t.api.get(
        `/api/v1/admin/partners/${partner.id}/affiliate-dashboard?period=2026-05`,
        { token: admin.token },
      );
      expect(asStaff.body).toEqual(dashboard.body);
    });

    it('chooses a tiered rate by the NGR reached, and forgets losses on a plan without carryover', () => {
      const tiered = {
        id: 'x',
        name: 'Tiered',
        type: 'tiered' as const,
        currency: 'EUR',
        revShareBps: 0,
        tiers: [
          { fromNgr: 0n, revShareBps: 2500 },
          { fromNgr: 100_000n, revShareBps: 3000 },
          { fromNgr: 500_000n, revShareBps: 3500 },
        ],
        cpaAmount: 0n,
        cpaMinDeposit: 0n,
        cpaMinWagering: 0n,
        cpaWindowDays: 90,
        adminFeeBps: 0,
        negativeCarryover: true,
        createdAt: '',
      };
      expect(revenueShare(tiered, 99_999n, 0n)).toEqual({ revShare: 24_999n, carryOut: 0n });
      expect(revenueShare(tiered, 100_000n, 0n)).toEqual({ revShare: 30_000n, carryOut: 0n });
      expect(revenueShare(tiered, 600_000n, -100_001n)).toEqual({
        revShare: 149_999n,
        carryOut: 0n,
      });
      expect(revenueShare(tiered, -5n, -10n)).toEqual({ revShare: 0n, carryOut: -15n });
      const forgetting = {
        ...tiered,
        type: 'revshare' as const,
        revShareBps: 3000,
        tiers: [],
        negativeCarryover: false,
      };
      expect(revenueShare(forgetting, -21_500n, 0n)).toEqual({ revShare: 0n, carryOut: 0n });
    });

    it('pays, over any run of months, the total NGR less what is still carried (never a loss twice)', () => {
      const plan = {
        id: 'x',
        name: 'All',
        type: 'revshare' as const,
        currency: 'EUR',
        revShareBps: 10_000,
        tiers: [],
        cpaAmount: 0n,
        cpaMinDeposit: 0n,
        cpaMinWagering: 0n,
        cpaWindowDays: 90,
        adminFeeBps: 0,
        negativeCarryover: true,
        createdAt: '',
      };
      fc.assert(
        fc.property(
          fc.array(fc.bigInt({ min: -1_000_000n, max: 1_000_000n }), { maxLength: 24 }),
          (months) => {
            let carry = 0n;
            let paid = 0n;
            for (const ngr of months) {
              const { revShare, carryOut } = revenueShare(plan, ngr, carry);
              expect(revShare >= 0n && carryOut <= 0n).toBe(true);
              expect(revShare === 0n || carryOut === 0n).toBe(true);
              paid += revShare;
              carry = carryOut;
            }
            expect(paid).toBe(months.reduce((a, b) => a + b, 0n) - carry);
          },
        ),
      );
    });

    it('refuses a plan that does not add up, and statements of a month not yet over', async () => {
      for (const [body, field] of [
        [{ name: 'a', type: 'revshare' }, 'revShareBps'],
        [{ name: 'b', type: 'cpa', revShareBps: 100, cpaAmount: '10' }, 'revShareBps'],
        [{ name: 'c', type: 'tiered', tiers: [{ fromNgr: '10', revShareBps: 100 }] }, 'tiers'],
        [{ name: 'd', type: 'hybrid', revShareBps: 100 }, 'cpaAmount'],
      ] as const) {
        const response = await t.api.post(
          '/api/v1/admin/affiliate-plans',
          { currency: 'EUR', ...body },
          { token: admin.token },
        );
        expect(response.status, JSON.stringify(body)).toBe(422);
        expect(response.body).toMatchObject({ code: 'invalid_plan', field });
      }
      const partner = await affiliate();
      const thisMonth = new Date().toISOString().slice(0, 7);
      const response = await t.api.post(
        '/api/v1/admin/affiliate-statements/compute',
        { period: thisMonth, partnerId: partner.id },
        { token: admin.token },
      );
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('period_not_over');
    });

    it("drafts last month's statements by itself once the month is over, and leaves existing ones alone", async () => {
      const partner = await affiliate();
      const p = await plan({ name: 'Monthly', type: 'revshare', revShareBps: 2500 });
      await t.api.put(
        `/api/v1/admin/partners/${partner.id}/affiliate-plan`,
        { planId: p.id },
        { token: admin.token },
      );
      const player = await referred(partner.token, partner.id, '2025-09-01T00:00:00Z');
      await deposit(player, 10_000n, '2025-09-02T00:00:00Z');
      await bet(player, 4_000n, '2025-09-03T00:00:00Z'); // lost: NGR 4000, 25 % is 1000

      expect(previousPeriod(new Date('2025-10-01T00:00:00Z'))).toBe('2025-09');
      expect(previousPeriod(new Date('2026-01-31T23:59:59Z'))).toBe('2025-12');
      const drafted = await draftDueStatements(t.db, new Date('2025-10-03T04:00:00Z'));
      const mine = drafted.filter((d) => d.partnerId === partner.id);
      expect(mine).toEqual([
        expect.objectContaining({
          period: '2025-09',
          status: 'draft',
          ngr: '4000',
          revShare: '1000',
          commission: '1000',
        }),
      ]);
      // Affiliates whose later months are already final (earlier tests) are skipped, not failed.
      const skippedButDrafted = await t.db.query(
        `SELECT 1 FROM affiliates.statements s
         WHERE s.period = '2025-09-01' AND EXISTS (
           SELECT 1 FROM affiliates.statements l
           WHERE l.partner_id = s.partner_id AND l.period > s.period AND l.status <> 'draft')`,
      );
      expect(skippedButDrafted).toEqual([]);

      // The next run finds the month done and changes nothing.
      await approve(mine[0]!.id);
      expect(await draftDueStatements(t.db, new Date('2025-10-03T05:00:00Z'))).toEqual([]);
      const [row] = await t.db.query<{ status: string; computed_by: string | null }>(
        `SELECT s.status, a.actor_kind AS computed_by FROM affiliates.statements s
         JOIN audit.events a ON a.target_id = s.id::text AND a.action = 'affiliate_statement.computed'
         WHERE s.id = $1`,
        [mine[0]!.id],
      );
      expect(row).toEqual({ status: 'approved', computed_by: 'system' });
    });
  });
});
