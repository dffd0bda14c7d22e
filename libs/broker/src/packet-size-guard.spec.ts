import { PassThrough } from 'node:stream';
import mqttPacket from 'mqtt-packet';
import { limitPacketSize, PacketSizeTracker, PacketTooLargeError } from './packet-size-guard';

const publish = (payloadBytes: number) =>
  mqttPacket.generate({ cmd: 'publish', topic: 'gp/v1/devices/inv-1/telemetry', payload: Buffer.alloc(payloadBytes, 0x61), qos: 1, messageId: 1, retain: false, dup: false });
const ping = () => mqttPacket.generate({ cmd: 'pingreq' });

describe(PacketSizeTracker.name, () => {
  it('lets a stream of packets under the limit through, however it is split', () => {
    const stream = Buffer.concat([publish(10), ping(), publish(300), publish(1000), ping()]);
    for (const step of [1, 2, 3, 7, 64, stream.length]) {
      const tracker = new PacketSizeTracker(1100);
      for (let i = 0; i < stream.length; i += step) expect(tracker.feed(stream.subarray(i, i + step))).toBeNull();
    }
  });

  it('reports a packet over the limit as soon as its header arrives', () => {
    const tracker = new PacketSizeTracker(1100);
    expect(tracker.feed(publish(100))).toBeNull();
    const big = publish(5000);
    // type byte + 2 length bytes are enough to know.
    expect(tracker.feed(big.subarray(0, 3))).toMatch(/above the 1100-byte limit/);
  });

  it('counts the header in the packet size', () => {
    const packet = publish(200);
    expect(new PacketSizeTracker(packet.length).feed(packet)).toBeNull();
    expect(new PacketSizeTracker(packet.length - 1).feed(packet)).toMatch(/above/);
  });

  it('reports a Remaining Length longer than four bytes as malformed', () => {
    expect(new PacketSizeTracker(1e9).feed(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]))).toMatch(/malformed/);
  });
});

describe(limitPacketSize.name, () => {
  it('destroys the connection instead of handing an oversized packet to the reader', async () => {
    const conn = new PassThrough();
    limitPacketSize(conn, 100);
    const error = new Promise<Error>((resolve) => conn.once('error', resolve));
    conn.write(publish(10));
    conn.write(publish(500));
    await new Promise((r) => setImmediate(r));
    expect(conn.read()).toBeNull();
    expect(await error).toBeInstanceOf(PacketTooLargeError);
    expect(conn.destroyed).toBe(true);
  });

  it('hands packets under the limit to the reader unchanged', () => {
    const conn = new PassThrough();
    limitPacketSize(conn, 100);
    const bytes = Buffer.concat([publish(10), ping()]);
    conn.write(bytes);
    expect(Buffer.compare(conn.read() as Buffer, bytes)).toBe(0);
  });
});
