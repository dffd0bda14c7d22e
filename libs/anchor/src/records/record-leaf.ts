import { IngestRecord, keyEventBytes, KeyEventRecord, recordBytes } from '@gridproof/telemetry';
import { leafHash } from '../merkle/merkle';

/** What names a record in reports: the device and its sequence number (unique per device). */
export interface RecordRef {
  device: string;
  seq: number;
  ts: number;
  rx: number;
}

/**
 * What a leaf of the log is: a telemetry record (kind absent) or a device key event
 * (docs/anchoring.md §1). For a key event, seq is the event's id, ts its `at` and rx its `rx`.
 */
export type LeafKind = 'key-event';
export interface LeafRef extends RecordRef {
  kind?: LeafKind;
}

/** RFC 6962 leaf of one key event: SHA-256(0x00 ‖ JCS(key event record)). */
export function keyEventLeaf(record: KeyEventRecord): Buffer {
  return leafHash(keyEventBytes(record));
}

/** A key event's place in the leaf index and the leaf order. */
export function keyEventRef(record: KeyEventRecord): LeafRef & { kind: LeafKind } {
  return { kind: 'key-event', device: record.device, seq: record.id, ts: record.at, rx: record.rx };
}

/** RFC 6962 leaf of one ingest record: SHA-256(0x00 ‖ JCS(record)) (docs/anchoring.md). */
export function recordLeaf(record: IngestRecord): Buffer {
  return leafHash(recordBytes(record));
}

/**
 * The deterministic leaf order an auditor rebuilds from stored data alone: by receive time,
 * then key events before telemetry records of the same millisecond (a key takes effect at its
 * `at`, readings received in that millisecond are judged with it), then device id (UTF-16
 * code unit order, which is byte order for the ASCII ids the topic scheme allows), then
 * sequence number (a key event's id).
 */
export function compareRecords(a: LeafRef, b: LeafRef): number {
  if (a.rx !== b.rx) return a.rx - b.rx;
  const ak = a.kind === 'key-event';
  if (ak !== (b.kind === 'key-event')) return ak ? -1 : 1;
  if (a.device !== b.device) return a.device < b.device ? -1 : 1;
  return a.seq - b.seq;
}

export function recordKey(device: string, seq: number): string {
  return `${device}\u0000${seq}`;
}

/** A key event's identity in the log: its id (device ids never start with U+0001). */
export function keyEventKey(id: number): string {
  return `\u0001${id}`;
}

/** A leaf's identity: (device, seq) for a record, the id for a key event. */
export function leafKey(l: LeafRef): string {
  return l.kind === 'key-event' ? keyEventKey(l.seq) : recordKey(l.device, l.seq);
}
