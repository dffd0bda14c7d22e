import type { KeyObject } from 'node:crypto';
import { CATALOGUE, DeviceType, IngestRecord, publicKeyFromBase64, verifyMessageSignature } from '@gridproof/telemetry';
import type { LedgerDevice, SignatureCheck } from '../ledger/ledger-input';

/**
 * Why one stored record does not count for its slot. A record only counts when it is well
 * formed, signed with the key the device had when the record was received, in sequence, not
 * from a clock running ahead, and physically possible.
 */
export const INVALID_READING_CODES = ['malformed', 'unsigned', 'bad_signature', 'sequence', 'clock_ahead', 'out_of_range'] as const;
export type InvalidReadingCode = (typeof INVALID_READING_CODES)[number];

/** The key in force at receive time `rx`: the latest one that started at or before it. */
function keyAt(device: LedgerDevice, rx: number): string | null {
  let best: { publicKey: string; fromMs: number } | null = null;
  for (const k of device.keys) if (k.fromMs <= rx && (!best || k.fromMs >= best.fromMs)) best = k;
  return best?.publicKey ?? null;
}

const keyObjects = new Map<string, KeyObject | null>();
function keyObject(raw: string): KeyObject | null {
  let k = keyObjects.get(raw);
  if (k === undefined) {
    try {
      k = publicKeyFromBase64(raw);
    } catch {
      k = null;
    }
    if (keyObjects.size > 50_000) keyObjects.clear();
    keyObjects.set(raw, k);
  }
  return k;
}

export function isWellFormed(record: IngestRecord, deviceId: string): boolean {
  return (
    record !== null &&
    typeof record === 'object' &&
    record.device === deviceId &&
    Number.isSafeInteger(record.ts) &&
    Number.isSafeInteger(record.seq) &&
    Number.isSafeInteger(record.rx) &&
    typeof record.readings === 'object' &&
    record.readings !== null &&
    (record.sig === null || typeof record.sig === 'string')
  );
}

/** Signature problem of a well-formed record, or null when it counts as signed. */
/**
 * The canonical base64 of 64 bytes (RFC 4648 §4, as telemetry's isCanonicalSignature decides
 * it): 85 free characters, then one whose low 4 bits are zero (A, Q, g or w: the last byte's
 * leftover bits), then "==". A pattern instead of a decode and re-encode per record: the epoch
 * job checks millions of signatures for presence (ledger-input.ts, SignatureCheck).
 */
const CANONICAL_SIGNATURE = /^[A-Za-z0-9+/]{85}[AQgw]==$/;

export function hasCanonicalSignatureForm(sig: string): boolean {
  return CANONICAL_SIGNATURE.test(sig);
}

export function signatureProblem(record: IngestRecord, device: LedgerDevice, mode: SignatureCheck): InvalidReadingCode | null {
  const raw = keyAt(device, record.rx);
  if (raw === null) return 'unsigned';
  if (record.sig === null || !CANONICAL_SIGNATURE.test(record.sig)) return 'bad_signature';
  if (mode === 'present') return null;
  const key = keyObject(raw);
  return key && verifyMessageSignature(record, record.sig, key) ? null : 'bad_signature';
}

/** True when every reading is a known metric of the type within its catalogue limits. */
export function inRange(type: DeviceType, readings: Record<string, unknown>): boolean {
  const metrics = CATALOGUE[type].metrics;
  for (const name in readings) {
    const spec = Object.prototype.hasOwnProperty.call(metrics, name) ? metrics[name] : undefined;
    const value = readings[name];
    if (!spec) return false;
    if (spec.kind === 'enum') {
      if (typeof value !== 'string' || !spec.values.includes(value)) return false;
    } else if (typeof value !== 'number' || !Number.isFinite(value) || value < spec.min || value > spec.max) return false;
  }
  return true;
}
