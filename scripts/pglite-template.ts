// Prepares the embedded database's cluster template (src/platform/db/pglite-template.ts) so
// that the first `npm start` on a fresh data directory does not wait for initdb. Runs after
// `npm install`; it never fails the install (without a template a new database runs initdb).
//   node --import tsx scripts/pglite-template.ts
import { existsSync } from 'node:fs';
import { openPglite } from '../src/platform/db/pglite.ts';
import { templatePath } from '../src/platform/db/pglite-template.ts';

try {
  if (!existsSync(templatePath())) {
    const db = await openPglite();
    await db.close();
  }
  if (existsSync(templatePath())) console.log('Embedded database template ready.');
} catch (error) {
  console.warn(`No embedded database template (${String(error)}); new databases run initdb.`);
}
