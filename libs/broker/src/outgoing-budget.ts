import type { Duplex } from 'node:stream';

/**
 * Bytes the broker may hold unsent for one client before it closes that client as a slow
 * consumer. Several hundred error replies or site alerts, or 64k PUBACKs: a device on a slow
 * link never gets near it, a client that stopped reading reaches it and costs only itself.
 */
export const DEFAULT_MAX_OUTGOING_BYTES = 256 * 1024;

/**
 * Takes over write backpressure of one client connection with a byte budget.
 *
 * Why: aedes delivers every broker→client message through one shared emitter (mqemitter,
 * `concurrency` 100 messages in flight). When a write to a client returns false, aedes parks
 * that delivery until the socket drains (or its drainTimeout, 60 s, passes), holding one of
 * the emitter's slots. A client that stops reading and keeps receiving therefore fills all
 * slots, every other client's messages queue behind it without bound, and when it finally
 * closes, the queue is released recursively (RangeError: Maximum call stack size exceeded;
 * issue #13, finding 1).
 *
 * So a write always reports success to aedes (nothing is parked, no slot is held), and the
 * bytes wait in the connection's own buffer; once that buffer is above `maxBytes`, the
 * connection is destroyed with a SlowConsumerError, which aedes reports as a clientError of
 * that client only. The memory a stuck client costs is bounded by maxBytes plus the kernel's
 * socket buffers. Wraps write() like the packet size guard wraps read(): no extra stream stage.
 */
export function limitOutgoingBytes(conn: Duplex, maxBytes: number): void {
  const write = conn.write.bind(conn) as (...args: unknown[]) => boolean;
  conn.write = ((...args: unknown[]) => {
    write(...args);
    if (conn.writableLength > maxBytes && !conn.destroyed) {
      conn.destroy(new SlowConsumerError(`more than ${maxBytes} bytes waiting for a client that does not read them`));
      return false;
    }
    return true;
  }) as Duplex['write'];
}

export class SlowConsumerError extends Error {
  override readonly name = 'SlowConsumerError';
}

/** Whether the connection's unsent bytes are over its stream high-water mark (it is not keeping up). */
export function isBackedUp(conn: Duplex): boolean {
  return conn.writableNeedDrain || conn.destroyed;
}
