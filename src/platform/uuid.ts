const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID as PostgreSQL reads one (any version), so a query cannot fail on it. */
export const isUuid = (value: unknown): value is string =>
  typeof value === 'string' && UUID.test(value);
