import { crc32 } from 'node:zlib';

/**
 * One spool entry = one batch of line protocol, exactly the bytes that were (or will be) POSTed
 * to InfluxDB, so a replay writes identical points and InfluxDB keeps each one once.
 *
 *   offset 0  u32 BE  body length in bytes
 *   offset 4  u32 BE  number of points (lines) in the body
 *   offset 8  u32 BE  CRC-32 (ISO-HDLC, zlib) of bytes 0..7 followed by the body
 *   offset 12 body    UTF-8 line protocol, points separated by '\n'
 *
 * A crash can tear only the tail of the segment being appended (the entry whose fsync never
 * returned, hence never acknowledged): a short header, a short body or a CRC mismatch ends the
 * readable part of the segment.
 */
export const ENTRY_HEADER_BYTES = 12;
/** Larger than any batch we write; a bigger length field means a torn or foreign header. */
export const MAX_ENTRY_BYTES = 256 * 1024 * 1024;

export function encodeEntry(body: string, lines: number): Buffer {
  const bytes = Buffer.byteLength(body);
  const buf = Buffer.allocUnsafe(ENTRY_HEADER_BYTES + bytes);
  buf.writeUInt32BE(bytes, 0);
  buf.writeUInt32BE(lines, 4);
  buf.write(body, ENTRY_HEADER_BYTES, 'utf8');
  buf.writeUInt32BE(checksum(buf, bytes), 8);
  return buf;
}

export interface DecodedEntry {
  body: string;
  lines: number;
  offset: number;
}

export interface DecodedSegment {
  entries: DecodedEntry[];
  /** Bytes after the last intact entry (0 for a cleanly written segment). */
  tornBytes: number;
  tornReason?: 'short_header' | 'short_body' | 'bad_length' | 'bad_checksum';
}

export function decodeSegment(buf: Buffer): DecodedSegment {
  const entries: DecodedEntry[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const rest = buf.length - offset;
    if (rest < ENTRY_HEADER_BYTES) return { entries, tornBytes: rest, tornReason: 'short_header' };
    const bytes = buf.readUInt32BE(offset);
    if (bytes > MAX_ENTRY_BYTES) return { entries, tornBytes: rest, tornReason: 'bad_length' };
    if (rest < ENTRY_HEADER_BYTES + bytes) return { entries, tornBytes: rest, tornReason: 'short_body' };
    const entry = buf.subarray(offset, offset + ENTRY_HEADER_BYTES + bytes);
    if (entry.readUInt32BE(8) !== checksum(entry, bytes)) return { entries, tornBytes: rest, tornReason: 'bad_checksum' };
    entries.push({ body: entry.toString('utf8', ENTRY_HEADER_BYTES), lines: entry.readUInt32BE(4), offset });
    offset += ENTRY_HEADER_BYTES + bytes;
  }
  return { entries, tornBytes: 0 };
}

function checksum(entry: Buffer, bodyBytes: number): number {
  const head = crc32(entry.subarray(0, 8));
  return crc32(entry.subarray(ENTRY_HEADER_BYTES, ENTRY_HEADER_BYTES + bodyBytes), head);
}
