export * from './generic';
