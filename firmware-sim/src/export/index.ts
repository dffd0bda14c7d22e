export * from './csv';
export * from './labels';
