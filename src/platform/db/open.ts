import path from 'node:path';
import type { Config } from '../config.ts';
import type { Db } from './db.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

/** PostgreSQL when `DATABASE_URL` is set, otherwise the embedded PGlite in the data dir. */
export function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'databasePoolSize' | 'databaseTimeoutSeconds' | 'dataDir'>,
): Promise<Db> {
  if (config.databaseUrl) {
    return openPostgres({
      url: config.databaseUrl,
      poolSize: config.databasePoolSize,
      timeoutSeconds: config.databaseTimeoutSeconds,
    });
  }
  return openPglite({ dataDir: path.join(config.dataDir, 'pglite') });
}
