/**
 * Injection tokens of the ports the broker needs that it names itself. The app binds
 * DEVICE_DIRECTORY to the registry's DeviceDirectory (see BrokerModule.register); the telemetry
 * sink's token, TELEMETRY_SINK, is ingest's, bound where its implementation lives (IngestModule).
 */
export const DEVICE_DIRECTORY = 'GP_DEVICE_DIRECTORY';
/** Optional: the registry's ApiKeys, which enables read-only crew app logins. */
export const API_KEY_VERIFIER = 'GP_API_KEY_VERIFIER';
