export * from './robust-stats';
export * from './degradation-tracker';
export * from './thermal-model';
export * from './maintenance-detector';
