// Who the client is: the connecting address, unless it is one of the load balancers named in
// IBET_TRUSTED_PROXIES — only then does X-Forwarded-For count (throttling, sessions, audit).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startTestApp, type TestApp } from '../support/app.ts';

async function signedInFrom(t: TestApp, forwardedFor: string): Promise<string> {
  const player = await t.player();
  const login = await t.api.post(
    '/api/v1/auth/login',
    { email: player.email, password: PASSWORD },
    { headers: { 'x-forwarded-for': forwardedFor } },
  );
  expect(login.status).toBe(200);
  const sessions = await t.api.get('/api/v1/sessions', { token: login.body.accessToken });
  const current = sessions.body.items.find((s: { current: boolean }) => s.current);
  return current.ip;
}

describe('trusted proxies', () => {
  let direct: TestApp;
  let behindProxy: TestApp;

  beforeAll(async () => {
    direct = await startTestApp();
    behindProxy = await startTestApp({ env: { IBET_TRUSTED_PROXIES: '127.0.0.1, ::1' } });
  });
  afterAll(async () => {
    await direct?.close();
    await behindProxy?.close();
  });

  it('ignores X-Forwarded-For from a client that is not a configured proxy', async () => {
    expect(await signedInFrom(direct, '203.0.113.7')).toBe('127.0.0.1');
  });

  it('takes the client address from X-Forwarded-For when a configured proxy sends it', async () => {
    expect(await signedInFrom(behindProxy, '203.0.113.7')).toBe('203.0.113.7');
    // A client cannot hide behind an address it prepends: the proxy's own entry is the last hop.
    expect(await signedInFrom(behindProxy, '198.51.100.1, 203.0.113.9')).toBe('203.0.113.9');
  });
});
