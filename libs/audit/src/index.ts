export * from './proof-bundle';
export * from './verify-bundle';
export * from './audit.service';
export * from './proof.service';
