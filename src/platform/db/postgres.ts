import postgres from 'postgres';
import {
  type Db,
  outsideTransaction,
  type Tx,
  toParams,
  withinTransaction,
  withRetry,
} from './db.ts';
import { driverFaultListeners } from './driver-faults.ts';

export interface PostgresOpenOptions {
  url: string;
  poolSize?: number;
}

/** Opens a pooled PostgreSQL client (postgres.js). Money decisions always use this primary. */
export async function openPostgres(
  options: PostgresOpenOptions,
): Promise<Db & { sql: postgres.Sql }> {
  const connect = () =>
    postgres(options.url, {
      max: options.poolSize ?? 16,
      types: {
        bigint: postgres.BigInt,
        // A string bound to a json/jsonb parameter is JSON text, as on PGlite. The driver's
        // default JSON.stringify-ed it again, so `$1::jsonb` stored a JSON *string* (replayed
        // idempotent responses and outbox payloads came back as text on PostgreSQL only).
        json: {
          to: 114,
          from: [114, 3802],
          serialize: (value: unknown) =>
            typeof value === 'string' ? value : JSON.stringify(value),
          parse: (text: string) => JSON.parse(text),
        },
      },
      connection: { TimeZone: 'UTC', application_name: 'ibet' },
      onnotice: () => {},
    });
  let sql = connect();
  // Fail at start-up, with the driver's message, when the server cannot be reached.
  await sql`select 1`;
  // On the driver's write-after-close fault (driver-faults.ts), a query was left unsettled on
  // a connection of this pool: replace the pool, and end the old one, which destroys its
  // connections (after 5 s for queries still running) and so rejects what was stuck on them.
  let recycledAt = 0;
  const recycle = () => {
    if (performance.now() - recycledAt < 1000) return;
    recycledAt = performance.now();
    const old = sql;
    sql = connect();
    void old.end({ timeout: 5 }).catch(() => {});
  };
  driverFaultListeners.add(recycle);

  const run = async <T>(
    conn: postgres.Sql | postgres.TransactionSql,
    text: string,
    params?: readonly unknown[],
  ) =>
    (await conn.unsafe(text, toParams(params) as postgres.ParameterOrJSON<never>[], {
      prepare: true,
    })) as unknown as T[];

  return {
    engine: 'postgres',
    get sql() {
      return sql;
    },
    async query(text, params) {
      outsideTransaction();
      return run(sql, text, params);
    },
    async transaction(fn, options) {
      outsideTransaction();
      return withRetry(options?.attempts ?? 5, async () => {
        const result = await sql.begin((conn) =>
          withinTransaction(() =>
            fn({
              query: (text: string, params?: readonly unknown[]) => run(conn, text, params),
              script: async (text: string) => {
                await conn.unsafe(text);
              },
            } as unknown as Tx),
          ),
        );
        return result as Awaited<ReturnType<typeof fn>>;
      });
    },
    async close() {
      driverFaultListeners.delete(recycle);
      await sql.end({ timeout: 5 });
    },
  };
}
