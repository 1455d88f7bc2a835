// Security scenario 12 (docs/reliability.md): every operation of the OpenAPI document fuzzed
// with inputs derived from its own schemas by fast-check — valid values, values at and past
// every boundary, values of the wrong type, unknown and missing fields, malformed path and
// query parameters, oversized bodies, malformed JSON and the wrong content types — by a caller
// who may call it. Figures: 5xx answers, answers that do not match the documented response
// schema (ajv), and breaks of the money invariants afterwards.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../fault/harness/rng.ts';
import { issueKey, partnerSession } from '../support/access-helpers.ts';
import { type Player, useTestApp } from '../support/app.ts';
import { staffSession } from '../support/identity-helpers.ts';
import { assertMoneyInvariants } from '../support/invariants.ts';
import {
  arbitrary,
  boundaryAndInvalid,
  type Json,
  LONG,
  type Operation,
  operationsOf,
  report,
  resolver,
  responseValidator,
  SEED,
} from './support.ts';

describe('security: schema fuzzing of every endpoint', () => {
  const t = useTestApp();
  let doc: Json;
  let ops: Operation[];
  let player: Player;
  let partner: string;
  let staff: string;
  let key: string;

  beforeAll(async () => {
    doc = (await t.api.get('/api/openapi.json')).body;
    ops = operationsOf(doc).filter((o) => o.path.startsWith('/api/'));
    player = await t.player();
    await t.deposit(player, 100_000n);
    await t.event();
    staff = (await staffSession(t.db, t.api, ['admin'])).token;
    partner = (await partnerSession(t.api, staff)).token;
    key = (await issueKey(t.api, partner, ['odds:read', 'webhooks:manage', 'reports:read'])).key;
  });

  it('12: never answers 5xx or off-schema, and the money invariants hold, whatever comes in', async () => {
    const rng = createRng(SEED ^ 12);
    const resolve = resolver(doc);
    const validate = responseValidator(doc);
    const fiveXX: string[] = [];
    const offSchema: string[] = [];
    let calls = 0;
    const credentials = (access: string) =>
      access === 'player'
        ? { token: player.token }
        : access === 'partner'
          ? { token: partner }
          : access.startsWith('staff:') || access === 'authenticated'
            ? { token: staff }
            : access.startsWith('api-key:')
              ? { key }
              : {};

    const fire = async (
      op: Operation,
      url: string,
      payload: string | undefined,
      contentType: string | undefined,
      what: string,
    ) => {
      const creds = credentials(op.access);
      const headers: Record<string, string> = {};
      if ('token' in creds && creds.token) headers.authorization = `Bearer ${creds.token}`;
      if ('key' in creds && creds.key) headers['x-api-key'] = creds.key;
      if (op.method === 'POST' || op.method === 'PUT') headers['idempotency-key'] = randomUUID();
      if (contentType) headers['content-type'] = contentType;
      const response = await t.app.http.inject({
        method: op.method as 'GET',
        url,
        headers,
        ...(payload === undefined ? {} : { payload }),
      });
      calls++;
      const status = response.statusCode;
      if (status >= 500)
        fiveXX.push(`${op.method} ${op.path} ${what}: ${status} ${response.body.slice(0, 300)}`);
      const type = String(response.headers['content-type'] ?? '');
      if (type.includes('json') && response.body) {
        let body: unknown;
        try {
          body = JSON.parse(response.body);
        } catch {
          offSchema.push(`${op.method} ${op.path} ${what}: not JSON`);
          return;
        }
        const error = validate(op, status, body);
        if (error) offSchema.push(`${op.method} ${op.path} ${what} → ${status}: ${error}`);
      }
    };

    const validRuns = LONG ? 60 : 8;
    const invalidRuns = LONG ? 200 : 24;
    for (const op of ops) {
      const params: Json[] = op.op.parameters ?? [];
      const pathParams = params.filter((p) => p.in === 'path');
      const queryParams = params.filter((p) => p.in === 'query');
      const bodySchema = resolve(op.op.requestBody?.content?.['application/json']?.schema);
      const urlWith = (ids: Record<string, string>, query: Record<string, unknown> = {}) => {
        let url = op.path;
        for (const p of pathParams)
          url = url.replace(`{${p.name}}`, encodeURIComponent(ids[p.name] ?? randomUUID()));
        const qs = new URLSearchParams();
        for (const [k, v] of Object.entries(query))
          if (v !== undefined) qs.set(k, typeof v === 'string' ? v : JSON.stringify(v));
        const q = qs.toString();
        return q ? `${url}?${q}` : url;
      };
      const queryArb = fc.record(
        Object.fromEntries(queryParams.map((p) => [p.name, arbitrary(resolve(p.schema))])),
        { requiredKeys: [] },
      );
      const bodyArb = bodySchema ? arbitrary(bodySchema) : fc.constant(undefined);
      // Valid inputs.
      const samples = fc.sample(fc.tuple(queryArb, bodyArb), {
        seed: SEED ^ calls,
        numRuns: validRuns,
      });
      for (const [query, body] of samples)
        await fire(
          op,
          urlWith({}, query as Record<string, unknown>),
          body === undefined ? undefined : JSON.stringify(body),
          body === undefined ? undefined : 'application/json',
          'valid',
        );
      // Boundary and invalid values, one field (or parameter) at a time, the rest valid.
      const base = (samples[0]?.[1] ?? {}) as Record<string, unknown>;
      const fields = Object.entries<Json>(bodySchema?.properties ?? {});
      const variants: { url: string; body?: unknown; what: string }[] = [];
      for (const [name, schema] of fields)
        for (const value of boundaryAndInvalid(schema))
          variants.push({
            url: urlWith({}),
            body: { ...base, [name]: value },
            what: `body.${name}`,
          });
      for (const p of queryParams)
        for (const value of boundaryAndInvalid(resolve(p.schema)))
          variants.push({
            url: urlWith({}, { [p.name]: value }),
            body: bodySchema ? base : undefined,
            what: `query.${p.name}`,
          });
      for (const p of pathParams)
        for (const value of [
          'not-a-uuid',
          '0',
          '../../../etc/passwd',
          '%00',
          'x'.repeat(2000),
          "' OR 1=1 --",
        ])
          variants.push({
            url: urlWith({ [p.name]: value }),
            body: bodySchema ? base : undefined,
            what: `path.${p.name}`,
          });
      if (bodySchema) {
        variants.push({
          url: urlWith({}),
          body: { ...base, unknownField: 'x', __proto__: { admin: true } },
          what: 'unknown field',
        });
        variants.push({ url: urlWith({}), body: {}, what: 'empty object' });
        variants.push({ url: urlWith({}), body: [base], what: 'array body' });
        variants.push({ url: urlWith({}), body: 'string body', what: 'string body' });
        variants.push({ url: urlWith({}), body: null, what: 'null body' });
      }
      for (const v of rng.shuffle(variants).slice(0, invalidRuns))
        await fire(
          op,
          v.url,
          v.body === undefined ? undefined : JSON.stringify(v.body),
          v.body === undefined ? undefined : 'application/json',
          v.what,
        );
      if (op.method !== 'GET' && op.method !== 'DELETE') {
        // Oversized, malformed and mistyped bodies.
        await fire(
          op,
          urlWith({}),
          JSON.stringify({ ...base, pad: 'x'.repeat(300 * 1024) }),
          'application/json',
          'oversized',
        );
        await fire(op, urlWith({}), '{"a":', 'application/json', 'malformed JSON');
        await fire(
          op,
          urlWith({}),
          `${'['.repeat(5000)}${']'.repeat(5000)}`,
          'application/json',
          'deep nesting',
        );
        await fire(op, urlWith({}), JSON.stringify(base), 'text/plain', 'text/plain');
        await fire(op, urlWith({}), '<a>1</a>', 'application/xml', 'xml');
        await fire(op, urlWith({}), 'a=1&b=2', 'application/x-www-form-urlencoded', 'form');
        await fire(
          op,
          urlWith({}),
          '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
          'multipart/form-data; boundary=x',
          'multipart',
        );
      }
    }
    let invariantBreaks = 0;
    try {
      await assertMoneyInvariants(t.db);
    } catch (error) {
      invariantBreaks = 1;
      process.stderr.write(`invariants: ${(error as Error).message.slice(0, 1000)}\n`);
    }
    for (const f of fiveXX.slice(0, 40)) process.stderr.write(`5xx: ${f}\n`);
    for (const f of offSchema.slice(0, 40)) process.stderr.write(`off-schema: ${f}\n`);
    const bad = report(
      '12-schema-fuzzing',
      calls,
      {
        '5xx': fiveXX.length,
        schema_invalid_responses: offSchema.length,
        invariant_breaks: invariantBreaks,
      },
      { operations: ops.length, answers_checked_against_schema: validate.checked },
    );
    expect(bad).toEqual({});
  });
});
