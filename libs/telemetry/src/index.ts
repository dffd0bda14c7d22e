// Public face of @gridproof/telemetry. Contracts: device catalogue, topics, message schema, canonical record, signing, key events.
// Only what other libs and apps use; anything else stays internal (eslint forbids deep imports).
export { jcs, recordBytes, signingBytes, toIngestRecord } from './canonical';
export type { IngestRecord } from './canonical';
export { CATALOGUE, CONNECTOR_STATUSES, DEVICE_TYPES, FAMILIES, deviceAttributes, familyOf, isDeviceType, numericMetricNames, numericMetrics } from './catalogue';
export type { ConnectorStatus, DeviceType, EnumMetric, Family, NumericMetric } from './catalogue';
export { ED25519_L_HEX, SMALL_ORDER_ENCODINGS_HEX, signatureProblem } from './ed25519-strict';
export { KEY_EVENT_KIND, KEY_EVENT_VERSION, isKeyEventRecord, keyEventBytes, keyEventRecordSchema } from './key-event-record';
export type { KeyEventName, KeyEventRecord } from './key-event-record';
export { logSafe, logSafeName } from './log-safe';
export { MESSAGE_VERSION, checkReadings, parseTelemetry } from './message';
export type { Readings, TelemetryMessage } from './message';
export { REJECTION_REASONS, TelemetryRejection } from './rejections';
export type { RejectionReason } from './rejections';
export { SIGNATURE_BASE64_LENGTH, decodeCanonicalBase64, generateDeviceKeyPair, isCanonicalSignature, privateKeyFromBase64, publicKeyFromBase64, publicKeyTextProblem, signMessage, verifyMessageSignature } from './signing';
export type { DeviceKeyPair } from './signing';
export { DEVICE_ID_PATTERN, DEVICE_PUBLISH_CHANNELS, DEVICE_SUBSCRIBE_CHANNELS, parseDeviceTopic, topics } from './topics';
export type { DeviceChannel } from './topics';
