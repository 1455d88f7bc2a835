// Security scenarios 11 and 14 (docs/reliability.md). 11: every route of the OpenAPI
// document × every kind of caller (nobody, players, partners, staff of every role and of
// none, API keys of every scope), and every route that names a resource × a caller whose
// resource it is not: 2xx answers where access should be refused are `unauthorized_2xx`, other
// people's data in lists is `foreign_data_leaks`. 14: security headers and cookies on every
// API answer and page → `missing_headers`.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../src/modules/identity/index.ts';
import { issueKey, partnerSession } from '../support/access-helpers.ts';
import { type Player, type Response, useTestApp } from '../support/app.ts';
import { staffSession } from '../support/identity-helpers.ts';
import { type Operation, operationsOf, report } from './support.ts';

const SCOPES = ['odds:read', 'webhooks:manage', 'reports:read'] as const;

interface Caller {
  name: string;
  kind: 'anonymous' | 'player' | 'partner' | 'staff' | 'key';
  token?: string;
  key?: string;
  permissions?: readonly string[];
  scopes?: readonly string[];
}

function allowed(caller: Caller, access: string): boolean {
  if (access === 'public') return true;
  if (access === 'authenticated') return ['player', 'partner', 'staff'].includes(caller.kind);
  if (access === 'player' || access === 'partner') return caller.kind === access;
  if (access.startsWith('staff:'))
    return caller.kind === 'staff' && (caller.permissions ?? []).includes(access.slice(6));
  if (access.startsWith('api-key:'))
    return (
      caller.kind === 'key' &&
      ((caller.scopes ?? []).includes(access.slice(8)) || access === 'api-key:*')
    );
  return false;
}

describe('security: authorization and headers', () => {
  const t = useTestApp();
  let ops: Operation[];
  const callers: Caller[] = [];
  let a: Player;
  let b: Player;
  let aBet: string;
  let aSession: string;
  let aPartnerKey: string;
  let bPartner: string;
  let aPartner: string;

  beforeAll(async () => {
    ops = operationsOf((await t.api.get('/api/openapi.json')).body).filter((o) =>
      o.path.startsWith('/api/'),
    );
    a = await t.player();
    b = await t.player();
    await t.deposit(a, 10_000n);
    await t.deposit(b, 10_000n);
    const event = await t.event();
    const selection = event.markets[0].selections[0];
    const bet = await t.api.post(
      '/api/v1/bets',
      { stake: '100', legs: [{ selectionId: selection.id, price: selection.price }] },
      { token: a.token, idempotencyKey: randomUUID() },
    );
    if (bet.status !== 201) throw new Error(JSON.stringify(bet.body));
    aBet = bet.body.id;
    aSession = (await t.api.get('/api/v1/sessions', { token: a.token })).body.items[0].id;
    const admin = await staffSession(t.db, t.api, ['admin']);
    aPartner = (await partnerSession(t.api, admin.token)).token;
    bPartner = (await partnerSession(t.api, admin.token)).token;
    aPartnerKey = (await issueKey(t.api, aPartner, ['odds:read'])).id;

    callers.push({ name: 'anonymous', kind: 'anonymous' });
    callers.push({ name: 'player', kind: 'player', token: b.token });
    callers.push({ name: 'partner', kind: 'partner', token: bPartner });
    for (const role of [...Object.keys(ROLES), 'none']) {
      const roles = role === 'none' ? [] : [role];
      callers.push({
        name: `staff:${role}`,
        kind: 'staff',
        token: (await staffSession(t.db, t.api, roles)).token,
        permissions: role === 'none' ? [] : ROLES[role as keyof typeof ROLES],
      });
    }
    for (const scope of SCOPES)
      callers.push({
        name: `key:${scope}`,
        kind: 'key',
        key: (await issueKey(t.api, bPartner, [scope])).key,
        scopes: [scope],
      });
  });

  const send = (op: Operation, caller: Caller, url: string, body?: unknown): Promise<Response> =>
    t.api.request(
      op.method,
      url,
      op.method === 'GET' || op.method === 'DELETE' ? undefined : (body ?? {}),
      {
        token: caller.token,
        idempotencyKey: op.method === 'POST' ? randomUUID() : undefined,
        headers: caller.key ? { 'x-api-key': caller.key } : {},
      },
    );

  it('11: answers 2xx to no caller without access, and to no one about someone else’s resource', async () => {
    let calls = 0;
    const refusedWrongly: string[] = [];
    for (const op of ops) {
      const url = op.path.replace(/\{[^}]+\}/g, () => randomUUID());
      for (const caller of callers.filter((c) => !allowed(c, op.access))) {
        const response = await send(op, caller, url);
        calls++;
        if (response.status < 300) refusedWrongly.push(`${op.method} ${op.path} as ${caller.name}`);
      }
    }
    // Own/foreign: player B and partner B against A's bet, session and API key.
    const foreign: Record<string, { id: string; as: Caller }> = {
      '/api/v1/bets/': { id: aBet, as: callers[1]! },
      '/api/v1/sessions/': { id: aSession, as: callers[1]! },
      '/api/v1/partner/api-keys/': { id: aPartnerKey, as: callers[2]! },
    };
    let idor = 0;
    let probes = 0;
    for (const op of ops.filter((o) => o.path.includes('{id}'))) {
      const target = Object.entries(foreign).find(([prefix]) => op.path.startsWith(prefix));
      if (!target) continue;
      const [, { id, as }] = target;
      for (const body of [{}, { value: '100' }, { quoteId: randomUUID() }]) {
        const response = await send(op, as, op.path.replace('{id}', id), body);
        calls++;
        probes++;
        if (response.status < 300) {
          idor++;
          refusedWrongly.push(`${op.method} ${op.path} on another's resource as ${as.name}`);
        }
      }
    }
    // A's things are still A's: the bet, the session and the key are untouched.
    const mine = await t.api.get(`/api/v1/bets/${aBet}`, { token: a.token });
    const sessions = await t.api.get('/api/v1/sessions', { token: a.token });
    // Lists never show another's data.
    const leaks: string[] = [];
    const bBets = await t.api.get('/api/v1/bets', { token: b.token });
    if (JSON.stringify(bBets.body).includes(aBet)) leaks.push('bets');
    const bTx = await t.api.get('/api/v1/wallet/transactions', { token: b.token });
    if (JSON.stringify(bTx.body).includes(aBet)) leaks.push('transactions');
    const bSessions = await t.api.get('/api/v1/sessions', { token: b.token });
    if (JSON.stringify(bSessions.body).includes(aSession)) leaks.push('sessions');
    const bKeys = await t.api.get('/api/v1/partner/api-keys', { token: bPartner });
    if (JSON.stringify(bKeys.body).includes(aPartnerKey)) leaks.push('api-keys');
    calls += 6;
    for (const r of refusedWrongly) process.stderr.write(`unauthorized 2xx: ${r}\n`);
    const bad = report(
      '11-authorization',
      calls,
      {
        unauthorized_2xx: refusedWrongly.length,
        foreign_data_leaks: leaks.length,
        own_resources_damaged:
          (mine.status === 200 && mine.body.status === 'open' ? 0 : 1) +
          (JSON.stringify(sessions.body).includes(aSession) ? 0 : 1),
      },
      { operations: ops.length, callers: callers.length, idor_probes: probes, idor_2xx: idor },
    );
    expect(bad).toEqual({});
  });

  it('14: sends the security headers on every answer and page, and safe cookies', async () => {
    const missing: string[] = [];
    let responses = 0;
    const check = (what: string, r: Response, opts: { authenticated: boolean; tls: boolean }) => {
      responses++;
      const h = (name: string) => String(r.headers[name] ?? '');
      const need = (ok: boolean, header: string) => {
        if (!ok) missing.push(`${what}: ${header}`);
      };
      const type = h('content-type');
      need(h('x-content-type-options') === 'nosniff', 'x-content-type-options');
      if (type.includes('json') || type.startsWith('text/html')) {
        need(
          /frame-ancestors 'none'/.test(h('content-security-policy')),
          'content-security-policy frame-ancestors',
        );
        need(h('referrer-policy') !== '', 'referrer-policy');
      }
      if (type.startsWith('text/html'))
        need(
          /default-src|frame-ancestors/.test(h('content-security-policy')),
          'content-security-policy',
        );
      if (opts.authenticated) {
        const cc = h('cache-control');
        need(
          /no-store/.test(cc) || (/private/.test(cc) && /no-cache/.test(cc)),
          'cache-control no-store',
        );
      }
      if (opts.tls)
        need(/max-age=\d{7,}/.test(h('strict-transport-security')), 'strict-transport-security');
      const cookies = ([] as string[]).concat(
        (r.headers['set-cookie'] as string[] | string | undefined) ?? [],
      );
      for (const cookie of cookies) {
        need(/;\s*HttpOnly/i.test(cookie), 'cookie HttpOnly');
        need(/;\s*SameSite=(Strict|Lax)/i.test(cookie), 'cookie SameSite');
        if (opts.tls) need(/;\s*Secure/i.test(cookie), 'cookie Secure');
      }
    };
    for (const tls of [false, true]) {
      const headers: Record<string, string> = tls ? { 'x-forwarded-proto': 'https' } : {};
      for (const op of ops.filter((o) => o.method === 'GET')) {
        const caller = callers.find((c) => allowed(c, op.access));
        if (!caller) continue;
        const url = op.path.replace(/\{[^}]+\}/g, () => randomUUID());
        const r = await t.api.request('GET', url, undefined, {
          token: caller.token,
          headers: { ...headers, ...(caller.key ? { 'x-api-key': caller.key } : {}) },
        });
        check(`GET ${op.path}`, r, { authenticated: caller.kind !== 'anonymous', tls });
      }
      for (const page of [
        '/',
        '/backoffice/',
        '/partners/',
        '/api/docs/',
        '/api/openapi.json',
        '/no-such-page',
        '/api/v1/no-such-route',
      ])
        check(page, await t.api.request('GET', page, undefined, { headers }), {
          authenticated: false,
          tls,
        });
      // Sign-in answers (tokens) and refusals.
      const login = await t.api.request(
        'POST',
        '/api/v1/auth/login',
        { email: a.email, password: 'correct horse battery staple' },
        { headers },
      );
      check('POST /api/v1/auth/login', login, { authenticated: true, tls });
      check(
        'GET /api/v1/wallet refused',
        await t.api.request('GET', '/api/v1/wallet', undefined, { headers }),
        {
          authenticated: false,
          tls,
        },
      );
      check(
        'GET /api/v1/wallet',
        await t.api.request('GET', '/api/v1/wallet', undefined, { token: a.token, headers }),
        { authenticated: true, tls },
      );
    }
    for (const m of missing) process.stderr.write(`missing: ${m}\n`);
    const bad = report('14-security-headers', responses, { missing_headers: missing.length });
    expect(bad).toEqual({});
  });
});
