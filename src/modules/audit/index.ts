// Audit: an append-only record of authentication events and privileged actions.
export { type AuditEntry, type AuditRecord, audit, listAudit, type RequestContext } from './log.ts';
export { auditRoutes } from './routes.ts';
