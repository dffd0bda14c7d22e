export * from './sim-export';
export * from './evaluation';
export * from './trainer';
export * from './influx-source';
export * from './alarm-rules';
export * from './calibration';
export * from './alarm-rules-file';
export * from './fleet-scores';
