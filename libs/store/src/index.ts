export * from './sql-store';
