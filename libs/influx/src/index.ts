export * from './local-influxd';
export { ForeignInfluxdError, INFLUXD_PID_FILE, InfluxdSupervisor } from './influxd-supervisor';
export * from './schema';
export * from './line-protocol';
export * from './influx-telemetry-store';
export * from './feed-lines';
export * from './debian-packages';
