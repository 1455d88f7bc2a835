// Writes the OpenAPI document to docs/openapi.json, then the web apps' client generated from it
// (web/src/api/schema.gen.ts). Both are committed so that client generators and reviewers see
// API changes; test/api/openapi.test.ts and test/web/client.test.ts fail when they drift.
//   npm run openapi
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/platform/config.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { openPglite } from '../src/platform/db/pglite.ts';
import { createLogger } from '../src/platform/observability/logger.ts';
import { writeClient } from './web-client.ts';

/** The committed form of the document: two-space JSON with a trailing newline. */
const render = (doc: unknown) => `${JSON.stringify(doc, null, 2)}\n`;

const target = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));

// A throwaway in-memory database: the document depends on the routes, not on any data.
const db = await openPglite();
try {
  await migrate(db);
  // A fixed environment, so that the document does not depend on who runs the script.
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const app = await createApp({
    config,
    db,
    log: createLogger('silent'),
    role: 'api',
    background: false,
  });
  await app.http.ready();
  mkdirSync(new URL('../docs/', import.meta.url), { recursive: true });
  writeFileSync(target, render(app.http.swagger()));
  await app.close();
  process.stdout.write(`wrote ${target}\n`);
} finally {
  await db.close();
}
// The web apps' typed client follows the document (test/web/client.test.ts checks it).
await writeClient();
