// Public face of @gridproof/store. The SQL store (PGlite or Postgres) and its migrations.
// Only what other libs and apps use; anything else stays internal (eslint forbids deep imports).
export type { ChangeSubscription } from './change-feed';
export { SqlStore, rowsOf } from './sql-store';
export type { Migration, SqlDatabase, SqlStoreTarget } from './sql-store';
