export * from './local-influxd';
export * from './schema';
