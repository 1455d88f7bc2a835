// Security scenario 13 (docs/reliability.md): the attacks of OWASP ASVS L2/L3 and the API Top
// 10 (2023) against the running app. Each attempt that gets what the attacker wanted counts
// in `accepted_attacks`.
import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueKey, partnerSession } from '../support/access-helpers.ts';
import { PASSWORD, type Player, useTestApp } from '../support/app.ts';
import { STAFF_PASSWORD, staffSession } from '../support/identity-helpers.ts';
import { totpCode } from '../support/totp.ts';
import { arbitrary, type Json, LONG, operationsOf, report, resolver, SEED } from './support.ts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const SQLI = [
  "' OR '1'='1",
  "'; DROP TABLE betting.bets; --",
  "1' AND (SELECT pg_sleep(3)) IS NULL --",
  "\\'; SELECT 1; --",
  '" OR ""="',
  '$$; SELECT pg_sleep(3); $$',
];

describe('security: attacks', () => {
  const t = useTestApp({
    env: {
      IBET_IP_FAILURES_PER_HOUR: '20',
      IBET_LOGIN_FAILURES_PER_HOUR: '10',
      IBET_API_KEY_RATE_LIMIT: '5',
    },
  });
  let a: Player;
  let b: Player;
  let aBet: string;
  let admin: string;
  const accepted: string[] = [];
  const attempts: Record<string, number> = {};
  const attempt = (kind: string, ok: boolean, detail = '') => {
    attempts[kind] = (attempts[kind] ?? 0) + 1;
    if (ok) accepted.push(`${kind}${detail ? `: ${detail}` : ''}`);
  };
  const fromIp = (ip: string) => ({ 'x-forwarded-for': ip, 'x-real-ip': ip, 'true-client-ip': ip });

  beforeAll(async () => {
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
    aBet = bet.body.id;
    admin = (await staffSession(t.db, t.api, ['admin'])).token;
  });

  it('13: accepts no attack', async () => {
    // --- JWT: alg none, HS256 signed with the public key, tampered claims, garbage.
    const [header, payload] = a.token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const jwks = (await t.api.get('/.well-known/jwks.json')).body;
    const forged = [
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, sub: b.id })}.`,
      `${header}.${b64({ ...claims, sub: b.id })}.${a.token.split('.')[2]}`,
      `${header}.${b64({ ...claims, exp: claims.exp + 86_400 * 365 })}.${a.token.split('.')[2]}`,
      `${header}.${b64({ ...claims, kind: 'staff', permissions: ['*'] })}.${a.token.split('.')[2]}`,
    ];
    const hsHeader = b64({
      alg: 'HS256',
      typ: 'JWT',
      kid: JSON.parse(Buffer.from(header, 'base64url').toString()).kid,
    });
    for (const secret of [
      JSON.stringify(jwks.keys?.[0] ?? {}),
      String(jwks.keys?.[0]?.x ?? ''),
      '',
    ]) {
      const body = `${hsHeader}.${b64({ ...claims, sub: b.id })}`;
      forged.push(`${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`);
    }
    for (const token of forged) {
      const r = await t.api.get('/api/v1/wallet', { token });
      attempt('jwt forgery', r.status < 300, token.slice(0, 40));
      const admin = await t.api.get('/api/v1/admin/ledger/check', { token });
      attempt('jwt forgery (staff)', admin.status < 300);
    }

    // --- Refresh-token reuse: the stolen (already rotated) token is refused and ends the
    // session, so the thief's or the victim's newer token stops working too.
    const login = await t.api.post('/api/v1/auth/login', { email: a.email, password: PASSWORD });
    const r1 = login.body.refreshToken as string;
    const rotated = await t.api.post('/api/v1/auth/refresh', { refreshToken: r1 });
    const reuse = await t.api.post('/api/v1/auth/refresh', { refreshToken: r1 });
    attempt('refresh token reuse', reuse.status < 300);
    const after = await t.api.post('/api/v1/auth/refresh', {
      refreshToken: rotated.body.refreshToken,
    });
    attempt('refresh after reuse detected', after.status < 300);

    // --- TOTP replay: a second-factor code is good once.
    const staff = await staffSession(t.db, t.api, ['trader']);
    const first = await t.api.post('/api/v1/staff/auth/login', {
      email: staff.email,
      password: STAFF_PASSWORD,
    });
    const code = await totpCode(staff.totpSecret);
    const ok = await t.api.post('/api/v1/staff/auth/login/mfa', {
      mfaToken: first.body.mfaToken,
      code,
    });
    const second = await t.api.post('/api/v1/staff/auth/login', {
      email: staff.email,
      password: STAFF_PASSWORD,
    });
    const replay = await t.api.post('/api/v1/staff/auth/login/mfa', {
      mfaToken: second.body.mfaToken,
      code,
    });
    attempt('totp replay', ok.status === 200 && replay.status < 300);
    const tokenReplay = await t.api.post('/api/v1/staff/auth/login/mfa', {
      mfaToken: first.body.mfaToken,
      code,
    });
    attempt('mfa challenge replay', tokenReplay.status < 300);

    // --- IDOR on bets and transactions.
    for (const [method, url, body] of [
      ['GET', `/api/v1/bets/${aBet}`, undefined],
      ['POST', `/api/v1/bets/${aBet}/cash-out/quote`, {}],
      ['PUT', `/api/v1/bets/${aBet}/auto-cash-out`, { value: '100' }],
    ] as const) {
      const r = await t.api.request(method, url, body, {
        token: b.token,
        idempotencyKey: randomUUID(),
      });
      attempt('idor', r.status < 300, `${method} ${url}`);
    }
    const theirTx = await t.api.get('/api/v1/wallet/transactions', { token: b.token });
    attempt('idor transactions', JSON.stringify(theirTx.body).includes(aBet));

    // --- Mass assignment: fields a client must not set.
    const email = `mass-${randomUUID()}@example.com`;
    const reg = await t.api.post('/api/v1/auth/register', {
      email,
      password: PASSWORD,
      displayName: 'Mass Assign',
      dateOfBirth: '1990-01-01',
      country: 'IE',
      currency: 'EUR',
      roles: ['admin'],
      kind: 'staff',
      balance: '1000000',
      emailVerified: true,
      id: b.id,
    });
    if (reg.status < 300) {
      const rows = await t.db.query<{ kind: string }>(
        'SELECT kind FROM identity.accounts WHERE email = $1',
        [email],
      );
      attempt(
        'mass assignment (register)',
        rows.some((r) => r.kind !== 'player'),
      );
    } else attempt('mass assignment (register)', false);
    const balanceB = (await t.api.get('/api/v1/wallet', { token: b.token })).body.balance;
    const dep = await t.api.post(
      '/api/v1/wallet/deposits',
      { amount: '500', playerId: b.id, currency: 'USD', status: 'completed' },
      { token: a.token, idempotencyKey: randomUUID() },
    );
    const balanceB2 = (await t.api.get('/api/v1/wallet', { token: b.token })).body.balance;
    attempt('mass assignment (deposit)', dep.status < 300 && balanceB2 !== balanceB);
    const event = await t.event();
    const sel = event.markets[0].selections[0];
    const massBet = await t.api.post(
      '/api/v1/bets',
      {
        stake: '100',
        legs: [{ selectionId: sel.id, price: '1000.00' }],
        playerId: b.id,
        potentialPayout: '99999999',
      },
      { token: a.token, idempotencyKey: randomUUID() },
    );
    attempt(
      'mass assignment (bet)',
      massBet.status < 300 && BigInt(massBet.body.potentialPayout ?? 0) > 100_000n,
    );

    // --- Oversized payloads and headers.
    for (const [what, payload, headers] of [
      [
        '10 MB body',
        JSON.stringify({ email: 'x@example.com', password: 'x'.repeat(10 * 1024 * 1024) }),
        {},
      ],
      [
        '100k-element array',
        JSON.stringify({
          stake: '10',
          legs: Array.from({ length: 100_000 }, () => ({ selectionId: sel.id, price: '2.00' })),
        }),
        {},
      ],
      ['deep nesting', `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, {}],
    ] as const) {
      const started = performance.now();
      const r = await t.app.http.inject({
        method: 'POST',
        url: what === '100k-element array' ? '/api/v1/bets' : '/api/v1/auth/login',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${a.token}`,
          'idempotency-key': randomUUID(),
          ...headers,
        },
        payload,
      });
      attempt(
        'oversized payload',
        r.statusCode < 300 || r.statusCode >= 500 || performance.now() - started > 5000,
        what,
      );
    }

    // --- SQL injection probes in every string field of every body and query.
    const doc = (await t.api.get('/api/openapi.json')).body;
    const resolve = resolver(doc);
    let probes = 0;
    const countBets = async () =>
      Number(
        (
          (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM betting.bets')) as [
            { n: number },
          ]
        )[0].n,
      );
    const betsBefore = await countBets();
    for (const op of operationsOf(doc).filter((o) => o.path.startsWith('/api/'))) {
      const schema = resolve(op.op.requestBody?.content?.['application/json']?.schema);
      const stringFields = Object.entries<Json>(schema?.properties ?? {}).filter(
        ([, s]) => s.type === 'string' || s.anyOf,
      );
      const queryStrings = ((op.op.parameters ?? []) as Json[]).filter((p) => p.in === 'query');
      if (stringFields.length === 0 && queryStrings.length === 0) continue;
      const base = schema
        ? (fc.sample(arbitrary(schema), { seed: SEED, numRuns: 1 })[0] as object)
        : undefined;
      const token =
        op.access === 'player'
          ? a.token
          : op.access === 'partner' || op.access === 'public'
            ? undefined
            : admin;
      const payloads = LONG ? SQLI : SQLI.slice(0, 3);
      for (const probe of payloads) {
        const targets = [
          ...stringFields.map(([name]) => ({ url: op.path, body: { ...base, [name]: probe } })),
          ...queryStrings.map((p) => ({
            url: `${op.path}?${p.name}=${encodeURIComponent(probe)}`,
            body: base,
          })),
        ];
        for (const target of targets) {
          const url = target.url.replace(/\{[^}]+\}/g, () => randomUUID());
          const started = performance.now();
          const r = await t.api.request(
            op.method,
            url,
            op.method === 'GET' || op.method === 'DELETE' ? undefined : target.body,
            {
              token,
              idempotencyKey: randomUUID(),
            },
          );
          probes++;
          const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
          attempt(
            'sql injection',
            r.status >= 500 ||
              performance.now() - started > 2500 ||
              /syntax error|SQLSTATE|pg_catalog|unterminated quoted/i.test(text),
            `${op.method} ${op.path}`,
          );
        }
      }
    }
    attempt('sql injection (tables)', (await countBets()) < betsBefore);

    // --- Rate-limit bypass through headers: one API key, rotating client addresses.
    const partner = (await partnerSession(t.api, admin)).token;
    const apiKey = (await issueKey(t.api, partner, ['odds:read'])).key;
    let served = 0;
    for (let i = 0; i < 12; i++) {
      const r = await t.api.get('/api/v1/b2b/odds', {
        headers: {
          'x-api-key': apiKey,
          ...fromIp(`203.0.113.${i + 1}`),
          forwarded: `for=198.51.100.${i}`,
        },
      });
      if (r.status < 300) served++;
    }
    attempt('rate-limit bypass (api key)', served > 5, `${served} served of a limit of 5`);

    // --- Credential stuffing from "many addresses" (the same client): throttled by address.
    let stuffingServed = 0;
    for (let i = 0; i < 30; i++) {
      const r = await t.api.post(
        '/api/v1/auth/login',
        { email: `victim-${i}@example.com`, password: `Password${i}!` },
        { headers: fromIp(`192.0.2.${i + 1}`) },
      );
      if (r.status !== 429) stuffingServed++;
    }
    attempt(
      'credential stuffing',
      stuffingServed > 20,
      `${stuffingServed} of 30 tried without throttling`,
    );

    // --- Brute force on one account: throttled long before the password is found.
    let bruteServed = 0;
    for (let i = 0; i < 15; i++) {
      const r = await t.api.post(
        '/api/v1/auth/login',
        { email: b.email, password: `guess-${i}` },
        { headers: fromIp(`198.18.0.${i + 1}`) },
      );
      if (r.status === 200) attempt('brute force', true, 'a wrong password signed in');
      if (r.status !== 429) bruteServed++;
    }
    attempt('brute force', bruteServed > 10, `${bruteServed} of 15 guesses without throttling`);

    for (const x of accepted) process.stderr.write(`accepted attack: ${x}\n`);
    const bad = report(
      '13-attacks',
      Object.values(attempts).reduce((n, v) => n + v, 0),
      { accepted_attacks: accepted.length },
      { sql_probes: probes, kinds: Object.keys(attempts).length },
    );
    expect(bad).toEqual({});
  });
});
