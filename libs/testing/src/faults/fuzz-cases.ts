import { KeyObject } from 'node:crypto';
import { RejectionReason, signMessage } from '@gridproof/telemetry';
import { mulberry32 } from '@gridproof/detect';

/**
 * Generated malformed inputs for the fuzz fault test, from a seeded generator so a failure
 * reproduces with its seed. Two levels:
 * - payloads published through real MQTT sessions, each with the rejection reason the
 *   pipeline must give it (or 'any' for random mutations whose reason cannot be foretold);
 * - raw MQTT byte streams (MQTT 3.1.1 §2, §3) mutated at random, sent over plain TCP sockets.
 */

/** mulberry32, the seeded PRNG the synthetic detector series use (deterministic cases; not for cryptography). */
export const seededRandom = mulberry32;

export type Expected = RejectionReason | 'any';

export interface PayloadCase {
  expected: Expected;
  payload: Buffer;
  /** For random mutations: the valid message it was mutated from. */
  original?: Buffer;
}

export interface FuzzDevice {
  id: string;
  key: KeyObject;
  /** Another device's key: a valid signature by the wrong device. */
  otherKey: KeyObject;
  otherId: string;
}

const GOOD_READINGS = { power_w: 1200.5, voltage_v: 230.1, current_a: 5.2, frequency_hz: 50.01, power_factor: 0.97, energy_import_kwh: 1234.5, energy_export_kwh: 12.5 };
const LIMITS: Record<string, [number, number]> = {
  power_w: [-1_000_000, 1_000_000],
  voltage_v: [0, 1_000],
  current_a: [0, 5_000],
  frequency_hz: [40, 70],
  power_factor: [-1, 1],
  energy_import_kwh: [0, 1e10],
  energy_export_kwh: [0, 1e10],
};

/**
 * Payload cases for one fuzz device, in the order they must be sent (QoS 1, one session): its
 * seq 1 was accepted before, so every signed case here uses a seq that would be fine except for
 * the one thing that is wrong, and replays reuse seq 1. `maxPayloadBytes` is the broker's limit.
 */
export function payloadCases(rand: () => number, d: FuzzDevice, count: number, maxPayloadBytes: number, kind: 'known' | 'mutated', firstSeq = 1_000): PayloadCase[] {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const now = Date.now();
  let seq = firstSeq;
  const message = (over: Record<string, unknown> = {}) => ({ v: 1 as const, device: d.id, ts: now - int(0, 60_000), seq: ++seq, readings: { ...GOOD_READINGS }, ...over });
  const signed = (m: ReturnType<typeof message>, key = d.key) => JSON.stringify(signMessage(m, key));
  const valid = () => signed(message());

  const makers: Array<() => PayloadCase> = [
    // Truncating an object's JSON always leaves invalid JSON (its closing brace is last).
    () => {
      const text = valid();
      return { expected: 'not_json', payload: Buffer.from(text.slice(0, int(0, text.length - 1))) };
    },
    // Control characters: never JSON, never a NaN/Infinity token.
    () => ({ expected: 'not_json', payload: Buffer.from(Array.from({ length: int(1, 300) }, () => int(0, 0x1f))) }),
    // Bytes that are not UTF-8 (0xff never is), refused before JSON.parse (issue 15, I-JSON).
    () => ({ expected: 'not_utf8', payload: Buffer.from(Array.from({ length: int(1, 300) }, () => pick([int(0, 0x1f), int(0x80, 0xff)])).concat([0xff])) }),
    // Canonical input only (issue 15): the signed message verifies as JSON.parse reads it.
    () => {
      const metric = pick(Object.keys(GOOD_READINGS));
      return { expected: 'duplicate_key', payload: Buffer.from(signed(message()).replace('"readings":{', `"readings":{"${metric}":${int(0, 100)},`)) };
    },
    () => ({ expected: 'proto_member', payload: Buffer.from(signed(message()).replace('"readings":{', '"readings":{"__proto__":{},')) }),
    () => ({ expected: 'lone_surrogate', payload: Buffer.from(signed(message()).replace('"readings":{', `"readings":{"x\\u${pick(['d800', 'dbff', 'dc00', 'dfff'])}":1,`)) }),
    () => {
      const variants: Array<Record<string, unknown>> = [
        { v: int(2, 99) },
        { seq: String(int(0, 1e6)) },
        { seq: -int(1, 1e6) },
        { seq: rand() + 0.5 },
        { ts: -int(1, 1e9) },
        { ts: 'yesterday' },
        { readings: [1, 2, 3] },
        { readings: 'power_w=1' },
        { device: 'x'.repeat(int(65, 200)) },
        { device: '../' + d.id },
      ];
      const m = { ...message(), ...pick(variants) };
      if (rand() < 0.5) delete (m as Record<string, unknown>)[pick(['v', 'device', 'ts', 'seq', 'readings'])];
      return { expected: 'schema', payload: Buffer.from(JSON.stringify(m)) };
    },
    () => {
      const name = pick(['rotor_rpm', 'pm25_ugm3', 'soc_pct', 'Power_W', 'power_w ', 'x'.repeat(int(1, 64))]);
      return { expected: 'unknown_metric', payload: Buffer.from(signed(message({ readings: { ...GOOD_READINGS, [name]: int(0, 100) } }))) };
    },
    () => {
      const token = pick(['NaN', 'Infinity', '-Infinity', '1e999', '-1e999']);
      const metric = pick(Object.keys(GOOD_READINGS));
      const text = signed(message()).replace(new RegExp(`"${metric}":[^,}]+`), `"${metric}":${token}`);
      return { expected: 'non_finite', payload: Buffer.from(text) };
    },
    () => {
      const metric = pick(Object.keys(LIMITS));
      const [lo, hi] = LIMITS[metric];
      const value = rand() < 0.5 ? hi + Math.abs(hi) * (0.01 + rand()) + 1 : lo - Math.abs(lo) * (0.01 + rand()) - 1;
      return { expected: 'out_of_range', payload: Buffer.from(signed(message({ readings: { ...GOOD_READINGS, [metric]: value } }))) };
    },
    // Over the payload limit but under the packet limit (4× + 1 KiB): ingest sees and names it.
    () => ({ expected: 'too_large', payload: Buffer.alloc(int(maxPayloadBytes + 1, 2 * maxPayloadBytes), pick([0x20, 0x7b, 0x41])) }),
    () => {
      const m = JSON.parse(valid()) as { sig: string; readings: Record<string, number> };
      switch (int(0, 2)) {
        case 0: {
          // Change one base64 character of the signature to another. Not the last one before
          // the "==" padding: its low 4 bits are padding too, so some changes keep the bytes
          // (RFC 4648 §3.5); the 'mutated' cases cover that.
          const i = int(0, m.sig.length - 4);
          const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
          const c = alphabet[(alphabet.indexOf(m.sig[i]) + int(1, 63)) % 64];
          m.sig = m.sig.slice(0, i) + c + m.sig.slice(i + 1);
          break;
        }
        case 1:
          m.readings.power_w += int(1, 1000);
          break;
        default:
          m.sig = Buffer.alloc(64, int(0, 255)).toString('base64');
      }
      return { expected: 'bad_signature', payload: Buffer.from(JSON.stringify(m)) };
    },
    () => ({ expected: 'bad_signature', payload: Buffer.from(signed(message(), d.otherKey)) }),
    // A valid signature respelled (same 64 bytes, other text): pad bits set in the last
    // character before "==" (RFC 4648 §3.5), padding dropped, a line break, or the URL alphabet
    // (RFC 4648 §5; a sig without '+' or '/' gets one, then it is another signature, still
    // refused for its spelling first).
    () => {
      const m = JSON.parse(valid()) as { sig: string };
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
      const last = alphabet.indexOf(m.sig[85]);
      const respellings = [
        m.sig.slice(0, 85) + alphabet[(last & 0b110000) | ((last & 0b1111) ^ int(1, 15))] + '==',
        m.sig.slice(0, 86),
        m.sig.slice(0, 87),
        m.sig + '\n',
        (m.sig.includes('+') || m.sig.includes('/') ? m.sig : m.sig.slice(0, 85) + '/==').replace(/\+/g, '-').replace(/\//g, '_'),
      ];
      m.sig = pick(respellings);
      return { expected: 'signature_encoding', payload: Buffer.from(JSON.stringify(m)) };
    },
    () => ({ expected: 'missing_signature', payload: Buffer.from(JSON.stringify(message())) }),
    () => ({ expected: 'replayed_sequence', payload: Buffer.from(signed(message({ seq: 1 }))) }),
    () => ({ expected: 'clock_skew', payload: Buffer.from(signed(message({ ts: now + int(3_600_000, 365 * 86_400_000) }))) }),
    () => ({ expected: 'clock_skew', payload: Buffer.from(signed(message({ ts: now - int(8 * 86_400_000, 3_000 * 86_400_000) }))) }),
    () => ({ expected: 'device_mismatch', payload: Buffer.from(signed(message({ device: d.otherId }), d.otherKey)) }),
    // Random byte mutations of a valid message: rejected, for whatever reason applies.
    () => {
      const original = Buffer.from(valid());
      return { expected: 'any', payload: mutate(rand, original), original };
    },
  ];
  const mutated = makers.pop()!;
  return Array.from({ length: count }, () => (kind === 'mutated' ? mutated() : pick(makers)()));
}

// --- raw MQTT 3.1.1 packets ------------------------------------------------------------

function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

function str(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function packet(typeAndFlags: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([typeAndFlags]), remainingLength(body.length), body]);
}

/** CONNECT (MQTT 3.1.1 §3.1) with clean session, username and password. */
export function connectPacket(clientId: string, username: string, password: string, keepAlive = 30): Buffer {
  const header = Buffer.concat([str('MQTT'), Buffer.from([4, 0b11000010, keepAlive >> 8, keepAlive & 0xff])]);
  return packet(0x10, Buffer.concat([header, str(clientId), str(username), str(password)]));
}

/** PUBLISH (§3.3) at QoS 0 or 1. */
export function publishPacket(topic: string, payload: Buffer, qos: 0 | 1, id = 1): Buffer {
  const parts = [str(topic)];
  if (qos) parts.push(Buffer.from([id >> 8, id & 0xff]));
  parts.push(payload);
  return packet(0x30 | (qos << 1), Buffer.concat(parts));
}

export function subscribePacket(topic: string, id = 2): Buffer {
  return packet(0x82, Buffer.concat([Buffer.from([id >> 8, id & 0xff]), str(topic), Buffer.from([1])]));
}

export const PINGREQ = Buffer.from([0xc0, 0]);
export const DISCONNECT = Buffer.from([0xe0, 0]);

/** A fixed header declaring a packet far above the broker's packet limit (§2.2.3, 4-byte length). */
export function oversizedHeader(rand: () => number): Buffer {
  const declared = 100_000_000 + Math.floor(rand() * 150_000_000);
  return Buffer.concat([Buffer.from([0x30]), remainingLength(declared), Buffer.alloc(16, 0x41)]);
}

/** Replaces 1-`max` random bytes of `buf` with different values. */
export function mutate(rand: () => number, buf: Buffer, max = 4): Buffer {
  const out = Buffer.from(buf);
  for (let k = 1 + Math.floor(rand() * max); k > 0; k--) {
    const i = Math.floor(rand() * out.length);
    out[i] = (out[i] + 1 + Math.floor(rand() * 255)) % 256;
  }
  return out;
}
