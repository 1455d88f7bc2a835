// What a backup says about itself: when it was taken, from which engine and schema version,
// its size and SHA-256, and the state it holds — row counts per table and the ledger's
// totals per currency — read in the same snapshot as the dump, so that a restore can prove
// it brought back exactly that.
import { checkLedger } from '../modules/wallet/index.ts';
import type { Engine, Queryable } from '../platform/db/db.ts';

export const MANIFEST_FORMAT = 'ibet-backup/1';

export interface LedgerTotals {
  /** The ledger invariant held when the backup was taken. */
  ok: boolean;
  /** Per currency: transfers (count and summed amount) and balances per account kind. */
  currencies: Record<
    string,
    { transfers: number; transferred: string; accounts: number; balances: Record<string, string> }
  >;
}

export interface DatabaseState {
  /** Applied migration versions, oldest first. */
  migrations: string[];
  /** `schema.table` → rows. */
  rowCounts: Record<string, number>;
  ledger: LedgerTotals;
}

export interface Manifest extends DatabaseState {
  format: typeof MANIFEST_FORMAT;
  engine: Engine;
  /** pg_dump custom format (PostgreSQL) or a gzipped data-directory tarball (PGlite). */
  kind: 'pg_dump-custom' | 'pglite-datadir-tgz';
  /** The iBet version that took it. */
  version: string;
  serverVersion: string;
  startedAt: string;
  finishedAt: string;
  /** The dump file, next to the manifest. */
  file: string;
  sizeBytes: number;
  sha256: string;
}

/** Reads the state a backup must preserve. Run it in the dump's snapshot. */
export async function readState(q: Queryable): Promise<DatabaseState> {
  const tables = await q.query<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
       AND table_schema NOT LIKE 'pg\\_%'
     ORDER BY 1, 2`,
  );
  const rowCounts: Record<string, number> = {};
  // One statement for all tables: a consistent answer, one round trip.
  if (tables.length > 0) {
    const quoted = (s: string) => `"${s.replaceAll('"', '""')}"`;
    const [counts] = await q.query<Record<string, bigint>>(
      `SELECT ${tables
        .map((t, i) => `(SELECT count(*) FROM ${quoted(t.schema)}.${quoted(t.name)}) AS c${i}`)
        .join(', ')}`,
    );
    tables.forEach((t, i) => {
      rowCounts[`${t.schema}.${t.name}`] = Number(counts![`c${i}`]);
    });
  }
  const migrations = rowCounts['platform.schema_migrations']
    ? (
        await q.query<{ version: string }>(
          'SELECT version FROM platform.schema_migrations ORDER BY version',
        )
      ).map((r) => r.version)
    : [];
  return { migrations, rowCounts, ledger: await ledgerTotals(q, rowCounts) };
}

async function ledgerTotals(
  q: Queryable,
  rowCounts: Record<string, number>,
): Promise<LedgerTotals> {
  if (!('wallet.accounts' in rowCounts)) return { ok: true, currencies: {} };
  // Read-only totals over the wallet's tables, like a reporting view: the backup proves it
  // restored the same money, not just the same number of rows.
  const accounts = await q.query<{ currency: string; kind: string; n: bigint; balance: string }>(
    `SELECT currency, kind, count(*) AS n, sum(balance)::text AS balance
     FROM wallet.accounts GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const transfers = await q.query<{ currency: string; n: bigint; amount: string }>(
    `SELECT currency, count(*) AS n, sum(amount)::text AS amount
     FROM wallet.transfers GROUP BY 1 ORDER BY 1`,
  );
  const currencies: LedgerTotals['currencies'] = {};
  const entry = (currency: string) => {
    currencies[currency] ??= { transfers: 0, transferred: '0', accounts: 0, balances: {} };
    return currencies[currency];
  };
  for (const a of accounts) {
    const c = entry(a.currency);
    c.accounts += Number(a.n);
    c.balances[a.kind] = a.balance;
  }
  for (const t of transfers) {
    const c = entry(t.currency);
    c.transfers = Number(t.n);
    c.transferred = t.amount;
  }
  const report = await checkLedger(q);
  return { ok: report.ok, currencies };
}

/** Differences between the state a backup recorded and the state a restore produced. */
export function compareState(expected: DatabaseState, actual: DatabaseState): string[] {
  const problems: string[] = [];
  const tables = new Set([...Object.keys(expected.rowCounts), ...Object.keys(actual.rowCounts)]);
  for (const table of [...tables].sort()) {
    const want = expected.rowCounts[table];
    const got = actual.rowCounts[table];
    if (want !== got)
      problems.push(`${table}: ${want ?? 'missing'} rows expected, ${got ?? 'missing'} found`);
  }
  if (expected.migrations.join(',') !== actual.migrations.join(',')) {
    problems.push(
      `migrations: ${expected.migrations.at(-1) ?? 'none'} expected, ${actual.migrations.at(-1) ?? 'none'} found`,
    );
  }
  if (JSON.stringify(expected.ledger) !== JSON.stringify(actual.ledger)) {
    problems.push(
      `ledger totals differ: expected ${JSON.stringify(expected.ledger)}, found ${JSON.stringify(actual.ledger)}`,
    );
  }
  return problems;
}
