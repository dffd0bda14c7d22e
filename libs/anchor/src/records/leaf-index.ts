import { LeafRef } from './record-leaf';

/**
 * The per-batch leaf index kept in the SQL store: for every leaf, in tree order, the record's
 * identity (device, seq, ts, rx) and its leaf hash. It lets the audit name which records were
 * altered, removed or injected, and lets proofs be built without rehashing a batch. It is not
 * trusted: the audit first checks that the Merkle root of its leaf hashes is the root on chain.
 *
 * Binary, one entry per leaf (big-endian): u8 device length, device (UTF-8), f64 seq,
 * f64 ts, f64 rx, 32-byte leaf hash. ≈ 60 bytes per record, one row per batch. A key event's
 * entry has the top bit of the length byte set (device ids are at most 64 bytes, so the bit is
 * free and indexes written before key events were logged read the same); its seq is the
 * event's id, its ts the event's `at`.
 */
export interface IndexedLeaf extends LeafRef {
  leaf: Buffer;
}

const KEY_EVENT_FLAG = 0x80;

export function encodeLeafIndex(leaves: readonly IndexedLeaf[]): Buffer {
  let size = 0;
  const devices = leaves.map((l) => Buffer.from(l.device, 'utf8'));
  for (const d of devices) {
    if (d.length >= KEY_EVENT_FLAG) throw new Error('device id longer than 127 bytes');
    size += 1 + d.length + 24 + 32;
  }
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  leaves.forEach((l, i) => {
    if (l.leaf.length !== 32) throw new Error('a leaf hash is 32 bytes');
    out.writeUInt8(devices[i].length | (l.kind === 'key-event' ? KEY_EVENT_FLAG : 0), o);
    o += 1;
    o += devices[i].copy(out, o);
    out.writeDoubleBE(l.seq, o);
    out.writeDoubleBE(l.ts, o + 8);
    out.writeDoubleBE(l.rx, o + 16);
    o += 24;
    o += l.leaf.copy(out, o);
  });
  return out;
}

export function decodeLeafIndex(blob: Uint8Array): IndexedLeaf[] {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const leaves: IndexedLeaf[] = [];
  let o = 0;
  while (o < buf.length) {
    const head = buf.readUInt8(o);
    const len = head & ~KEY_EVENT_FLAG;
    o += 1;
    const device = buf.toString('utf8', o, o + len);
    o += len;
    const seq = buf.readDoubleBE(o);
    const ts = buf.readDoubleBE(o + 8);
    const rx = buf.readDoubleBE(o + 16);
    o += 24;
    if (o + 32 > buf.length) throw new Error('truncated leaf index');
    const leaf = Buffer.from(buf.subarray(o, o + 32));
    leaves.push(head & KEY_EVENT_FLAG ? { kind: 'key-event', device, seq, ts, rx, leaf } : { device, seq, ts, rx, leaf });
    o += 32;
  }
  return leaves;
}
