// Which engine the suite runs on: PostgreSQL when DATABASE_URL is set (an admin connection
// that may create databases), otherwise PGlite.
export const postgresUrl = process.env.DATABASE_URL || undefined;
export const engine = postgresUrl ? 'postgres' : 'pglite';

export function databaseUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}
