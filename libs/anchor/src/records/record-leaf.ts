import { IngestRecord, recordBytes } from '@gridproof/telemetry';
import { leafHash } from '../merkle/merkle';

/** What names a record in reports: the device and its sequence number (unique per device). */
export interface RecordRef {
  device: string;
  seq: number;
  ts: number;
  rx: number;
}

/** RFC 6962 leaf of one ingest record: SHA-256(0x00 ‖ JCS(record)) (docs/anchoring.md). */
export function recordLeaf(record: IngestRecord): Buffer {
  return leafHash(recordBytes(record));
}

/**
 * The deterministic leaf order an auditor rebuilds from stored data alone: by receive time,
 * then device id (UTF-16 code unit order, which is byte order for the ASCII ids the topic
 * scheme allows), then sequence number.
 */
export function compareRecords(a: RecordRef, b: RecordRef): number {
  if (a.rx !== b.rx) return a.rx - b.rx;
  if (a.device !== b.device) return a.device < b.device ? -1 : 1;
  return a.seq - b.seq;
}

export function recordKey(device: string, seq: number): string {
  return `${device}\u0000${seq}`;
}
