// The browser suite's harness: the app listening on 127.0.0.1 (with the outbox relay pumped,
// so mail and messages arrive as in a running system), Chromium with a fresh profile, staff
// with an enrolled authenticator, and screenshots at desktop and phone widths.
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSecret } from 'otplib';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { createStaff } from '../../src/modules/identity/index.ts';
import { enrolConfirmed } from '../../src/modules/identity/totp.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { STAFF_PASSWORD, sha256 } from '../support/identity-helpers.ts';
import { totpCode } from '../support/totp.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Screenshots of every run (git-ignored): test-results/screenshots. */
export const SHOTS = path.join(ROOT, 'test-results/screenshots');
/** The README's screenshots, refreshed when IBET_DOC_SCREENSHOTS=1. */
const DOC_SHOTS = path.join(ROOT, 'docs/screenshots');

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Site {
  t: TestApp;
  /** http://127.0.0.1:<port> */
  base: string;
  close(): Promise<void>;
}

/** The app on a real socket; mail links point at it (IBET_PUBLIC_URL). */
export async function startSite(): Promise<Site> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t = await startTestApp({ env: { IBET_PUBLIC_URL: base } });
  await t.app.http.listen({ host: '127.0.0.1', port });
  // The relay publishes outbox events (mail, messages) as the worker would, every 200 ms. A
  // failed pass is retried by the next one, and shown: a journey waiting for mail that never
  // comes fails on a timeout, and this is where its cause is.
  let pumping: Promise<unknown> = Promise.resolve();
  const pump = setInterval(() => {
    pumping = pumping
      .then(() => t.app.relay?.drain())
      .catch((error: unknown) => console.error('relay drain failed:', error));
  }, 200);
  return {
    t,
    base,
    async close() {
      clearInterval(pump);
      await pumping;
      await t.close();
    },
  };
}

export interface Browser {
  context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Chromium, headless, with a fresh profile directory removed afterwards. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'ibet-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: DESKTOP,
    locale: 'en-GB',
    timezoneId: 'Europe/Dublin',
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(15_000);
  const errors: string[] = [];
  context.on('weberror', (error) => errors.push(String(error.error())));
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      page.on('console', (message) => {
        // A CSP violation or a React error would show here first.
        if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) {
          errors.push(message.text());
        }
      });
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      expect(errors, 'errors in the pages').toEqual([]);
    },
  };
}

/** Saves the page at desktop and phone widths under test-results/screenshots. */
export async function screenshot(page: Page, name: string, options: { doc?: string } = {}) {
  mkdirSync(SHOTS, { recursive: true });
  // The README's pictures show the screen, not a passing message.
  const notices = page.locator('.notice-bar');
  if (options.doc) await notices.evaluate((el: any) => el.classList.add('visually-hidden'));
  const before = page.viewportSize() ?? DESKTOP;
  await page.setViewportSize(DESKTOP);
  const desktop = path.join(SHOTS, `${name}-desktop.png`);
  await page.screenshot({ path: desktop, animations: 'disabled' });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: path.join(SHOTS, `${name}-phone.png`), animations: 'disabled' });
  await page.setViewportSize(before);
  if (options.doc && process.env.IBET_DOC_SCREENSHOTS === '1') {
    mkdirSync(DOC_SHOTS, { recursive: true });
    copyFileSync(desktop, path.join(DOC_SHOTS, `${options.doc}.png`));
  }
  if (options.doc) await notices.evaluate((el: any) => el.classList.remove('visually-hidden'));
}

export interface EnrolledStaff {
  id: string;
  email: string;
  password: string;
  totpSecret: string;
}

/** A staff member with `roles` and a confirmed authenticator, not signed in anywhere yet. */
export async function enrolledStaff(t: TestApp, roles: string[]): Promise<EnrolledStaff> {
  const email = `staff-${randomUUID()}@example.com`;
  const account = await createStaff(t.db, {
    email,
    password: STAFF_PASSWORD,
    displayName: `${roles.join(' & ')} ${email.slice(6, 10)}`,
    roles,
  });
  const totpSecret = generateSecret();
  await t.db.transaction((tx) => enrolConfirmed(tx, account.id, totpSecret));
  return { id: account.id, email, password: STAFF_PASSWORD, totpSecret };
}

/**
 * A staff member created through the admin API (as the Staff screen does), so that `roles`
 * may name custom roles, with a confirmed authenticator; not signed in anywhere yet.
 */
export async function enrolledStaffViaApi(
  t: TestApp,
  adminToken: string,
  roles: string[],
): Promise<EnrolledStaff> {
  const email = `staff-${randomUUID()}@example.com`;
  const created = await t.api.post(
    '/api/v1/admin/staff',
    {
      email,
      password: STAFF_PASSWORD,
      displayName: `${roles.join(' & ')} ${email.slice(6, 10)}`,
      roles,
    },
    { token: adminToken },
  );
  if (created.status !== 201) throw new Error(`staff: ${JSON.stringify(created.body)}`);
  const totpSecret = generateSecret();
  await t.db.transaction((tx) => enrolConfirmed(tx, created.body.id, totpSecret));
  return { id: created.body.id, email, password: STAFF_PASSWORD, totpSecret };
}

const DOORS = {
  player: { path: '/', auth: '/api/v1/auth' },
  staff: { path: '/backoffice/', auth: '/api/v1/staff/auth' },
  partner: { path: '/partners/', auth: '/api/v1/partner/auth' },
} as const;

/**
 * Opens a door in `page` as someone who signed in with password and code an hour ago (as if
 * the tab had stayed open): the session's second-factor proof is an hour old, so the next
 * sensitive action asks for a fresh code. (The server caches a session's state for a few
 * seconds, so the sign-in cannot be aged after the page used it.)
 */
export async function signedInAnHourAgo(
  site: Site,
  page: Page,
  door: keyof typeof DOORS,
  account: { email: string; password: string; totpSecret: string },
): Promise<void> {
  const { api, db } = site.t;
  const login = await api.post(`${DOORS[door].auth}/login`, {
    email: account.email,
    password: account.password,
  });
  const second = await api.post(`${DOORS[door].auth}/login/mfa`, {
    mfaToken: login.body.mfaToken,
    code: await totpCode(account.totpSecret),
  });
  if (second.status !== 200) throw new Error(`sign-in: ${JSON.stringify(second.body)}`);
  await db.query(
    `UPDATE identity.sessions SET mfa_verified_at = now() - interval '1 hour'
     WHERE id = (SELECT session_id FROM identity.refresh_tokens WHERE token_hash = $1)`,
    [sha256(second.body.refreshToken)],
  );
  // A refresh mints the tokens a tab open for an hour would hold.
  const fresh = await api.post(`${DOORS[door].auth}/refresh`, {
    refreshToken: second.body.refreshToken,
  });
  if (fresh.status !== 200) throw new Error(`refresh: ${JSON.stringify(fresh.body)}`);
  await page.goto(`${site.base}${DOORS[door].path}`);
  await page.evaluate(([key, value]) => (globalThis as any).sessionStorage.setItem(key, value), [
    `ibet.${door}.tokens`,
    JSON.stringify({ accessToken: fresh.body.accessToken, refreshToken: fresh.body.refreshToken }),
  ] as const);
  await page.reload();
}

/** Every form control of the page has an accessible name (a label or aria-label). */
export async function expectLabelledControls(page: Page): Promise<void> {
  // Runs in the page (DOM types are not in this program's lib).
  const unnamed: string[] = await page.evaluate(() => {
    const doc = (globalThis as any).document;
    return [...doc.querySelectorAll('input, select, textarea, button')]
      .filter((el: any) => el.offsetParent !== null)
      .filter(
        (el: any) =>
          !(
            el.getAttribute('aria-label') ||
            el.getAttribute('aria-labelledby') ||
            el.labels?.length ||
            (el.tagName === 'BUTTON' && el.textContent?.trim())
          ),
      )
      .map((el: any) => String(el.outerHTML).slice(0, 120));
  });
  expect(unnamed).toEqual([]);
}
