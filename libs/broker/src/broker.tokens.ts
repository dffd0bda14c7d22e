/**
 * Injection tokens of the two ports the broker needs. The app binds them to the registry's
 * DeviceDirectory and the ingest pipeline's TelemetrySink (see BrokerModule.register).
 */
export const DEVICE_DIRECTORY = 'GP_DEVICE_DIRECTORY';
export const TELEMETRY_SINK = 'GP_TELEMETRY_SINK';
/** Optional: the registry's ApiKeys, which enables read-only crew app logins. */
export const API_KEY_VERIFIER = 'GP_API_KEY_VERIFIER';
