// The whole money loop as a client sees it, over a real TCP socket: register, sign in,
// deposit, browse, bet, a trader results the market, the bet is paid and the player is told.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';

describe('the money loop over HTTP', () => {
  const t = useTestApp();
  let base: string;

  beforeAll(async () => {
    base = await t.app.http.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await t.app.http.close();
  });

  async function call(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; key?: string } = {},
  ) {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.key) headers['idempotency-key'] = options.key;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as any,
    };
  }

  it('takes a player from registration to a settled, paid bet', async () => {
    const email = `loop-${randomUUID()}@example.com`;
    const password = 'a long enough passphrase';
    const registered = await call('POST', '/api/v1/auth/register', {
      body: {
        email,
        password,
        displayName: 'Loop',
        dateOfBirth: '1988-03-09',
        country: 'SE',
        currency: 'SEK',
      },
    });
    expect(registered.status).toBe(201);
    const login = await call('POST', '/api/v1/auth/login', { body: { email, password } });
    expect(login.status).toBe(200);
    const token = login.body.accessToken as string;

    const deposit = await call('POST', '/api/v1/wallet/deposits', {
      token,
      key: randomUUID(),
      body: { amount: '10000' },
    });
    expect(deposit.status).toBe(201);
    expect(deposit.body).toMatchObject({ status: 'completed', currency: 'SEK', balance: '10000' });

    const event = await t.event({ prices: ['2.375', '3.40', '3.10'] });
    const listed = await call('GET', '/api/v1/events?limit=100');
    expect(listed.status).toBe(200);
    const found = listed.body.items.find((e: any) => e.id === event.id);
    const market = found.markets[0];
    const home = market.selections[0];
    expect(home.price).toBe('2.375');

    const key = randomUUID();
    const bet = await call('POST', '/api/v1/bets', {
      token,
      key,
      body: { stake: '1000', legs: [{ selectionId: home.id, price: '2.375' }] },
    });
    expect(bet.status).toBe(201);
    expect(bet.body).toMatchObject({ status: 'open', stake: '1000', potentialPayout: '2375' });
    const retry = await call('POST', '/api/v1/bets', {
      token,
      key,
      body: { stake: '1000', legs: [{ selectionId: home.id, price: '2.375' }] },
    });
    expect(retry.headers.get('idempotency-hit')).toBe('true');
    expect(retry.body.id).toBe(bet.body.id);
    expect((await call('GET', '/api/v1/wallet', { token })).body).toMatchObject({
      balance: '9000',
      inBets: '1000',
    });

    const trader = await t.trader();
    const result = await call('POST', `/api/v1/admin/markets/${market.id}/result`, {
      token: trader.token,
      key: randomUUID(),
      body: { winners: [home.id] },
    });
    expect(result.status).toBe(200);
    expect(result.body.bets).toEqual({ open: 0, won: 1, lost: 0, void: 0 });

    expect((await call('GET', '/api/v1/wallet', { token })).body).toMatchObject({
      balance: '11375',
      inBets: '0',
    });
    const settled = await call('GET', `/api/v1/bets/${bet.body.id}`, { token });
    expect(settled.body).toMatchObject({ status: 'won', payout: '2375' });

    await t.app.relay!.drain();
    const messages = await call('GET', '/api/v1/notifications', { token });
    expect(messages.body.items.map((m: any) => m.title)).toEqual([
      'Your bet won',
      'Deposit received',
    ]);
  });
});
