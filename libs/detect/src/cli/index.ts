export * from './detect.commands';
