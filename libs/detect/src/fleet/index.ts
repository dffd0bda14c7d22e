export * from './peer-consensus';
export * from './fleet-generic-scorer';
