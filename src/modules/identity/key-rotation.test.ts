import { decodeProtectedHeader } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Player, useTestApp } from '../../../test/support/app.ts';
import { rotateSigningKey } from './tokens.ts';

describe('signing key rotation', () => {
  const t = useTestApp();
  let player: Player;

  beforeAll(async () => {
    player = await t.player();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const kidOf = (token: string) => decodeProtectedHeader(token).kid;
  const me = (token: string) => t.api.get('/api/v1/me', { token });
  const freshToken = async () => {
    const response = await t.api.post('/api/v1/auth/refresh', {
      refreshToken: player.refreshToken,
    });
    expect(response.status).toBe(200);
    player.refreshToken = response.body.refreshToken;
    return response.body.accessToken as string;
  };

  it('signs with the new key within a minute, keeps verifying the previous one, and retires older ones', async () => {
    const before = player.token;
    const first = await rotateSigningKey(t.db);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 61_000);
    // Any verification (every authenticated request) lets the process see the new key.
    expect((await me(before)).status).toBe(200);
    const signedNew = await freshToken();
    expect(kidOf(signedNew)).toBe(first);
    expect(kidOf(before)).not.toBe(first);

    const second = await rotateSigningKey(t.db);
    vi.setSystemTime(Date.now() + 61_000);
    expect((await me(signedNew)).status).toBe(200);
    expect(kidOf(await freshToken())).toBe(second);
    // The original key is now two rotations old: retired, its tokens refused.
    expect((await me(before)).status).toBe(401);
    const jwks = await t.api.get('/.well-known/jwks.json');
    expect(jwks.body.keys.map((k: { kid: string }) => k.kid).sort()).toEqual(
      [first, second].sort(),
    );
  });
});
