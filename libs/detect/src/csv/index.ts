export * from './csv-detector';
