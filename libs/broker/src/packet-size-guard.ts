import type { Duplex } from 'node:stream';

/**
 * Follows MQTT packet boundaries in a byte stream and reports the first packet whose declared
 * size is above a limit, as soon as its fixed header arrives (MQTT 3.1.1 §2.2: one type byte,
 * then the Remaining Length as 1-4 bytes of 7-bit groups). Bodies are skipped, not copied, so
 * the cost is a few operations per packet.
 *
 * mqtt-packet (the parser inside aedes) buffers a whole packet before parsing it and has no
 * size limit for MQTT 3.1.1, so without this guard one client declaring a 256 MB packet could
 * make the broker buffer 256 MB.
 */
export class PacketSizeTracker {
  /** Bytes of the current packet's body still to skip. */
  private bodyLeft = 0;
  /** 0: expecting a type byte; 1-4: reading Remaining Length byte n. */
  private lengthByte = 0;
  private length = 0;
  private multiplier = 1;

  constructor(readonly maxPacketBytes: number) {}

  /** Returns an error message when the chunk completes a header over the limit; null otherwise. */
  feed(chunk: Buffer): string | null {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.bodyLeft > 0) {
        const skip = Math.min(this.bodyLeft, n - i);
        this.bodyLeft -= skip;
        i += skip;
        continue;
      }
      if (this.lengthByte === 0) {
        i++; // the packet type and flags byte
        this.lengthByte = 1;
        this.length = 0;
        this.multiplier = 1;
        continue;
      }
      const byte = chunk[i++];
      this.length += (byte & 0x7f) * this.multiplier;
      if (byte & 0x80) {
        // [MQTT-2.2.3] the Remaining Length has at most four bytes
        if (this.lengthByte === 4) return 'malformed Remaining Length (more than 4 bytes)';
        this.lengthByte++;
        this.multiplier *= 128;
        continue;
      }
      const total = 1 + this.lengthByte + this.length;
      if (total > this.maxPacketBytes) return `packet of ${total} bytes is above the ${this.maxPacketBytes}-byte limit`;
      this.bodyLeft = this.length;
      this.lengthByte = 0;
    }
    return null;
  }
}

/**
 * Puts a PacketSizeTracker on a connection aedes reads. aedes pulls bytes with conn.read() on
 * 'readable' (lib/client.js nextBatch), so wrapping read() sees every byte once, in order, with
 * no extra stream stage on the hot path. Over the limit, the connection is destroyed with a
 * PacketTooLargeError (aedes reports it as a clientError/connectionError of that client only);
 * the bytes are never handed to the parser.
 */
export function limitPacketSize(conn: Duplex, maxPacketBytes: number): void {
  const tracker = new PacketSizeTracker(maxPacketBytes);
  const read = conn.read.bind(conn);
  conn.read = (size?: number) => {
    const chunk: unknown = read(size);
    if (chunk === null || !Buffer.isBuffer(chunk)) return chunk;
    const problem = tracker.feed(chunk);
    if (problem === null) return chunk;
    conn.destroy(new PacketTooLargeError(problem));
    return null;
  };
}

export class PacketTooLargeError extends Error {
  override readonly name = 'PacketTooLargeError';
}
