export * from './local-influxd';
export * from './schema';
export * from './line-protocol';
export * from './influx-telemetry-store';
export * from './feed-lines';
export * from './debian-packages';
