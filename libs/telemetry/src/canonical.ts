import canonicalize from 'canonicalize';
import { MESSAGE_VERSION, Readings, TelemetryMessage } from './message';

/**
 * The canonical ingest record: what GridProof stores for every accepted message, and what
 * anchoring hashes. It is rebuildable from InfluxDB alone (tags + fields, see docs/anchoring.md):
 *
 *   { "v": 1, "device": "...", "ts": <device ms>, "seq": <n>, "readings": {...},
 *     "sig": "<base64>" | null, "rx": <broker receive ms> }
 *
 * Record bytes = RFC 8785 (JCS) serialisation of this object, UTF-8.
 * Signed bytes = RFC 8785 serialisation of the record without "sig" and "rx", which is exactly
 * the message the device signed (the message without its "sig").
 */
export interface SignedContent {
  v: typeof MESSAGE_VERSION;
  device: string;
  ts: number;
  seq: number;
  readings: Readings;
}

export interface IngestRecord extends SignedContent {
  sig: string | null;
  rx: number;
}

/** RFC 8785 JSON Canonicalization Scheme, as UTF-8 bytes. */
export function jcs(value: unknown): Buffer {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value cannot be canonicalised');
  return Buffer.from(text, 'utf8');
}

export function signedContentOf(message: Pick<TelemetryMessage, 'device' | 'ts' | 'seq' | 'readings'>): SignedContent {
  return { v: MESSAGE_VERSION, device: message.device, ts: message.ts, seq: message.seq, readings: message.readings };
}

/** The bytes a device signs: JCS of the message without "sig". */
export function signingBytes(message: Pick<TelemetryMessage, 'device' | 'ts' | 'seq' | 'readings'>): Buffer {
  return jcs(signedContentOf(message));
}

export function toIngestRecord(message: TelemetryMessage, receivedAtMs: number): IngestRecord {
  // One literal, same keys and order as signedContentOf + sig + rx (per message on the ingest path).
  return { v: MESSAGE_VERSION, device: message.device, ts: message.ts, seq: message.seq, readings: message.readings, sig: message.sig ?? null, rx: receivedAtMs };
}

/** The bytes anchoring hashes into a Merkle leaf (RFC 6962 leaf input). */
export function recordBytes(record: IngestRecord): Buffer {
  return jcs({ v: record.v, device: record.device, ts: record.ts, seq: record.seq, readings: record.readings, sig: record.sig, rx: record.rx });
}
