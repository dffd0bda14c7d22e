// Public face of @gridproof/audit. Audits, proof bundles and the standalone verifier.
// Only what other libs and apps use; anything else stays internal (eslint forbids deep imports).
export { AuditModule } from './audit.module';
export type { AuditReport } from './audit.service';
export type { BatchExport } from './batch-export';
export type { ProofBundle } from './proof-bundle';
export { verifyBundle } from './verify-bundle';
