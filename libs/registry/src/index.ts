export * from './device-directory';
