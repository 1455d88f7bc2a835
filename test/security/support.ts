// Shared pieces of the security suite: the operations of the OpenAPI document, the callers of
// every kind, fast-check arbitraries derived from the documented JSON schemas, response
// validation with ajv against the documented responses, and the figures' record.
import { randomBytes } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats, { type FormatsPlugin } from 'ajv-formats';
import fc from 'fast-check';
import { writeRecord } from '../fault/harness/report.ts';

export const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export type Json = any;

export interface Operation {
  method: string;
  path: string;
  access: string;
  stepUp: boolean;
  op: Json;
}

export function operationsOf(doc: Json): Operation[] {
  return Object.entries<Record<string, Json>>(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({
      method: m.toUpperCase(),
      path,
      access: item[m]['x-ibet-access'] ?? 'public',
      stepUp: item[m]['x-ibet-step-up'] === true,
      op: item[m],
    })),
  );
}

export const SEED = process.env.IBET_FAULT_SEED
  ? Number(process.env.IBET_FAULT_SEED) >>> 0
  : randomBytes(4).readUInt32BE(0);
export const LONG = process.env.IBET_FAULT_PROFILE === 'long';

export function report(
  scenario: string,
  operations: number,
  figures: Record<string, number>,
  measures: Record<string, number | string> = {},
): Record<string, number> {
  writeRecord({
    suite: 'security',
    scenario,
    seed: SEED,
    profile: LONG ? 'long' : 'short',
    operations,
    figures,
    measures,
    seconds: 0,
    at: new Date().toISOString(),
  });
  return Object.fromEntries(Object.entries(figures).filter(([, v]) => v !== 0));
}

/** Resolves local `$ref`s ("#/components/schemas/X" or bare ids) against the document. */
export function resolver(doc: Json) {
  const schemas: Record<string, Json> = doc.components?.schemas ?? {};
  const resolve = (schema: Json, depth = 0): Json => {
    if (!schema || typeof schema !== 'object' || depth > 20) return schema;
    if (Array.isArray(schema)) return schema.map((s) => resolve(s, depth + 1));
    if (typeof schema.$ref === 'string') {
      const name = schema.$ref.replace(/^#\/components\/schemas\//, '').replace(/#$/, '');
      return resolve(schemas[name] ?? {}, depth + 1);
    }
    return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, resolve(v, depth + 1)]));
  };
  return resolve;
}

/** An ajv that knows the document's components, for validating answers. */
export function responseValidator(doc: Json) {
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
  (ajvFormats as unknown as { default: FormatsPlugin }).default(ajv);
  const resolve = resolver(doc);
  const cache = new Map<string, ReturnType<typeof ajv.compile> | null>();
  const check = (op: Operation, status: number, body: unknown): string | undefined => {
    const responses = op.op.responses ?? {};
    const key =
      String(status) in responses
        ? String(status)
        : `${String(status)[0]}XX` in responses
          ? `${String(status)[0]}XX`
          : `${String(status)[0]}xx` in responses
            ? `${String(status)[0]}xx`
            : 'default' in responses
              ? 'default'
              : undefined;
    if (!key) return status >= 400 ? undefined : `status ${status} is not documented`;
    const content = responses[key].content;
    const schema =
      content?.['application/json']?.schema ?? content?.['application/problem+json']?.schema;
    if (!schema) return undefined;
    const id = `${op.method} ${op.path} ${key}`;
    if (!cache.has(id)) {
      try {
        cache.set(id, ajv.compile(resolve(schema)));
      } catch {
        cache.set(id, null);
      }
    }
    const validate = cache.get(id);
    if (!validate) return undefined;
    check.checked++;
    return validate(body) ? undefined : ajv.errorsText(validate.errors);
  };
  /** How many answers were checked against a documented schema. */
  check.checked = 0;
  return check;
}

/** Valid values of a (resolved) JSON schema. */
export function arbitrary(schema: Json, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || typeof schema !== 'object' || depth > 6) return fc.constant(null);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(union) && union.length > 0)
    return fc.oneof(...union.map((s: Json) => arbitrary(s, depth + 1)));
  if (Array.isArray(schema.allOf)) return arbitrary(Object.assign({}, ...schema.allOf), depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string': {
      if (schema.pattern) {
        try {
          return fc
            .stringMatching(new RegExp(schema.pattern))
            .filter(
              (s) =>
                s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? 10_000),
            );
        } catch {
          // an ECMAScript-incompatible pattern: fall through
        }
      }
      if (schema.format === 'uuid') return fc.uuid();
      if (schema.format === 'date-time')
        return fc
          .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString());
      if (schema.format === 'date')
        return fc
          .date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10));
      if (schema.format === 'email') return fc.emailAddress();
      return fc.string({
        minLength: schema.minLength ?? 0,
        maxLength: Math.min(schema.maxLength ?? 40, 200),
      });
    }
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? -1_000_000, Number.MIN_SAFE_INTEGER),
        max: Math.min(schema.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER),
      });
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1e6,
        max: schema.maximum ?? 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(arbitrary(schema.items ?? {}, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      });
    default: {
      const properties: Record<string, Json> = schema.properties ?? {};
      const required = new Set<string>(schema.required ?? []);
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, sub] of Object.entries(properties)) shape[name] = arbitrary(sub, depth + 1);
      return fc.record(shape, { requiredKeys: [...required].filter((k) => k in shape) });
    }
  }
}

/** Values at and just past the edges of a schema, and values of the wrong type. */
export function boundaryAndInvalid(schema: Json): unknown[] {
  const out: unknown[] = [null, true, 0, -1, '', [], {}, '0', 'x'.repeat(10_000), 1e308, -1e308];
  if (!schema || typeof schema !== 'object') return out;
  if (schema.minLength !== undefined) out.push('a'.repeat(Math.max(0, schema.minLength - 1)));
  if (schema.maxLength !== undefined)
    out.push('a'.repeat(schema.maxLength), 'a'.repeat(schema.maxLength + 1));
  if (schema.minimum !== undefined) out.push(schema.minimum, schema.minimum - 1);
  if (schema.maximum !== undefined) out.push(schema.maximum, schema.maximum + 1);
  out.push('99999999999999999999999999', '-1', '1e3', '0x10', '١٢٣', '\u0000', '\ud800');
  return out;
}
