import { createHash } from 'node:crypto';
import { jcs, recordBytes, toIngestRecord } from './canonical';
import { isKeyEventRecord, keyEventBytes, KeyEventRecord, keyEventRecordSchema } from './key-event-record';
import { parseTelemetry, telemetryMessageSchema } from './message';
import { TelemetryRejection } from './rejections';
import { generateDeviceKeyPair, privateKeyFromBase64, signMessage } from './signing';

/** docs/anchoring.md §1, "Key events": the worked example an auditor re-implements. */
const EXAMPLE: KeyEventRecord = {
  kind: 'key-event',
  v: 1,
  id: 7,
  device: 'meter-01',
  event: 'rotated',
  publicKey: '6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw=',
  requireSignature: true,
  at: 1763683230000,
  rx: 1763683230000,
};
const EXAMPLE_BYTES =
  '{"at":1763683230000,"device":"meter-01","event":"rotated","id":7,"kind":"key-event","publicKey":"6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw=","requireSignature":true,"rx":1763683230000,"v":1}';
const EXAMPLE_LEAF = '7936d5795943af806eafcf84307d73ea79c4b3af95d074a939a6e0cda17d3c3b';

const leaf = (bytes: Buffer) => createHash('sha256').update(Buffer.from([0])).update(bytes).digest('hex');

describe('the key-event record form', () => {
  it('is RFC 8785: members in UTF-16 order, no whitespace, the same bytes as the generic canonicaliser', () => {
    expect(keyEventBytes(EXAMPLE).toString('utf8')).toBe(EXAMPLE_BYTES);
    expect(keyEventBytes(EXAMPLE).equals(jcs(EXAMPLE))).toBe(true);
    // Member order of the object given does not matter; nothing but the record's members is hashed.
    const shuffled = Object.fromEntries(Object.entries(EXAMPLE).reverse()) as KeyEventRecord;
    expect(keyEventBytes({ ...shuffled, extra: 'x' } as KeyEventRecord).toString('utf8')).toBe(EXAMPLE_BYTES);
    expect(keyEventBytes({ ...EXAMPLE, publicKey: null, event: 'revoked', requireSignature: false }).toString('utf8')).toContain('"publicKey":null,"requireSignature":false');
  });

  it('hashes to the leaf docs/anchoring.md gives', () => {
    expect(leaf(keyEventBytes(EXAMPLE))).toBe(EXAMPLE_LEAF);
  });

  it('accepts only the strict form: kind, version, a positive id, a known event', () => {
    expect(isKeyEventRecord(EXAMPLE)).toBe(true);
    for (const bad of [
      { ...EXAMPLE, kind: 'telemetry' },
      { ...EXAMPLE, v: 2 },
      { ...EXAMPLE, id: 0 },
      { ...EXAMPLE, event: 'stolen' },
      { ...EXAMPLE, extra: 1 },
      { ...EXAMPLE, rx: 1.5 },
      { ...EXAMPLE, device: 'bad device' },
    ]) {
      expect(isKeyEventRecord(bad)).toBe(false);
    }
  });

  it('cannot collide with a telemetry record', () => {
    // A telemetry record never has "kind" (the message schema is strict; the ingest builds the
    // record from fixed members), so its canonical bytes begin with "device", a key event's with "at".
    const keys = generateDeviceKeyPair();
    const tricky: Array<Record<string, number | string>> = [
      { kind: 1, status: 'key-event' },
      { at: 1763683230000, event: 'rotated' },
      { power_w: 1520.5 },
    ];
    for (const [i, readings] of tricky.entries()) {
      const signed = signMessage({ v: 1 as const, device: 'key-event', ts: 1763683230000, seq: 7 + i, readings }, privateKeyFromBase64(keys.privateKey));
      const bytes = recordBytes(toIngestRecord(signed, 1763683230000));
      expect(bytes.toString('utf8').startsWith('{"device":')).toBe(true);
      expect(bytes.equals(keyEventBytes(EXAMPLE))).toBe(false);
      expect(isKeyEventRecord(JSON.parse(bytes.toString('utf8')))).toBe(false);
    }
    expect(keyEventBytes(EXAMPLE).toString('utf8').startsWith('{"at":')).toBe(true);
    // A device cannot send a message carrying "kind" (or a key event's other members): rejected as a schema error.
    expect(telemetryMessageSchema.safeParse({ v: 1, device: 'meter-01', ts: 1, seq: 1, readings: { power_w: 1 }, kind: 'key-event' }).success).toBe(false);
    expect(() => parseTelemetry(EXAMPLE_BYTES, { deviceId: 'meter-01', type: 'smart-meter', maxBytes: 4096 })).toThrow(TelemetryRejection);
    // And a telemetry record is not a key event.
    expect(keyEventRecordSchema.safeParse({ v: 1, device: 'meter-01', ts: 1, seq: 1, readings: { power_w: 1 }, sig: null, rx: 2 }).success).toBe(false);
  });
});
