// Public face of @gridproof/broker. The MQTT broker: its Nest module, startBroker for benchmarks, and the raw body parser of the HTTPS device route.
// Only what other libs and apps use; anything else stays internal (eslint forbids deep imports).
export { BrokerModule, BrokerService } from './broker.module';
export { DEVICE_TELEMETRY_ROUTE, rawTelemetryBody } from './https/raw-telemetry-body';
export { startBroker } from './start-broker';
export type { RunningBroker } from './start-broker';
