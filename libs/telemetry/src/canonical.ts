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
  const readings = readingsJcs(message.readings);
  if (readings === null || typeof message.device !== 'string' || !isJcsNumber(message.ts) || !isJcsNumber(message.seq)) return jcs(signedContentOf(message));
  // Members in RFC 8785 order (§3.2.3: by UTF-16 code units): device, readings, seq, ts, v.
  return Buffer.from(`{"device":${JSON.stringify(message.device)},"readings":${readings},"seq":${JSON.stringify(message.seq)},"ts":${JSON.stringify(message.ts)},"v":${MESSAGE_VERSION}}`, 'utf8');
}

export function toIngestRecord(message: TelemetryMessage, receivedAtMs: number): IngestRecord {
  // One literal, same keys and order as signedContentOf + sig + rx (per message on the ingest path).
  return { v: MESSAGE_VERSION, device: message.device, ts: message.ts, seq: message.seq, readings: message.readings, sig: message.sig ?? null, rx: receivedAtMs };
}

/** The bytes anchoring hashes into a Merkle leaf (RFC 6962 leaf input). */
export function recordBytes(record: IngestRecord): Buffer {
  const readings = readingsJcs(record.readings);
  if (readings === null || typeof record.device !== 'string' || !isJcsNumber(record.ts) || !isJcsNumber(record.seq) || !isJcsNumber(record.rx) || !isJcsNumber(record.v) || (record.sig !== null && typeof record.sig !== 'string')) {
    return jcs({ v: record.v, device: record.device, ts: record.ts, seq: record.seq, readings: record.readings, sig: record.sig, rx: record.rx });
  }
  // Members in RFC 8785 order: device, readings, rx, seq, sig, ts, v.
  return Buffer.from(
    `{"device":${JSON.stringify(record.device)},"readings":${readings},"rx":${JSON.stringify(record.rx)},"seq":${JSON.stringify(record.seq)},"sig":${JSON.stringify(record.sig)},"ts":${JSON.stringify(record.ts)},"v":${JSON.stringify(record.v)}}`,
    'utf8',
  );
}

/*
 * RFC 8785 for the two fixed shapes above, written directly: the generic canonicaliser
 * (the canonicalize package) walks any value recursively and builds a string per member, which
 * cost ≈ 7 % of the broker thread for signed ingest (every signed message is serialised for its
 * verification). Same bytes as jcs() (signing.spec.ts compares them); any value outside the
 * shape the schema guarantees (a finite number or a string per metric, a plain object) goes
 * through jcs() instead. JSON.stringify serialises strings and finite numbers exactly as
 * RFC 8785 §3.2.2 asks (ECMAScript Number::toString, −0 as 0), as canonicalize does.
 */
function isJcsNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** The readings object's RFC 8785 form, or null when it is not a plain object of finite numbers and strings. */
function readingsJcs(readings: unknown): string | null {
  if (typeof readings !== 'object' || readings === null) return null;
  const proto = Object.getPrototypeOf(readings) as unknown;
  if (proto !== Object.prototype && proto !== null) return null;
  const r = readings as Record<string, unknown>;
  // Array.prototype.sort without a comparator orders by UTF-16 code units (RFC 8785 §3.2.3).
  const names = Object.keys(r).sort();
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    const value = r[names[i]];
    let text: string;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return null;
      text = String(value); // the same as JSON.stringify for a finite number, −0 included
    } else if (typeof value === 'string') text = JSON.stringify(value);
    else return null;
    const name = names[i];
    out += `${i === 0 ? '' : ','}${PLAIN_NAME.test(name) ? `"${name}"` : JSON.stringify(name)}:${text}`;
  }
  return `${out}}`;
}

/** A name JSON.stringify would only put in quotes (metric names are like this). */
const PLAIN_NAME = /^[A-Za-z0-9_.-]*$/;
