export * from './sql-store';
export * from './change-feed';
