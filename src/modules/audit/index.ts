// Audit: an append-only, hash-chained record of authentication events, privileged actions
// and money moves; verified on demand and archived to object storage when old.
export {
  type ArchiveDeps,
  type ArchiveRun,
  archiveAudit,
  verifyWithArchives,
} from './archive.ts';
export { type ArchiveStore, openArchiveStore } from './archive-store.ts';
export { type BrokenLink, type ChainReport, verifyChains } from './chain.ts';
export { type AuditScope, currentAuditScope, runInAuditScope } from './context.ts';
export { type AuditEntry, type AuditRecord, audit, listAudit, type RequestContext } from './log.ts';
export { auditRoutes, openAuditScopes } from './routes.ts';
export { parseSigningKey, type Signer } from './signing.ts';
