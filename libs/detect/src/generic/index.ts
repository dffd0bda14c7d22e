export * from './tail-calibrator';
export * from './channel';
export * from './seasonal-profile';
export * from './stuck-tracker';
export * from './stream-detector';
export * from './generic-detector';
export * from './synthetic';
export * from './p-values';
