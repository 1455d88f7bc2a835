// Generates the web apps' typed API client (web/src/api/schema.gen.ts) from the committed
// OpenAPI document, so that the browser code uses the server's own request and response
// shapes instead of hand-written copies. test/web/client.test.ts fails when it drifts.
//   npm run client           (npm run openapi runs it too)
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile, type JSONSchema } from 'json-schema-to-typescript';

export const DOCUMENT = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
export const CLIENT = fileURLToPath(new URL('../web/src/api/schema.gen.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../', import.meta.url));

type Schema = Record<string, unknown>;

interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  description?: string;
  schema: Schema;
}

interface Operation {
  summary?: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses: Record<
    string,
    { description?: string; content?: Record<string, { schema?: Schema }> }
  >;
  'x-ibet-access'?: unknown;
  'x-ibet-step-up'?: unknown;
}

interface Document {
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** `#/components/schemas/X` → `#/definitions/X`, which json-schema-to-typescript resolves. */
function relink(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(relink);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] =
      key === '$ref' && typeof inner === 'string'
        ? inner.replace('#/components/schemas/', '#/definitions/')
        : relink(inner);
  }
  return out;
}

function objectOf(parameters: Parameter[]): Schema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const p of parameters) {
    properties[p.name] = p.description ? { ...p.schema, description: p.description } : p.schema;
    // A parameter with a default is optional to send, whatever the document's `required` says.
    if (p.required && !('default' in p.schema)) required.push(p.name);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/** One operation as `{ path?, query?, body?, responses }`, the shape the client reads. */
function operationSchema(op: Operation): Schema {
  const properties: Record<string, Schema> = {};
  const required: string[] = ['responses'];
  const params = op.parameters ?? [];
  const path = params.filter((p) => p.in === 'path');
  const query = params.filter((p) => p.in === 'query');
  if (path.length > 0) {
    properties.path = objectOf(path);
    required.push('path');
  }
  if (query.length > 0) {
    const schema = objectOf(query);
    properties.query = schema;
    if ((schema.required as string[]).length > 0) required.push('query');
  }
  const body = op.requestBody?.content?.['application/json']?.schema;
  if (body) {
    properties.body = body;
    required.push('body');
  }
  const responses: Record<string, Schema> = {};
  for (const [status, response] of Object.entries(op.responses)) {
    if (!/^2[0-9][0-9]$/.test(status)) continue;
    const schema = response.content?.['application/json']?.schema;
    responses[status] = schema ?? { type: 'null' };
  }
  // An operation that answers a file (no JSON success documented): the JSON client reads null.
  if (Object.keys(responses).length === 0) {
    responses['200'] = {
      type: 'null',
      description: 'Not JSON (a file): the JSON client reads null.',
    };
  }
  properties.responses = {
    type: 'object',
    properties: responses,
    required: Object.keys(responses),
    additionalProperties: false,
  };
  const description = [op.summary, op.description].filter(Boolean).join('\n\n');
  return {
    type: 'object',
    ...(description ? { description } : {}),
    properties,
    required,
    additionalProperties: false,
  };
}

interface Meta {
  method: string;
  path: string;
  access: unknown;
  stepUp: boolean;
  idempotent: boolean;
}

function metaOf(method: string, path: string, op: Operation): Meta {
  return {
    method: method.toUpperCase(),
    path,
    access: op['x-ibet-access'] ?? 'public',
    stepUp: Boolean(op['x-ibet-step-up']),
    idempotent: (op.parameters ?? []).some(
      (p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key',
    ),
  };
}

const union = (keys: string[]) =>
  keys.length === 0 ? 'never' : keys.map((k) => `'${k}'`).join(' | ');

/** The TypeScript text of the client's schema module, formatted as Biome formats it. */
export async function renderClient(doc: Document): Promise<string> {
  const properties: Record<string, Schema> = {};
  const meta: Record<string, Meta> = {};
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const key = `${method.toUpperCase()} ${path}`;
      properties[key] = operationSchema(op);
      meta[key] = metaOf(method, path, op);
    }
  }
  const root = relink({
    title: 'Operations',
    description: 'Every operation of the API under /api/v1, keyed by "METHOD /path".',
    type: 'object',
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
    definitions: doc.components?.schemas ?? {},
  }) as JSONSchema;
  const types = await compile(root, 'Operations', {
    bannerComment: '',
    additionalProperties: false,
    format: false,
    unknownAny: true,
    strictIndexSignatures: true,
    ignoreMinAndMaxItems: true,
    declareExternallyReferenced: true,
    $refOptions: {},
  });
  const lines = [
    `// Generated by scripts/web-client.ts from docs/openapi.json (${doc.info.title} ${doc.info.version}).`,
    '// Do not edit: run `npm run client` (or `npm run openapi`, which runs it too).',
    '/* eslint-disable */',
    '',
    types.trim(),
    '',
    'export type OperationKey = keyof Operations;',
    '',
    '/** Operations that move money: they take an Idempotency-Key, reused on every retry. */',
    `export type IdempotentOperation = ${union(Object.keys(meta).filter((k) => meta[k]!.idempotent))};`,
    '',
    '/** What the client needs to know about each operation beyond its types. */',
    'export interface OperationMeta {',
    '  method: string;',
    '  path: string;',
    '  /** x-ibet-access: "public", "authenticated", "player", "partner", "staff:<permission>" … */',
    '  access: unknown;',
    '  /** x-ibet-step-up: needs a recent second-factor proof on accounts that have one. */',
    '  stepUp: boolean;',
    '  /** Takes an Idempotency-Key header (money moves). */',
    '  idempotent: boolean;',
    '}',
    '',
    `export const OPERATIONS: Record<OperationKey, OperationMeta> = ${JSON.stringify(meta)};`,
    '',
  ];
  return format(lines.join('\n'));
}

/** Biome formats the file as `npm run lint` checks it (the CLI reads it from stdin). */
function format(text: string): string {
  const result = spawnSync(
    process.execPath,
    [
      fileURLToPath(new URL('../node_modules/@biomejs/biome/bin/biome', import.meta.url)),
      'check',
      '--write',
      '--stdin-file-path=web/src/api/schema.gen.ts',
    ],
    { cwd: ROOT, input: text, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) {
    throw new Error(`biome could not format the client: ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

export async function writeClient(): Promise<void> {
  const doc = JSON.parse(readFileSync(DOCUMENT, 'utf8')) as Document;
  writeFileSync(CLIENT, await renderClient(doc));
  process.stdout.write(`wrote ${CLIENT}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await writeClient();
