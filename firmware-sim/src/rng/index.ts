export * from './rng';
export * from './noise';
