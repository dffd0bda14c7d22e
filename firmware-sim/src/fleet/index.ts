export * from './schema';
export * from './resolved';
export * from './loader';
export * from './duration';
