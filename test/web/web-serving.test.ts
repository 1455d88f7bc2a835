// The API process serves the three web front doors from web/dist: hashed assets cached for a
// year, pages revalidated every time and sent with the security headers, and no page or
// script that could run markup from the server.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/platform/http/web.ts';
import { useTestApp } from '../support/app.ts';

const WEB = fileURLToPath(new URL('../../web/', import.meta.url));

const scriptsOf = (html: string) => [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
const assetsOf = (html: string) =>
  [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);

describe('the web front doors', () => {
  const t = useTestApp();

  it('serves the player site at /, the back office at /backoffice/ and the partner portal at /partners/', async () => {
    const titles = {
      '/': 'iBet',
      '/backoffice/': 'iBet back office',
      '/partners/': 'iBet partner portal',
    };
    for (const [door, title] of Object.entries(titles)) {
      const page = await t.api.get(door);
      expect(page.status, door).toBe(200);
      expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
      expect(page.body).toContain(`<title>${title}</title>`);
      expect(page.body).toContain('<div id="root"></div>');
    }
  });

  it('sends /backoffice and /partners on to their door', async () => {
    for (const door of ['/backoffice', '/partners']) {
      const answer = await t.api.get(door);
      expect(answer.status).toBe(301);
      expect(answer.headers.location).toBe(`${door}/`);
    }
  });

  it('sends pages with the security headers and never lets them be cached unchecked', async () => {
    for (const door of ['/', '/backoffice/', '/partners/', '/index.html']) {
      const page = await t.api.get(door);
      expect(page.headers['cache-control'], door).toBe('no-cache');
      expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['referrer-policy']).toBe('same-origin');
      expect(page.headers.etag).toBeDefined();
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
  });

  it('serves the hashed scripts and styles of every page for a year, immutable', async () => {
    for (const door of ['/', '/backoffice/', '/partners/']) {
      const page = await t.api.get(door);
      const assets = assetsOf(page.body);
      expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
      expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
      for (const asset of assets) {
        expect(asset).toMatch(/^\/assets\/[\w-]+-[\w-]{8}\.(js|css)$/);
        const answer = await t.api.get(asset);
        expect(answer.status, asset).toBe(200);
        expect(answer.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(answer.headers['x-content-type-options']).toBe('nosniff');
        expect(String(answer.headers['content-type'])).toMatch(
          asset.endsWith('.js') ? /^(text|application)\/javascript/ : /^text\/css/,
        );
        expect(answer.headers['content-security-policy']).toBeUndefined();
      }
    }
  });

  it('has no inline script or event handler in any page, so the strict CSP holds', async () => {
    for (const door of ['/', '/backoffice/', '/partners/']) {
      const page = await t.api.get(door);
      const scripts = scriptsOf(page.body);
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attributes, content] of scripts) {
        expect(attributes).toMatch(/\bsrc="/);
        expect(content?.trim()).toBe('');
      }
      expect(page.body).not.toMatch(/\son[a-z]+\s*=/i);
      expect(page.body).not.toMatch(/<style\b|\sstyle="/i);
    }
  });

  it('keeps the build stamp and other dot files private, and answers 404 for what is not there', async () => {
    expect((await t.api.get('/.build-stamp')).status).toBe(404);
    expect((await t.api.get('/assets/nothing-12345678.js')).status).toBe(404);
    // The API's own 404 stays a problem document.
    const api = await t.api.get('/api/v1/nothing');
    expect(api.status).toBe(404);
    expect(api.body.code).toBe('route_not_found');
  });

  it('never puts server data into a page as HTML', () => {
    const files = (readdirSync(path.join(WEB, 'src'), { recursive: true }) as string[]).filter(
      (f) => /\.(ts|tsx)$/.test(f),
    );
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const text = readFileSync(path.join(WEB, 'src', file), 'utf8');
      expect(text, file).not.toMatch(
        /dangerouslySetInnerHTML|innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(/,
      );
    }
  });
});
