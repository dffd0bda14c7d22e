/**
 * Every reason ingest can reject a message for. A device learns the reason on its errors
 * topic; operators see a counter per reason (gridproof_ingest_rejected_total{reason}).
 */
export const REJECTION_REASONS = [
  'too_large', // payload above the configured byte limit
  'not_json', // payload is not JSON
  'not_utf8', // payload bytes are not UTF-8 (I-JSON, RFC 7493 §2.1)
  'lone_surrogate', // a string or name holds a lone surrogate, e.g. "\ud800" (I-JSON §2.1; RFC 8785 cannot canonicalise it)
  'duplicate_key', // an object names the same member twice (I-JSON §2.3; JSON.parse would keep only the last)
  'proto_member', // a member named "__proto__" (dropped by the schema, the prototype of plain objects)
  'non_finite', // NaN or ±Infinity where a number is expected
  'schema', // envelope or value types do not match the message schema
  'device_mismatch', // the message names another device than its topic
  'unknown_metric', // a reading names a metric its device type does not have
  'out_of_range', // a value outside the metric's physical limits
  'missing_signature', // the device must sign but sent no signature
  'bad_signature', // the signature does not verify with the device's registered key
  'signature_encoding', // sig is not the canonical base64 of 64 bytes (88 chars, standard alphabet, "==", zero pad bits)
  'duplicate', // an exact redelivery of an accepted message (same seq and content; QoS 1 resend): harmless, stored once
  'replayed_sequence', // seq not above the last accepted one and not a redelivery (other content, or an older seq)
  'ts_not_increasing', // ts not above the device's last accepted ts (an equal ts would overwrite that reading in InfluxDB)
  'clock_skew', // timestamp too far in the future, or older than the backfill window
  'device_disabled', // the device was disabled after it connected
  'rate_limited', // the device sent more than its budget (GP_INGEST_DEVICE_RATE_PER_S, GP_INGEST_DEVICE_BURST)
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export class TelemetryRejection {
  constructor(
    readonly reason: RejectionReason,
    readonly detail: string,
  ) {}
}
