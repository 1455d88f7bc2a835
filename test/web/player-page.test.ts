import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';

describe('the player page', () => {
  const t = useTestApp();

  it('serves the page at / with its module script and stylesheet', async () => {
    const page = await t.api.get('/');
    expect(page.status).toBe(200);
    expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
    expect(page.body).toContain('<script type="module" src="/app.js"></script>');
    expect(page.body).toContain('<link rel="stylesheet" href="/style.css">');
    expect(page.body).toContain('18+');
  });

  it('has no inline scripts or event handlers, so a strict CSP can be turned on', async () => {
    const page = await t.api.get('/');
    const scripts = [...String(page.body).matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, content] of scripts) {
      expect(attributes).toMatch(/\bsrc="/);
      expect(content?.trim()).toBe('');
    }
    expect(page.body).not.toMatch(/\son[a-z]+\s*=/i);
  });

  it('serves the script and its modules as JavaScript', async () => {
    for (const path of ['/app.js', '/money.js']) {
      const script = await t.api.get(path);
      expect(script.status).toBe(200);
      expect(String(script.headers['content-type'])).toMatch(/^(text|application)\/javascript/);
    }
    const app = await t.api.get('/app.js');
    expect(app.body).toContain("from './money.js'");
  });

  it('serves the stylesheet as CSS', async () => {
    const style = await t.api.get('/style.css');
    expect(style.status).toBe(200);
    expect(String(style.headers['content-type'])).toMatch(/^text\/css/);
  });

  it('never puts server data into the page as HTML', async () => {
    const app = await t.api.get('/app.js');
    expect(app.body).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});
