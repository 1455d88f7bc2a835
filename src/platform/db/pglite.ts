import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite, type PGliteOptions, type Transaction } from '@electric-sql/pglite';
import {
  type Db,
  outsideTransaction,
  type Tx,
  toParams,
  withinTransaction,
  withRetry,
} from './db.ts';
import { ConnectionGate } from './gate.ts';
import { readTemplate, saveTemplate } from './pglite-template.ts';

const INT8 = 20;
const parsers = { [INT8]: (value: string) => BigInt(value) };

export interface PgliteOpenOptions {
  /** A directory for the data files; undefined keeps the database in memory. */
  dataDir?: string;
  /** A dump from `dumpDataDir()` to start from (tests start from a migrated template). */
  loadDataDir?: Blob | File;
}

/** Opens the embedded database. It has a single connection: transactions run one at a time. */
export async function openPglite(
  options: PgliteOpenOptions = {},
): Promise<Db & { pglite: PGlite }> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const pgOptions: PGliteOptions = { parsers };
  // A new cluster is unpacked from the template rather than made by initdb when there is one.
  const fresh =
    !options.loadDataDir &&
    (!options.dataDir || !existsSync(path.join(options.dataDir, 'PG_VERSION')));
  const template = fresh ? readTemplate() : undefined;
  const load = options.loadDataDir ?? template;
  if (load) pgOptions.loadDataDir = load;
  const pglite = options.dataDir ? new PGlite(options.dataDir, pgOptions) : new PGlite(pgOptions);
  await pglite.waitReady;
  if (fresh && !template) await saveTemplate(pglite);
  // PGlite answers in UTC already; set it so both engines format and truncate dates alike.
  await pglite.exec("SET TIME ZONE 'UTC'");

  const wrapTx = (tx: Transaction): Tx =>
    ({
      async query<T>(text: string, params?: readonly unknown[]) {
        const result = await tx.query<T>(text, toParams(params));
        return result.rows;
      },
      async script(text: string) {
        await tx.exec(text);
      },
    }) as Tx;

  // One connection: statements and transactions take turns (PGlite would queue them too).
  const gate = new ConnectionGate(1);
  return {
    engine: 'pglite',
    pglite,
    gate,
    async query<T>(text: string, params?: readonly unknown[]) {
      outsideTransaction();
      const result = await gate.run(() => pglite.query<T>(text, toParams(params)));
      return result.rows;
    },
    async transaction(fn, options) {
      outsideTransaction();
      return withRetry(options?.attempts ?? 5, () =>
        gate.run(() => pglite.transaction((tx) => withinTransaction(() => fn(wrapTx(tx))))),
      );
    },
    // One process, no network: a subscription is never lost.
    async listen(channel, onNotify) {
      const unlisten = await pglite.listen(channel, onNotify);
      return async () => {
        await unlisten().catch(() => {});
      };
    },
    async close() {
      if (!pglite.closed) await pglite.close();
    },
  };
}
