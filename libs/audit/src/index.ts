export * from './proof-bundle';
export * from './verify-bundle';
export * from './audit.service';
export * from './proof.service';
export * from './audit.module';
export * from './http/audit.controller';
export * from './batch-export';
export * from './record-checks';
