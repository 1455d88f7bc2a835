// Which field of a form a refused request points at. The API names fields two ways: a schema
// validation (validation_failed) lists `errors` with JSON pointers ("/rates/0/pointsPerHundred"),
// and a domain rule names one `field` ("tiers"). Both become slash paths without the leading
// slash ("rates/0/pointsPerHundred"), the same keys the back-office forms use for their fields.
import type { Problem } from '../api/types.ts';

/** Field path → the server's message about it. */
export function problemFields(problem: Partial<Problem> | undefined): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!problem) return fields;
  if (Array.isArray(problem.errors)) {
    for (const entry of problem.errors) {
      const path = String((entry as { path?: unknown })?.path ?? '')
        .replace(/^\/+/, '')
        .replace(/^body\//, '');
      const message = String((entry as { message?: unknown })?.message ?? '');
      if (path && !(path in fields)) fields[path] = message;
    }
  }
  if (typeof problem.field === 'string' && problem.field) {
    fields[problem.field] ??= typeof problem.detail === 'string' ? problem.detail : '';
  }
  return fields;
}
