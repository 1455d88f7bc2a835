// Journeys through the three front doors in a real Chromium, against the app on 127.0.0.1:
// what players, traders, admins and partners do, as they do it (labels, buttons, links).
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partnerSession } from '../support/access-helpers.ts';
import { PASSWORD } from '../support/app.ts';
import { totpCode } from '../support/totp.ts';
import {
  type Browser,
  enrolledStaff,
  enrolledStaffViaApi,
  expectLabelledControls,
  launchBrowser,
  type Site,
  screenshot,
  signedInAnHourAgo,
  startSite,
} from './support.ts';

let site: Site;
let browser: Browser;
let adminToken: string;

/** Two football fixtures tomorrow, each with a match-result and an over/under market. */
const FIXTURES = [
  {
    name: 'Northbridge v Southport',
    home: 'Northbridge',
    away: 'Southport',
    prices: ['2.10', '3.40', '3.25'],
  },
  {
    name: 'Eastfield v Westham',
    home: 'Eastfield',
    away: 'Westham',
    prices: ['1.80', '3.60', '4.20'],
  },
] as const;
const events: { id: string; marketId: string; selectionIds: string[] }[] = [];
let competitionId = '';

async function seedCatalogue() {
  const trader = await site.t.trader();
  const sport = await site.t.api.post(
    '/api/v1/admin/sports',
    { slug: 'football', name: 'Football', displayOrder: 1 },
    { token: trader.token },
  );
  const competition = await site.t.api.post(
    '/api/v1/admin/competitions',
    { sportId: sport.body.id, name: 'Test Premier League', country: 'England' },
    { token: trader.token },
  );
  competitionId = competition.body.id;
  for (const [i, fixture] of FIXTURES.entries()) {
    const created = await site.t.api.post(
      '/api/v1/admin/events',
      {
        competitionId: competition.body.id,
        name: fixture.name,
        home: fixture.home,
        away: fixture.away,
        startsAt: new Date(Date.now() + (20 + i) * 3600_000).toISOString(),
        markets: [
          {
            type: 'match_result',
            name: 'Match result',
            selections: [
              { name: fixture.home, outcome: 'home', price: fixture.prices[0] },
              { name: 'Draw', outcome: 'draw', price: fixture.prices[1] },
              { name: fixture.away, outcome: 'away', price: fixture.prices[2] },
            ],
          },
          {
            type: 'over_under',
            name: 'Total goals',
            line: '2.5',
            selections: [
              { name: 'Over 2.5', outcome: 'over', price: '1.90' },
              { name: 'Under 2.5', outcome: 'under', price: '1.95' },
            ],
          },
        ],
      },
      { token: trader.token },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const market = created.body.markets[0];
    events.push({
      id: created.body.id,
      marketId: market.id,
      selectionIds: market.selections.map((s: any) => s.id),
    });
  }
}

const price = (page: Page, event: string, selection: string) =>
  page
    .getByRole('article', { name: event })
    .getByRole('button', { name: new RegExp(`^${selection}\\b`) });

/** A match-result fixture of its own, `hours` from now; returns its market. */
async function fixture(name: string, home: string, away: string, hours: number, prices: string[]) {
  const trader = await site.t.trader();
  const created = await site.t.api.post(
    '/api/v1/admin/events',
    {
      competitionId,
      name,
      home,
      away,
      startsAt: new Date(Date.now() + hours * 3600_000).toISOString(),
      markets: [
        {
          type: 'match_result',
          name: 'Match result',
          selections: [
            { name: home, outcome: 'home', price: prices[0] },
            { name: 'Draw', outcome: 'draw', price: prices[1] },
            { name: away, outcome: 'away', price: prices[2] },
          ],
        },
      ],
    },
    { token: trader.token },
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { id: created.body.id as string, market: created.body.markets[0] };
}

/** The month before this one, as the statements screen offers it (YYYY-MM, UTC). */
function lastMonth(): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))
    .toISOString()
    .slice(0, 7);
}

/**
 * A player referred through an affiliate's tracking link (the real click and registration),
 * who registered last month and then deposited `deposit` and lost a `stake` bet last month.
 * A statement covers a month that is over and the ledger is append-only, so last month's
 * movements are written as dated transfers, balances moved as `post` moves them.
 */
async function referredLastMonth(
  partnerToken: string,
  figures: { deposit: bigint; stake: bigint },
): Promise<string> {
  const { api, db } = site.t;
  const link = await api.post(
    '/api/v1/partner/affiliate/links',
    { name: 'Season preview' },
    { token: partnerToken },
  );
  expect(link.status, JSON.stringify(link.body)).toBe(201);
  const click = await api.get(`/r/${link.body.code}`);
  const cookie = String(click.headers['set-cookie'] ?? '').split(';')[0]!;
  expect(cookie).toMatch(/^ibet_ref=/);
  const registered = await api.post(
    '/api/v1/auth/register',
    {
      email: `referred-${randomUUID()}@example.com`,
      password: PASSWORD,
      displayName: 'Referred Player',
      dateOfBirth: '1990-01-01',
      country: 'IE',
      currency: 'EUR',
    },
    { headers: { cookie } },
  );
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  const playerId: string = registered.body.accountId;
  const at = `${lastMonth()}-15T12:00:00Z`;
  await db.transaction(async (tx) => {
    const [referral] = await tx.query<{ click_id: string }>(
      `UPDATE affiliates.referrals SET registered_at = $2::timestamptz - interval '10 days'
       WHERE player_id = $1 RETURNING click_id`,
      [playerId, at],
    );
    expect(referral, 'the registration is credited to the link').toBeDefined();
    await tx.query(
      `UPDATE affiliates.clicks SET clicked_at = $2::timestamptz - interval '10 days' WHERE id = $1`,
      [referral!.click_id, at],
    );
    const accounts = await tx.query<{ id: string; kind: string }>(
      'SELECT id::text, kind FROM wallet.accounts WHERE owner_id = $1',
      [playerId],
    );
    const cash = accounts.find((a) => a.kind === 'player_cash')!.id;
    const held = accounts.find((a) => a.kind === 'player_bets_held')!.id;
    const system = async (kind: string) => {
      await tx.query(
        `INSERT INTO wallet.accounts (kind, currency) VALUES ($1, 'EUR')
         ON CONFLICT (kind, currency) WHERE owner_id IS NULL DO NOTHING`,
        [kind],
      );
      const [row] = await tx.query<{ id: string }>(
        `SELECT id::text FROM wallet.accounts WHERE owner_id IS NULL AND kind = $1 AND currency = 'EUR'`,
        [kind],
      );
      return row!.id;
    };
    const moves: [string, string, bigint, string][] = [
      [await system('psp_clearing'), cash, figures.deposit, 'deposit'],
      [cash, held, figures.stake, 'bet_stake'],
      [held, await system('house'), figures.stake, 'bet_stake_lost'],
    ];
    for (const [debit, credit, amount, kind] of moves) {
      await tx.query(
        `INSERT INTO wallet.transfers (debit_account_id, credit_account_id, amount, currency, kind, reference, created_at)
         VALUES ($1, $2, $3, 'EUR', $4, $5, $6)`,
        [debit, credit, amount, kind, `journey:${randomUUID()}`, at],
      );
      // System accounts keep no running balance; player accounts do.
      await tx.query(
        'UPDATE wallet.accounts SET balance = balance - $2 WHERE id = $1 AND owner_id IS NOT NULL',
        [debit, amount],
      );
      await tx.query(
        'UPDATE wallet.accounts SET balance = balance + $2 WHERE id = $1 AND owner_id IS NOT NULL',
        [credit, amount],
      );
    }
  });
  return playerId;
}

async function signInPlayer(page: Page, email: string, password: string) {
  await page.goto(`${site.base}/#/login`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByTestId('header-balance').count()).toBe(1);
}

async function signInStaff(
  page: Page,
  door: string,
  staff: { email: string; password: string; totpSecret: string },
) {
  await page.goto(door);
  await page.getByLabel('Email address').fill(staff.email);
  await page.getByLabel('Password').fill(staff.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Code from your authenticator app').fill(await totpCode(staff.totpSecret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect.poll(() => page.getByRole('link', { name: 'Overview' }).count()).toBe(1);
}

describe('the web front doors in Chromium', () => {
  const player = {
    email: `player-${randomUUID()}@example.com`,
    password: 'a long enough passphrase for tests',
    name: 'Robin Player',
  };
  let playerPage: Page;

  beforeAll(async () => {
    site = await startSite();
    browser = await launchBrowser();
    adminToken = (await site.t.staff(['admin'])).token;
    await seedCatalogue();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('a player registers, confirms the address from the mail, deposits, places a single and a multiple and sees them', async () => {
    const page = await browser.newPage();
    playerPage = page;
    await page.goto(`${site.base}/`);
    await expect.poll(() => price(page, FIXTURES[0].name, 'Northbridge').count()).toBe(1);
    await screenshot(page, 'player-home-signed-out');

    // Register (and be signed in).
    await page.getByRole('link', { name: 'Sign in' }).first().click();
    await page.getByRole('link', { name: 'New here? Register' }).click();
    await page.getByLabel('Email address').fill(player.email);
    await page.getByLabel('Password').fill(player.password);
    await page.getByLabel('Display name').fill(player.name);
    await page.getByLabel('Date of birth').fill('1990-04-12');
    await page.getByLabel('Country').selectOption('IE');
    await page.getByLabel('Currency').selectOption('EUR');
    await expectLabelledControls(page);
    await page.getByRole('button', { name: 'Register and sign in' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1, name: 'Wallet' }).count())
      .toBe(1);
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('We sent a link');

    // The verification mail, read as staff read it (GET /api/v1/admin/mail).
    let link = '';
    await expect
      .poll(async () => {
        const mail = await site.t.api.get(
          `/api/v1/admin/mail?to=${encodeURIComponent(player.email)}`,
          {
            token: adminToken,
          },
        );
        link =
          /(http\S+#\/verify-email\?token=[\w-]+)/.exec(mail.body.items?.[0]?.body ?? '')?.[1] ??
          '';
        return link;
      })
      .toMatch(new RegExp(`^${site.base}/#/verify-email\\?token=`));
    await page.goto(link);
    await page.getByRole('button', { name: 'Confirm my address' }).click();
    await expect.poll(() => page.getByText('your address is confirmed').count()).toBe(1);
    expect(page.url()).not.toContain('token=');
    await page.getByRole('link', { name: 'Go to your account' }).click();
    await expect.poll(() => page.getByTestId('email-verified').count()).toBe(1);

    // Deposit 50.00.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Wallet' })
      .click();
    await page.getByLabel('Amount (EUR)').first().fill('50');
    await page.getByRole('button', { name: 'Deposit', exact: true }).last().click();
    await expect.poll(() => page.getByTestId('wallet-balance').textContent()).toBe('€50.00');
    await expect.poll(() => page.getByRole('cell', { name: 'Deposit' }).count()).toBe(1);
    await screenshot(page, 'player-wallet');

    // A single: 5.00 on Northbridge at 2.10.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Sports' })
      .click();
    await price(page, FIXTURES[0].name, 'Northbridge').click();
    const slip = page.getByTestId('bet-slip');
    await slip.getByLabel(/^Stake/).fill('5');
    await expect.poll(() => slip.locator('.payout-value').textContent()).toBe('€10.50');
    await screenshot(page, 'player-slip-single');
    await slip.getByRole('button', { name: 'Place bet' }).click();
    await expect.poll(() => slip.getByText('Bet placed.').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('header-balance').textContent()).toContain('€45.00');

    // A multiple: Northbridge and Westham, 2.00 at 2.10 × 4.20 = 8.82.
    await slip.getByRole('button', { name: 'Continue betting' }).click();
    await price(page, FIXTURES[0].name, 'Northbridge').click();
    // By keyboard: a price is a button in the tab order.
    await price(page, FIXTURES[1].name, 'Westham').focus();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => price(page, FIXTURES[1].name, 'Westham').getAttribute('aria-pressed'))
      .toBe('true');
    await expect.poll(() => slip.getByRole('radio', { name: 'Multiple' }).isChecked()).toBe(true);
    await slip.getByLabel(/^Stake/).fill('2');
    await expect.poll(() => slip.locator('.payout-value').textContent()).toBe('€17.64');
    await slip.getByRole('button', { name: 'Place bet' }).click();
    await expect.poll(() => slip.getByText('Bet placed.').count()).toBeGreaterThan(0);

    // My bets: the multiple (newest) and the single, open.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'My bets' })
      .click();
    const bets = page.getByTestId('bet');
    await expect.poll(() => bets.count()).toBe(2);
    expect(await bets.nth(0).textContent()).toContain('Multiple (2)');
    expect(await bets.nth(1).textContent()).toContain('Single');
    expect(await bets.nth(1).textContent()).toContain('€10.50');
    await screenshot(page, 'player-my-bets');

    // The event page has every market.
    await bets
      .nth(1)
      .getByRole('link', { name: /Northbridge v Southport/ })
      .click();
    await expect.poll(() => page.getByRole('group', { name: 'Total goals' }).count()).toBe(1);
    await screenshot(page, 'player-event');
  });

  it('a trader enters a result and the player sees the settlement and the new balance', async () => {
    const trader = await enrolledStaff(site.t, ['trader']);
    const page = await browser.newPage();
    await signInStaff(page, `${site.base}/backoffice/`, trader);
    await expectLabelledControls(page);
    // Permission-aware menu: a trader sees trading, not staff administration.
    const menu = page.getByRole('navigation', { name: 'Back office' });
    expect(await menu.getByRole('link', { name: 'Trading' }).count()).toBe(1);
    expect(await menu.getByRole('link', { name: 'Staff' }).count()).toBe(0);

    await menu.getByRole('link', { name: 'Trading' }).click();
    await page.getByRole('link', { name: FIXTURES[0].name }).click();
    const market = page.locator(`[data-market-id="${events[0]!.marketId}"]`);
    await market.getByRole('button', { name: 'Enter result' }).click();
    const dialog = page.getByRole('dialog', { name: 'Result: Match result' });
    await dialog.getByLabel('Northbridge').check();
    await screenshot(page, 'backoffice-result-dialog');
    await dialog.getByRole('button', { name: 'Record result and settle' }).click();
    await expect
      .poll(() => market.getByTestId('settlement-summary').textContent())
      .toBe('Settled: 1 won, 0 lost, 0 void, 1 still open (multiples waiting).');
    await screenshot(page, 'backoffice-event-desk', { doc: 'backoffice' });

    // The player: a message, the won single with its payout, 45.00 − 2.00 + 10.50 = 53.50.
    const p = playerPage;
    await p
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Messages' })
      .click();
    await expect
      .poll(() => p.getByText('Your bet won').count(), { timeout: 20_000 })
      .toBeGreaterThan(0);
    await p
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'My bets' })
      .click();
    await p.getByRole('link', { name: 'Settled' }).click();
    const settled = p.getByTestId('bet');
    await expect.poll(() => settled.first().textContent()).toContain('Won');
    expect(await settled.count()).toBe(1);
    expect(await settled.first().textContent()).toContain('Payout€10.50');
    await expect.poll(() => p.getByTestId('header-balance').textContent()).toContain('€53.50');
    await screenshot(p, 'player-settled');
  });

  it('the player site speaks German and shows fractional odds on request', async () => {
    const page = playerPage;
    await page.getByLabel('Language').selectOption('de');
    const nav = page.getByRole('navigation', { name: 'Hauptnavigation' });
    await nav.getByRole('link', { name: 'Konto' }).click();
    await expect.poll(() => page.getByTestId('wallet-balance').textContent()).toBe('53,50\u00a0€');
    await nav.getByRole('link', { name: 'Sport' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Kommende Ereignisse');
    const westham = price(page, FIXTURES[1].name, 'Westham');
    await expect.poll(() => westham.textContent()).toContain('4.20');
    const before = await westham.boundingBox();
    // 4.20 is 16/5; the first event's market is settled and closed for bets.
    await page.getByLabel('Quotenformat').selectOption('fractional');
    await expect.poll(() => westham.textContent()).toContain('16/5');
    // Another price text in the same box: nothing on the page moves.
    expect(await westham.boundingBox()).toEqual(before);
    await screenshot(page, 'player-home-german-fractional');
    await page.getByLabel('Quotenformat').selectOption('decimal');
    await page.getByLabel('Sprache').selectOption('en');
  });

  it('the player cashes out the multiple still open', async () => {
    const page = playerPage;
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'My bets' })
      .click();
    const multiple = page.getByTestId('bet').filter({ hasText: 'Multiple (2)' });
    await expect.poll(() => multiple.count()).toBe(1);
    await multiple.getByRole('button', { name: 'Cash out' }).click();
    // 2.00 × 2.10 (won) × 4.20 / 4.20 (to play), less the 5 % margin: 3.99.
    const confirm = multiple.getByRole('button', { name: 'Cash out €3.99' });
    await expect.poll(() => confirm.count()).toBe(1);
    await screenshot(page, 'player-cash-out');
    await confirm.click();
    await expect
      .poll(() => page.getByTestId('notice').textContent())
      .toContain('Cashed out for €3.99.');
    await expect.poll(() => page.getByTestId('header-balance').textContent()).toContain('€57.49');
    await page.getByRole('link', { name: 'Settled' }).click();
    await expect
      .poll(() => page.getByTestId('bet').filter({ hasText: 'Cashed out' }).count())
      .toBe(1);
  });

  it('an admin creates a staff member with a role, confirming it with a code', async () => {
    const admin = await enrolledStaff(site.t, ['admin']);
    const page = await browser.newPage();
    // Signed in an hour ago: granting roles needs a fresh second-factor proof.
    await signedInAnHourAgo(site, page, 'staff', admin);
    await page
      .getByRole('navigation', { name: 'Back office' })
      .getByRole('link', { name: 'Staff' })
      .click();
    await page.getByText('New staff member').click();
    const email = `new-trader-${randomUUID()}@example.com`;
    await page.getByLabel('Name').fill('Nora Newcomer');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Initial password').fill('an initial staff passphrase');
    await page
      .getByRole('group', { name: 'Roles' })
      .getByLabel(/^trader/)
      .check();
    await expectLabelledControls(page);
    await page.getByRole('button', { name: 'Create staff member' }).click();
    const stepUp = page.getByRole('dialog', { name: 'Confirm it is you' });
    await stepUp
      .getByLabel('Code from your authenticator app')
      .fill(await totpCode(admin.totpSecret));
    await stepUp.getByRole('button', { name: 'Confirm' }).click();
    await expect
      .poll(() => page.getByTestId('notice').textContent())
      .toContain('Nora Newcomer can now sign in with roles trader');
    const row = page.getByRole('row', { name: /Nora Newcomer/ });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('trader');
    await screenshot(page, 'backoffice-staff');

    // The audit log shows the grant.
    await page
      .getByRole('navigation', { name: 'Back office' })
      .getByRole('link', { name: 'Audit log' })
      .click();
    await page.getByLabel('Action').fill('staff');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect
      .poll(() => page.getByRole('cell', { name: 'staff.created' }).count())
      .toBeGreaterThan(0);
    await screenshot(page, 'backoffice-audit');

    // The captured mail: the player's address check, with its link as a link.
    const menu = page.getByRole('navigation', { name: 'Back office' });
    await menu.getByRole('link', { name: 'Mail' }).click();
    await page.getByLabel('To').fill(player.email);
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.getByText('Confirm your email address').count()).toBe(1);
    await page.getByText('Confirm your email address').click();
    expect(await page.getByRole('link', { name: /verify-email\?token=/ }).count()).toBe(1);
    await screenshot(page, 'backoffice-mail');

    // The ledger check holds after everything the journeys did.
    await menu.getByRole('link', { name: 'Ledger check' }).click();
    await expect
      .poll(() => page.getByTestId('ledger-status').textContent())
      .toContain('The ledger holds');
    expect(await page.getByRole('cell', { name: 'EUR' }).count()).toBe(1);
    await screenshot(page, 'backoffice-ledger');

    // The newcomer's first sign-in: staff must enrol a second factor before anything else.
    const newcomer = await browser.newPage();
    await newcomer.goto(`${site.base}/backoffice/`);
    await newcomer.getByLabel('Email address').fill(email);
    await newcomer.getByLabel('Password').fill('an initial staff passphrase');
    await newcomer.getByRole('button', { name: 'Sign in' }).click();
    await newcomer.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = (await newcomer.getByTestId('totp-secret').getAttribute('data-secret')) ?? '';
    await screenshot(newcomer, 'backoffice-first-sign-in-enrolment');
    await newcomer.getByLabel('Code from your authenticator app').fill(await totpCode(secret));
    await newcomer.getByRole('button', { name: 'Turn it on' }).click();
    await expect.poll(() => newcomer.getByTestId('recovery-codes').locator('li').count()).toBe(10);
    await newcomer.getByRole('button', { name: 'I have saved my recovery codes' }).click();
    const menu2 = newcomer.getByRole('navigation', { name: 'Back office' });
    await expect.poll(() => menu2.getByRole('link', { name: 'Trading' }).count()).toBe(1);
    expect(await menu2.getByRole('link', { name: 'Staff' }).count()).toBe(0);
  });

  it('a partner creates an API key and sees it once', async () => {
    const email = `partner-${randomUUID()}@example.com`;
    const created = await site.t.api.post(
      '/api/v1/admin/partners',
      { email, password: PASSWORD, type: 'b2b', companyName: 'Reseller Ltd' },
      { token: adminToken },
    );
    expect(created.status).toBe(201);
    const page = await browser.newPage();
    await page.goto(`${site.base}/partners/`);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Reseller Ltd');
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name').fill('odds feed (production)');
    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your new API key' });
    const key = (await dialog.getByTestId('new-api-key').textContent()) ?? '';
    expect(key).toMatch(/^ibet_[0-9a-f]{12}_/);
    expect(await dialog.getByRole('button', { name: 'Copy the key' }).count()).toBe(1);
    await screenshot(page, 'partners-new-key', { doc: 'partners' });

    // The key works on the odds feed.
    const feed = await fetch(`${site.base}/api/v1/b2b/odds?limit=5`, {
      headers: { 'x-api-key': key },
    });
    expect(feed.status).toBe(200);

    // Once closed, it is gone: the list shows its prefix only.
    await dialog.getByRole('button', { name: 'I have stored it' }).click();
    await expect.poll(() => page.getByTestId('api-key-row').count()).toBe(1);
    expect(await page.content()).not.toContain(key);
    expect(await page.getByTestId('api-key-row').textContent()).toContain(key.slice(0, 17));

    // Rotate with an hour's grace: a new key, shown once; the old one keeps working.
    await page.getByRole('button', { name: 'Rotate', exact: true }).click();
    await page.getByLabel('The old key keeps working for').selectOption('3600');
    await page.getByRole('button', { name: 'Rotate key' }).click();
    const rotated = (await dialog.getByTestId('new-api-key').textContent()) ?? '';
    expect(rotated).toMatch(/^ibet_[0-9a-f]{12}_/);
    expect(rotated).not.toBe(key);
    await dialog.getByRole('button', { name: 'I have stored it' }).click();
    const rows = page.getByTestId('api-key-row');
    await expect.poll(() => rows.count()).toBe(2);
    await expect.poll(() => rows.nth(1).textContent()).toContain('expiring');
    const old = await fetch(`${site.base}/api/v1/b2b/odds?limit=1`, {
      headers: { 'x-api-key': key },
    });
    expect(old.status).toBe(200);

    // Revoke the new one: it stops at once.
    page.once('dialog', (confirm) => void confirm.accept());
    await rows.nth(0).getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => rows.nth(0).textContent()).toContain('revoked');
    const refused = await fetch(`${site.base}/api/v1/b2b/odds?limit=1`, {
      headers: { 'x-api-key': rotated },
    });
    expect(refused.status).toBe(401);
    await screenshot(page, 'partners-keys');
  });

  it('a player resets a forgotten password with the mailed link', async () => {
    const account = await site.t.player();
    const page = await browser.newPage();
    await page.goto(`${site.base}/#/login`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email address').fill(account.email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await expect.poll(() => page.getByText('a link is on its way').count()).toBe(1);
    let link = '';
    await expect
      .poll(async () => {
        const mail = await site.t.api.get(
          `/api/v1/admin/mail?to=${encodeURIComponent(account.email)}`,
          { token: adminToken },
        );
        const reset = mail.body.items.find((m: any) => m.subject === 'Reset your password');
        link = /(http\S+#\/reset-password\?token=[\w-]+)/.exec(reset?.body ?? '')?.[1] ?? '';
        return link;
      })
      .toMatch(new RegExp(`^${site.base}/#/reset-password\\?token=`));
    await page.goto(link);
    const fresh = 'a brand new passphrase for iBet';
    await page.getByLabel('New password', { exact: true }).fill(fresh);
    await page.getByLabel('The new password again').fill(fresh);
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await expect.poll(() => page.getByText('Your password is changed').count()).toBe(1);
    await screenshot(page, 'player-password-reset');
    await page.getByRole('link', { name: 'Sign in', exact: true }).last().click();
    await page.getByLabel('Email address').fill(account.email);
    await page.getByLabel('Password').fill(fresh);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.getByTestId('notice').textContent())
      .toContain('Welcome, Test Player.');
  });

  it('a player enrols an authenticator app and signs in with a code', async () => {
    const account = await site.t.player();
    const page = await browser.newPage();
    await page.goto(`${site.base}/#/login`);
    await page.getByLabel('Email address').fill(account.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Account' })
      .click();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await expect.poll(() => page.getByRole('img', { name: /QR code/ }).count()).toBe(1);
    const secret = (await page.getByTestId('totp-secret').getAttribute('data-secret')) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await screenshot(page, 'player-mfa-enrolment');
    await page.getByLabel('Code from your authenticator app').fill(await totpCode(secret));
    await page.getByRole('button', { name: 'Turn it on' }).click();
    await expect.poll(() => page.getByTestId('recovery-codes').locator('li').count()).toBe(10);
    await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
    await expect
      .poll(() => page.getByText('Signing in and sensitive actions need a code').count())
      .toBe(1);

    // Sign out, then in again: password, then the code.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect.poll(() => page.getByText('You are signed out.').count()).toBe(1);
    await page.goto(`${site.base}/#/login`);
    await page.getByLabel('Email address').fill(account.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Code from your authenticator app').fill(await totpCode(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect
      .poll(() => page.getByTestId('notice').textContent())
      .toContain('Welcome, Test Player.');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Account' })
      .click();
    await expect.poll(() => page.getByText('Where you are signed in').count()).toBe(1);
    await screenshot(page, 'player-account');
  });

  it('a player places a system bet from a live quote, sees a price change arrive live, and takes a re-offered stake', async () => {
    const [a, b, c] = [
      await fixture('Ashford v Bramley', 'Ashford', 'Bramley', 30, ['2.00', '3.30', '3.60']),
      await fixture('Carlton v Dunmore', 'Carlton', 'Dunmore', 31, ['1.50', '4.00', '6.00']),
      await fixture('Elmstead v Fairview', 'Elmstead', 'Fairview', 32, ['2.50', '3.20', '2.80']),
    ];
    const account = await site.t.player();
    await site.t.deposit(account, 10_000n);
    const page = await browser.newPage();
    await signInPlayer(page, account.email, PASSWORD);
    await page.goto(`${site.base}/#/`);
    await price(page, 'Ashford v Bramley', 'Ashford').click();
    await price(page, 'Carlton v Dunmore', 'Carlton').click();
    await price(page, 'Elmstead v Fairview', 'Elmstead').click();

    // A Trixie: the three doubles and the treble, 1.00 a line.
    const slip = page.getByTestId('bet-slip');
    await slip.getByRole('radio', { name: 'System' }).check();
    expect(await slip.getByLabel('System bet').inputValue()).toBe('trixie');
    await slip.getByLabel(/^Stake per line/).fill('1');
    await expect.poll(() => slip.getByTestId('quote-lines').textContent()).toBe('4 × €1.00');
    expect(await slip.getByTestId('quote-total').textContent()).toBe('€4.00');
    // 2.00×1.50 + 2.00×2.50 + 1.50×2.50 + 2.00×1.50×2.50 = 3.00 + 5.00 + 3.75 + 7.50.
    expect(await slip.getByTestId('quote-payout').textContent()).toBe('€19.25');
    // "2 from 3" is the doubles only.
    await slip.getByLabel('System bet').selectOption('2/3');
    await expect.poll(() => slip.getByTestId('quote-lines').textContent()).toBe('3 × €1.00');
    await slip.getByLabel('System bet').selectOption('trixie');
    await expect.poll(() => slip.getByTestId('quote-lines').textContent()).toBe('4 × €1.00');
    await expectLabelledControls(page);
    await screenshot(page, 'player-slip-system', { doc: 'player' });
    await slip.getByRole('button', { name: 'Place bet' }).click();
    await expect.poll(() => slip.getByText('Bet placed.').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('header-balance').textContent()).toContain('€96.00');

    // A price moves at the trading desk: the event page shows it within moments, pushed over
    // the WebSocket (the page itself re-reads only every 30 seconds), in a box that keeps its size.
    await page.goto(`${site.base}/#/event/${a.id}`);
    await expect
      .poll(() => page.getByTestId('live-connection').textContent())
      .toBe('Live updates on');
    const ashford = page
      .getByRole('group', { name: 'Match result' })
      .getByRole('button', { name: /^Ashford\b/ });
    await expect.poll(() => ashford.textContent()).toContain('2.00');
    await slip
      .getByRole('button', { name: 'Continue betting' })
      .click()
      .catch(() => {});
    await ashford.click();
    const box = await ashford.boundingBox();
    const trader = await site.t.trader();
    const moved = await site.t.api.patch(
      `/api/v1/admin/selections/${a.market.selections[0].id}`,
      { price: '2.40' },
      { token: trader.token },
    );
    expect(moved.status).toBe(200);
    // The new price and its flash, read together: the flash lasts two seconds from the change,
    // and two separate reads on a busy machine can straddle its end.
    await expect
      .poll(() => ashford.evaluate((el) => `${el.className} ${el.textContent}`), {
        timeout: 5_000,
      })
      .toMatch(/price-up[\s\S]*2\.40/);
    expect(await ashford.boundingBox()).toEqual(box);
    await screenshot(page, 'player-live-price');
    // On the slip: the old price struck through, to accept before placing.
    await expect.poll(() => slip.locator('del').textContent()).toContain('2.00');
    expect(
      await slip.getByRole('button', { name: 'Accept new prices and place bet' }).count(),
    ).toBe(1);

    // The market takes at most 5.00: a bigger stake is refused by the quote, which offers 5.00.
    const settings = await site.t.api.patch(
      `/api/v1/admin/markets/${a.market.id}/settings`,
      { maxStake: '500' },
      { token: (await site.t.staff(['admin'])).token },
    );
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
    await slip.getByLabel(/^Stake/).fill('20');
    await expect.poll(() => slip.getByTestId('quote-refusals').textContent()).toContain('€5.00');
    await slip.getByRole('button', { name: 'Use this stake' }).click();
    expect(await slip.getByLabel(/^Stake/).inputValue()).toBe('5.00');
    await expect.poll(() => slip.getByTestId('quote-refusals').count()).toBe(0);
    await slip.getByRole('button', { name: 'Accept new prices and place bet' }).click();
    await expect.poll(() => slip.getByText('Bet placed.').count()).toBeGreaterThan(0);

    // My bets: the single at the new price and the Trixie; a cash-out target on the single.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'My bets' })
      .click();
    const bets = page.getByTestId('bet');
    await expect.poll(() => bets.count()).toBe(2);
    expect(await bets.nth(1).textContent()).toContain('Trixie (4 bets)');
    const single = bets.nth(0);
    expect(await single.textContent()).toContain('2.40');
    await single.getByLabel('Cash out automatically at').fill('11.50');
    await single.getByRole('button', { name: 'Set target' }).click();
    await expect
      .poll(() => single.textContent())
      .toContain('Set: cashed out automatically at €11.50.');
    // Part of the stake: 2.00 of 5.00.
    await single.getByLabel(/^Stake to cash out/).fill('2');
    await single.getByRole('button', { name: 'Cash out', exact: true }).click();
    await expect.poll(() => single.getByRole('button', { name: /^Cash out €/ }).count()).toBe(1);
    expect(await single.textContent()).toContain('Cash out €2.00 of the stake');
    await screenshot(page, 'player-partial-cash-out');

    // The wallet history filters: payments only, over the last 3 months.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Wallet' })
      .click();
    const history = page.getByTestId('wallet-history');
    await expect.poll(() => history.getByRole('row').count()).toBe(4); // header, deposit, 2 stakes
    await page.getByLabel('Kind of movement').selectOption('payments');
    await expect.poll(() => history.getByRole('row').count()).toBe(2);
    expect(await history.getByRole('cell', { name: 'Deposit' }).count()).toBe(1);
    await page.getByLabel('Period').selectOption('custom');
    await page.getByLabel('From').fill('2020-01-01');
    await page.getByLabel('To (inclusive)').fill('2020-12-31');
    await expect.poll(() => history.getByRole('row').count()).toBe(1);
    await screenshot(page, 'player-wallet-filters');
    void b;
    void c;
  });

  it('risk staff watch the live bets, the liability of an event and the operations dashboard', async () => {
    const risk = await enrolledStaff(site.t, ['risk']);
    const page = await browser.newPage();
    await signInStaff(page, `${site.base}/backoffice/`, risk);
    const menu = page.getByRole('navigation', { name: 'Back office' });
    expect(await menu.getByRole('link', { name: 'Trading' }).count()).toBe(0);

    await menu.getByRole('link', { name: 'Live bets' }).click();
    const ticker = page.getByTestId('ticker');
    await expect.poll(() => ticker.textContent()).toContain('system trixie');
    await screenshot(page, 'backoffice-ticker');

    await menu.getByRole('link', { name: 'Liability' }).click();
    await page
      .getByRole('navigation', { name: 'Events' })
      .getByRole('link', { name: 'Ashford v Bramley' })
      .click();
    const liability = page.getByTestId('liability');
    await expect.poll(() => liability.getByRole('img').count()).toBe(1);
    // Two open bets have Ashford: the Trixie and the single.
    const ashford = liability.getByRole('row', { name: /^Ashford/ });
    await expect.poll(() => ashford.getByRole('cell').nth(1).textContent()).toBe('2');
    await screenshot(page, 'backoffice-liability', { doc: 'backoffice-liability' });

    // A player's stake factor, from the ticker.
    await menu.getByRole('link', { name: 'Live bets' }).click();
    await ticker.getByRole('row').nth(1).getByRole('link').last().click();
    const form = page.getByTestId('player-risk');
    await expect.poll(() => form.getByLabel('Stake factor').inputValue()).toBe('1');
    await form.getByLabel('Stake factor').fill('0.5');
    await form.getByLabel('Note (why)').fill('sharp on lower leagues');
    await form.getByRole('button', { name: 'Save limits' }).click();
    await expect
      .poll(() => page.getByTestId('notice').textContent())
      .toContain('Player limits saved.');

    // AML flags: risk staff may resolve them (none are open in this journey).
    await menu.getByRole('link', { name: 'AML flags' }).click();
    await expect.poll(() => page.getByText('No open flags.').count()).toBe(1);

    await menu.getByRole('link', { name: 'Operations' }).click();
    const charts = page.getByTestId('operations-charts');
    await expect.poll(() => charts.getByRole('img').count()).toBe(10);
    // Two readings make the first point of the rates.
    await expect
      .poll(() => page.getByTestId('chart-latency-p95').textContent(), { timeout: 20_000 })
      .toMatch(/ms$/);
    // A few more readings, with bets between them, so that the lines have a shape.
    const bettor = await site.t.player();
    await site.t.deposit(bettor, 5_000n);
    const busy = await fixture('Granby v Harlow', 'Granby', 'Harlow', 40, ['1.90', '3.50', '4.00']);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j <= i; j++) {
        await site.t.api.post(
          '/api/v1/bets',
          {
            stake: '100',
            legs: [
              { selectionId: busy.market.selections[j].id, price: busy.market.selections[j].price },
            ],
          },
          { token: bettor.token, idempotencyKey: randomUUID() },
        );
      }
      await page.waitForTimeout(5_500);
    }
    await screenshot(page, 'backoffice-operations', { doc: 'backoffice-operations' });
  });

  it('a player sets a deposit limit and uploads an identity document; compliance verifies it and checks the audit chain', async () => {
    const account = await site.t.player();
    const page = await browser.newPage();
    await signInPlayer(page, account.email, PASSWORD);
    await page.goto(`${site.base}/#/account/safer-gambling`);
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Safer gambling');
    await page.getByLabel('Limit on').selectOption('deposit');
    await page.getByLabel('Period').selectOption('month');
    await page.getByLabel(/^Amount/).fill('200');
    await page.getByRole('button', { name: 'Save limit' }).click();
    await expect.poll(() => page.getByTestId('rg-limits').textContent()).toContain('€200.00');
    await page.getByLabel('Document', { exact: true }).selectOption('passport');
    await page.getByLabel(/^File/).setInputFiles({
      name: 'passport.png',
      mimeType: 'image/png',
      buffer: Buffer.from(
        '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489',
        'hex',
      ),
    });
    await page.getByRole('button', { name: 'Upload' }).click();
    await expect.poll(() => page.getByTestId('kyc-status').textContent()).toBe('Being checked');
    await expectLabelledControls(page);
    await screenshot(page, 'player-safer-gambling');

    const officer = await enrolledStaff(site.t, ['compliance']);
    const desk = await browser.newPage();
    await signInStaff(desk, `${site.base}/backoffice/`, officer);
    const menu = desk.getByRole('navigation', { name: 'Back office' });
    await menu.getByRole('link', { name: 'KYC review' }).click();
    await desk
      .getByRole('navigation', { name: 'Players to review' })
      .getByRole('link', { name: account.id.slice(0, 8) })
      .click();
    const review = desk.getByTestId('kyc-player');
    await expect.poll(() => review.textContent()).toContain('passport');
    await review.getByLabel('Decision').selectOption('verified');
    await review.getByLabel('Reason or note').fill('Passport matches name and date of birth.');
    await review.getByRole('button', { name: 'Save review' }).click();
    await expect.poll(() => review.locator('h2').textContent()).toContain('verified');
    await screenshot(desk, 'backoffice-kyc');

    await menu.getByRole('link', { name: 'Audit log' }).click();
    await desk.getByRole('button', { name: 'Verify the chains' }).click();
    await expect.poll(() => desk.getByTestId('chain-result').count()).toBe(1);
    await screenshot(desk, 'backoffice-audit-chain');

    // The player's page follows.
    await page.reload();
    await expect.poll(() => page.getByTestId('kyc-status').textContent()).toBe('Verified');
  });

  it('an affiliate partner creates a tracking link and a webhook, whose secret is shown once', async () => {
    const email = `affiliate-${randomUUID()}@example.com`;
    const created = await site.t.api.post(
      '/api/v1/admin/partners',
      { email, password: PASSWORD, type: 'affiliate', companyName: 'Tipster Media' },
      { token: adminToken },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const page = await browser.newPage();
    await page.goto(`${site.base}/partners/`);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Affiliate' }).click();
    await page.getByLabel('Link name').fill('Match previews');
    await page.getByRole('button', { name: 'Create link' }).click();
    await expect
      .poll(() => page.getByTestId('affiliate-links').textContent())
      .toContain('Match previews');
    await expect.poll(() => page.getByTestId('affiliate-figures').count()).toBe(1);
    await expectLabelledControls(page);
    await screenshot(page, 'partners-affiliate');

    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByLabel('URL (https)').fill('https://hooks.example.com/ibet');
    await page.getByLabel('market.status').check();
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your signing secret' });
    const secret = (await dialog.getByTestId('webhook-secret').textContent()) ?? '';
    expect(secret.length).toBeGreaterThan(20);
    await screenshot(page, 'partners-webhook-secret');
    await dialog.getByRole('button', { name: 'I have stored it' }).click();
    const row = page.getByTestId('webhook-row');
    await expect.poll(() => row.textContent()).toContain('bet.settled, market.status');
    expect(await page.content()).not.toContain(secret);
    await row.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => row.textContent()).toContain('disabled');
    await screenshot(page, 'partners-webhooks');
  });

  it('marketing creates a free-bet promotion; a player opts in and stakes the free bet', async () => {
    const marketer = await enrolledStaff(site.t, ['marketing']);
    const desk = await browser.newPage();
    await signInStaff(desk, `${site.base}/backoffice/`, marketer);
    await desk
      .getByRole('navigation', { name: 'Back office' })
      .getByRole('link', { name: 'Promotions' })
      .click();
    await desk.getByText('New promotion').click();
    await desk.getByLabel('Kind').selectOption('free_bet');
    await desk.getByLabel('Name', { exact: true }).fill('Weekend free bet');
    await desk.getByLabel('Amount').fill('3.00');
    await desk.getByLabel('Minimum odds').fill('1.50');
    await desk.getByRole('button', { name: 'Create promotion' }).click();
    await expect
      .poll(() => desk.getByTestId('promotions-admin').textContent())
      .toContain('Weekend free bet');
    await screenshot(desk, 'backoffice-promotions');

    const match = await fixture('Ivybridge v Jarrow', 'Ivybridge', 'Jarrow', 34, [
      '2.20',
      '3.30',
      '3.10',
    ]);
    const account = await site.t.player();
    const page = await browser.newPage();
    await signInPlayer(page, account.email, PASSWORD);
    await page.goto(`${site.base}/#/promotions`);
    const offers = page.getByTestId('promotions');
    await expect.poll(() => offers.textContent()).toContain('Weekend free bet');
    await offers.getByRole('button', { name: 'Opt in' }).click();
    await expect
      .poll(() => page.getByTestId('notice').textContent())
      .toContain('You received €3.00.');
    await screenshot(page, 'player-promotions');

    // The free bet pays for a single: the stake is its amount, the cash balance untouched.
    await page.goto(`${site.base}/#/event/${match.id}`);
    await page
      .getByRole('group', { name: 'Match result' })
      .getByRole('button', { name: /^Ivybridge\b/ })
      .click();
    const slip = page.getByTestId('bet-slip');
    const payWith = slip.getByLabel('Pay with');
    await expect
      .poll(() => payWith.locator('option', { hasText: 'Free bet €3.00' }).count())
      .toBe(1);
    const freeBet = await payWith
      .locator('option', { hasText: 'Free bet €3.00' })
      .getAttribute('value');
    await payWith.selectOption(freeBet ?? '');
    expect(await slip.getByLabel(/^Stake/).inputValue()).toBe('3.00');
    await expect.poll(() => slip.getByTestId('quote-total').textContent()).toBe('€3.00');
    await slip.getByRole('button', { name: 'Place bet' }).click();
    await expect.poll(() => slip.getByText('Bet placed.').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('header-balance').textContent()).toContain('€0.00');
  });

  it('marketing creates an odds boost on a selection through the form; the player is offered it on the slip', async () => {
    const match = await fixture('Kendal v Lowestoft', 'Kendal', 'Lowestoft', 36, [
      '2.40',
      '3.20',
      '2.90',
    ]);
    const marketer = await enrolledStaff(site.t, ['marketing']);
    const desk = await browser.newPage();
    await signInStaff(desk, `${site.base}/backoffice/`, marketer);
    await desk
      .getByRole('navigation', { name: 'Back office' })
      .getByRole('link', { name: 'Promotions' })
      .click();
    await desk.getByText('New promotion').click();
    await desk.getByLabel('Kind').selectOption('odds_boost');
    await desk.getByLabel('Name', { exact: true }).fill('Kendal to win boost');

    // Event, then market, then selection, each offered once the step before is chosen.
    const pick = async (label: string, text: string) => {
      const option = desk.getByLabel(label, { exact: true }).locator('option', { hasText: text });
      await expect.poll(() => option.count()).toBe(1);
      await desk
        .getByLabel(label, { exact: true })
        .selectOption((await option.getAttribute('value')) ?? '');
    };
    await pick('Event', 'Kendal v Lowestoft');
    await pick('Market', 'Match result');
    await pick('Selection', 'Kendal @ 2.40');
    await expect
      .poll(() => desk.getByTestId('boost-current-price').textContent())
      .toBe('Current price of Kendal: 2.40');
    await expectLabelledControls(desk);

    // A price no better than the current one is refused on its field before anything is sent.
    await desk.getByLabel('Boosted price').fill('2.40');
    await desk.getByRole('button', { name: 'Create promotion' }).click();
    await expect
      .poll(() => desk.getByText('Above the current price (2.40)', { exact: false }).count())
      .toBe(1);

    await desk.getByLabel('Boosted price').fill('3.00');
    await desk.getByLabel(/^Largest stake/).fill('10');
    await desk.getByLabel('Players opt in').uncheck();
    await desk.getByRole('button', { name: 'Create promotion' }).click();
    await expect
      .poll(() => desk.getByTestId('promotions-admin').textContent())
      .toContain('Kendal to win boost');
    await screenshot(desk, 'backoffice-odds-boost');

    const account = await site.t.player();
    const page = await browser.newPage();
    await signInPlayer(page, account.email, PASSWORD);
    await page.goto(`${site.base}/#/event/${match.id}`);
    await page
      .getByRole('group', { name: 'Match result' })
      .getByRole('button', { name: /^Kendal\b/ })
      .click();
    const slip = page.getByTestId('bet-slip');
    const offer = slip.getByTestId('slip-boost');
    await expect.poll(() => offer.textContent()).toContain('Kendal to win boost');
    expect(await offer.textContent()).toContain('3.00');
    expect(await offer.textContent()).toContain('€10.00');
    await offer.getByRole('button', { name: 'Boost the odds of Kendal' }).click();
    await expect
      .poll(() => offer.getByRole('button', { name: 'Remove the odds boost from Kendal' }).count())
      .toBe(1);
    await screenshot(page, 'player-odds-boost');
  });

  it('support staff find a player, read the profile and transactions, and add a note', async () => {
    const account = await site.t.player();
    await site.t.deposit(account, 2_500n);
    const match = await fixture('Kingsley v Lowton', 'Kingsley', 'Lowton', 44, [
      '2.00',
      '3.30',
      '3.60',
    ]);
    const bet = await site.t.api.post(
      '/api/v1/bets',
      {
        stake: '500',
        legs: [{ selectionId: match.market.selections[0].id, price: '2.00' }],
      },
      { token: account.token, idempotencyKey: randomUUID() },
    );
    expect(bet.status, JSON.stringify(bet.body)).toBe(201);

    const agent = await enrolledStaff(site.t, ['support']);
    const page = await browser.newPage();
    await signInStaff(page, `${site.base}/backoffice/`, agent);
    const menu = page.getByRole('navigation', { name: 'Back office' });
    await menu.getByRole('link', { name: 'Support' }).click();
    await page.getByRole('searchbox', { name: 'Find a player' }).fill(account.email.toUpperCase());
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const results = page.getByRole('table', { name: 'Players found' });
    await expect.poll(() => results.getByRole('row').count()).toBe(2); // header, the player
    await results.getByRole('link', { name: 'Test Player' }).click();

    // The profile: KYC, balances (25.00 − 5.00 in the open bet), one open bet.
    const profile = page.getByTestId('support-profile');
    await expect
      .poll(() => profile.getByRole('heading', { level: 2 }).first().textContent())
      .toContain(account.email);
    const facts = await profile.textContent();
    expect(facts).toContain('KYCnone');
    expect(facts).toContain('Cash€20.00');
    expect(facts).toContain('In open bets€5.00');
    expect(facts).toContain('Open bets1');

    // The movements, newest first, as the player sees them; the kind filter narrows them.
    const movements = page.getByTestId('support-transactions');
    await expect.poll(() => movements.getByRole('row').count()).toBe(3);
    expect(await movements.getByRole('row').nth(1).textContent()).toContain('Stake-€5.00');
    expect(await movements.getByRole('row').nth(2).textContent()).toContain('Deposit€25.00');
    await page.getByLabel('Kind of movement').selectOption('payments');
    await expect.poll(() => movements.getByRole('row').count()).toBe(2);
    expect(await movements.getByRole('cell', { name: 'Deposit' }).count()).toBe(1);
    await page.getByLabel('Period').selectOption('custom');
    await page.getByLabel('From').fill('2020-01-01');
    await page.getByLabel('To (inclusive)').fill('2020-12-31');
    await expect.poll(() => page.getByText('No movements match these filters.').count()).toBe(1);
    await page.getByLabel('Period').selectOption('90d');
    await page.getByLabel('Kind of movement').selectOption('all');
    await expect.poll(() => movements.getByRole('row').count()).toBe(3);

    // A note, shown at once with its author.
    await page.getByLabel('New note').fill('Asked where the deposit went: it is in the open bet.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('Note added.');
    await expect
      .poll(() => profile.getByText('Asked where the deposit went: it is in the open bet.').count())
      .toBe(1);
    await expectLabelledControls(page);
    // The picture starts at the movements: the new section and the notes below it.
    await profile
      .getByRole('heading', { level: 2, name: 'Transactions' })
      .evaluate((el: any) => el.closest('.panel').scrollIntoView({ block: 'start' }));
    await screenshot(page, 'backoffice-support', { doc: 'backoffice-support' });
  });

  it('marketing sets the loyalty scheme and the affiliate manager computes, approves and pays a monthly statement', async () => {
    // Marketing: the default points rate and a new top tier.
    const marketer = await enrolledStaff(site.t, ['marketing']);
    const desk = await browser.newPage();
    await signInStaff(desk, `${site.base}/backoffice/`, marketer);
    await desk
      .getByRole('navigation', { name: 'Back office' })
      .getByRole('link', { name: 'Loyalty scheme' })
      .click();
    const rate = desk.getByRole('group', { name: 'Rate 1', exact: true });
    await expect.poll(() => rate.getByLabel('Points per 100').inputValue()).toBe('1');
    await rate.getByLabel('Points per 100').fill('2');
    await desk.getByRole('button', { name: 'Add a tier' }).click();
    const tier = desk.getByRole('group', { name: 'Tier 5', exact: true });
    await tier.getByLabel('Name').fill('diamond');
    await tier.getByLabel('From lifetime points').fill('50000');
    await tier.getByLabel('Multiplier').fill('2');
    await expectLabelledControls(desk);
    await desk.getByRole('button', { name: 'Save the scheme' }).click();
    await expect
      .poll(() => desk.getByTestId('notice').textContent())
      .toContain('The loyalty scheme is saved.');
    const scheme = await site.t.api.get('/api/v1/admin/loyalty', { token: adminToken });
    expect(scheme.body.rates).toEqual([
      expect.objectContaining({ sportId: null, betKind: null, pointsPerHundred: 2 }),
    ]);
    expect(scheme.body.tiers.at(-1)).toMatchObject({ name: 'diamond', minPoints: '50000' });
    await screenshot(desk, 'backoffice-loyalty');

    // An affiliate whose referred player lost 40.00 last month (NGR 40.00).
    const partner = await partnerSession(site.t.api, adminToken, {
      type: 'affiliate',
      companyName: 'Matchday Tips',
    });
    await referredLastMonth(partner.token, { deposit: 10_000n, stake: 4_000n });
    const name = `Matchday Tips (${partner.email})`;
    const month = lastMonth();

    // The affiliate manager: a custom role holding partners:manage.
    const role = await site.t.api.post(
      '/api/v1/admin/roles',
      { name: 'affiliate-manager', permissions: ['partners:manage'] },
      { token: adminToken },
    );
    expect(role.status, JSON.stringify(role.body)).toBe(201);
    const manager = await enrolledStaffViaApi(site.t, adminToken, ['affiliate-manager']);
    const page = await browser.newPage();
    await signInStaff(page, `${site.base}/backoffice/`, manager);
    const menu = page.getByRole('navigation', { name: 'Back office' });
    expect(await menu.getByRole('link', { name: 'Loyalty scheme' }).count()).toBe(0);
    await menu.getByRole('link', { name: 'Affiliate plans' }).click();
    await page.getByText('New plan', { exact: true }).click();
    await page.getByLabel('Name', { exact: true }).fill('Revenue share 25');
    await page.getByLabel('Revenue share (% of NGR)').fill('25');
    await page.getByRole('button', { name: 'Create plan' }).click();
    await expect
      .poll(() => page.getByTestId('notice').textContent())
      .toContain('Plan "Revenue share 25" created.');
    const assign = page.getByRole('region', { name: 'Put an affiliate on a plan' });
    await assign.getByLabel('Affiliate').selectOption({ label: name });
    await assign.getByLabel('Plan').selectOption({ label: 'Revenue share 25 (EUR)' });
    await assign.getByRole('button', { name: 'Assign plan' }).click();
    await expect
      .poll(() => page.getByTestId('notice').textContent())
      .toContain(`${name} is now on "Revenue share 25".`);
    await screenshot(page, 'backoffice-affiliate-plans');

    // Last month's statement: computed, approved, paid (25 % of 40.00).
    await menu.getByRole('link', { name: 'Commission statements' }).click();
    await page.getByText('Compute a month', { exact: true }).click();
    const compute = page.locator('details').filter({ hasText: 'Compute drafts' });
    expect(await compute.getByLabel('Month').inputValue()).toBe(month);
    await compute.getByLabel('Affiliate').selectOption({ label: name });
    await compute.getByRole('button', { name: 'Compute drafts' }).click();
    await expect
      .poll(() => page.getByTestId('notice').textContent())
      .toContain(`1 statements computed for ${month}.`);
    const statement = page
      .getByTestId('affiliate-statements')
      .getByRole('row')
      .filter({ hasText: partner.email });
    await expect.poll(() => statement.textContent()).toContain('Draft');
    expect(await statement.textContent()).toContain('€40.00');
    await statement
      .getByRole('button', { name: `Approve the statement of ${name} for ${month}` })
      .click();
    await expect.poll(() => statement.textContent()).toContain('Approved');
    await statement.getByRole('button', { name: `Pay €10.00 to ${name} for ${month}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Pay' });
    await expect
      .poll(() => dialog.textContent())
      .toContain(`Pay €10.00 into the commission account of ${name} for ${month}?`);
    await dialog.getByRole('button', { name: 'Pay', exact: true }).click();
    await expect.poll(() => statement.textContent()).toContain('Paid');
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('Statement paid.');
    await screenshot(page, 'backoffice-affiliate-statements');

    // The affiliate sees the paid statement.
    const mine = await site.t.api.get('/api/v1/partner/affiliate/statements', {
      token: partner.token,
    });
    expect(mine.body.items).toEqual([
      expect.objectContaining({ period: month, status: 'paid', commission: '1000' }),
    ]);
  });

  it('a player puts each-way and bet-builder bets on the slip and places them', async () => {
    const trader = await site.t.trader();
    const create = async (body: Record<string, unknown>) => {
      const created = await site.t.api.post(
        '/api/v1/admin/events',
        {
          competitionId,
          startsAt: new Date(Date.now() + 50 * 3600_000).toISOString(),
          ...body,
        },
        { token: trader.token },
      );
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return created.body.id as string;
    };
    // An outright with place terms (3 places at 1/4 the odds), and a match for a bet builder.
    const cup = await create({
      name: 'Harbour Cup winner',
      home: 'Harbour Cup',
      away: 'Field',
      markets: [
        {
          type: 'outright',
          name: 'Winner',
          eachWay: { places: 3, fraction: '1/4' },
          selections: ['Atherton', 'Brixham', 'Cheadle', 'Dunmore'].map((name, i) => ({
            name,
            outcome: name.toLowerCase(),
            price: ['3.00', '5.00', '6.00', '9.00'][i],
          })),
        },
      ],
    });
    const derby = await create({
      name: 'Marston v Newby',
      home: 'Marston',
      away: 'Newby',
      markets: [
        {
          type: 'match_result',
          name: 'Match result',
          selections: [
            { name: 'Marston', outcome: 'home', price: '2.00' },
            { name: 'Draw', outcome: 'draw', price: '3.40' },
            { name: 'Newby', outcome: 'away', price: '3.60' },
          ],
        },
        {
          type: 'over_under',
          name: 'Total goals',
          line: '2.5',
          selections: [
            { name: 'Over 2.5', outcome: 'over', price: '1.80' },
            { name: 'Under 2.5', outcome: 'under', price: '2.00' },
          ],
        },
      ],
    });
    const account = await site.t.player();
    await site.t.deposit(account, 5_000n);
    const page = await browser.newPage();
    await signInPlayer(page, account.email, PASSWORD);
    const slip = page.getByTestId('bet-slip');

    // Each-way: 2.00 win and 2.00 place on Brixham at 5.00; win 10.00 + place 2.00 × 2 = 14.00.
    await page.goto(`${site.base}/#/event/${cup}`);
    await page
      .getByRole('group', { name: 'Winner' })
      .getByRole('button', { name: /^Brixham\b/ })
      .click();
    await slip.getByLabel('Each-way (win and place, two lines per bet)').check();
    await slip.getByLabel(/^Stake/).fill('2');
    await expect.poll(() => slip.getByTestId('quote-total').textContent()).toBe('€4.00');
    expect(await slip.getByTestId('quote-payout').textContent()).toBe('€14.00');
    expect(await slip.getByTestId('quote').textContent()).toContain('Brixham');
    await screenshot(page, 'player-slip-each-way');
    await slip.getByRole('button', { name: 'Place bet' }).click();
    await expect.poll(() => slip.getByText('Bet placed.').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('header-balance').textContent()).toContain('€46.00');

    // A bet builder: Marston to win and over 2.5 goals in one bet, priced by the quote:
    // 2.00 × 1.80 = 3.60 less the builder margin.
    await slip.getByRole('button', { name: 'Continue betting' }).click();
    await page.goto(`${site.base}/#/event/${derby}`);
    await page
      .getByRole('group', { name: 'Match result' })
      .getByRole('button', { name: /^Marston\b/ })
      .click();
    await page
      .getByRole('group', { name: 'Total goals' })
      .getByRole('button', { name: /^Over 2\.5\b/ })
      .click();
    await slip.getByRole('radio', { name: 'Bet builder' }).check();
    await expect
      .poll(() => slip.getByTestId('slip-combined').textContent())
      .toContain('Bet builder of 2 selections from one event.');
    await slip.getByLabel(/^Stake/).fill('10');
    await expect.poll(() => slip.getByTestId('quote-total').textContent()).toBe('€10.00');
    const quoted = await site.t.api.post(
      '/api/v1/betslip/quote',
      {
        kind: 'builder',
        stake: '1000',
        legs: (await site.t.api.get(`/api/v1/events/${derby}`)).body.markets.map((m: any) => ({
          selectionId: m.selections[0].id,
          price: m.selections[0].price,
        })),
      },
      { token: account.token },
    );
    expect(quoted.status, JSON.stringify(quoted.body)).toBe(200);
    expect(Number(quoted.body.price)).toBeLessThan(3.6);
    const payout = `€${(Number(quoted.body.potentialPayout) / 100).toFixed(2)}`;
    await expect.poll(() => slip.getByTestId('quote-payout').textContent()).toBe(payout);
    await screenshot(page, 'player-slip-bet-builder');
    await slip.getByRole('button', { name: 'Place bet' }).click();
    await expect.poll(() => slip.getByText('Bet placed.').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('header-balance').textContent()).toContain('€36.00');

    // My bets: the builder (newest) and the each-way single, both open.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'My bets' })
      .click();
    const bets = page.getByTestId('bet');
    await expect.poll(() => bets.count()).toBe(2);
    expect(await bets.nth(0).textContent()).toContain('Over 2.5');
    expect(await bets.nth(1).textContent()).toContain('Brixham');
    await screenshot(page, 'player-my-bets-each-way-builder');
  });
});
