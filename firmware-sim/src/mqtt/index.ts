export * from './state-file';
export * from './provision';
export * from './device-connection';
export * from './fleet-runner';
