export * from './telemetry-sink';
