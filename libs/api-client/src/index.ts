export * from './api-client';
export * from './cli-io';
