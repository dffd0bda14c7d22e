import { createServer, Server, Socket } from 'node:net';
import { parseFleet, startFleet, FleetHandle } from '..';
import { Cleanups, freePort } from '@gridproof/testing';

const { Aedes } = require('aedes') as { Aedes: { createBroker(opts?: object): Promise<AedesLike> } };
interface AedesLike {
  handle(socket: Socket): void;
  on(event: 'publish', fn: (packet: { topic: string; payload: Buffer }, client: unknown) => void): void;
  close(cb: () => void): void;
}

/** A plain aedes broker on a port; records every telemetry message by device and seq. */
async function startAedes(port: number, received: Map<string, Set<number>>, order: Map<string, number[]>): Promise<{ close(): Promise<void> }> {
  const broker = await Aedes.createBroker();
  broker.on('publish', (packet, client) => {
    if (!client || !packet.topic.endsWith('/telemetry')) return;
    const msg = JSON.parse(packet.payload.toString()) as { device: string; seq: number };
    if (!received.has(msg.device)) received.set(msg.device, new Set());
    const seen = received.get(msg.device)!;
    if (!seen.has(msg.seq)) order.set(msg.device, [...(order.get(msg.device) ?? []), msg.seq]);
    seen.add(msg.seq);
  });
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  for (let attempt = 0; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
      break;
    } catch (err) {
      if (attempt > 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    async close() {
      // An outage, not a goodbye: connections are cut, no DISCONNECT is sent.
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

const until = async (what: string, cond: () => boolean, timeoutMs = 30_000) => {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

const FLEET = parseFleet(`
name: outage
defaults: { intervalS: 10, bufferSize: 100000 }
sites: [{ id: s1, lat: 47.99, lon: 7.85 }]
groups:
  - { type: smart-meter, count: 10, idPrefix: m- }
  - { type: weather, count: 10, idPrefix: w- }
`);

describe('device-side buffering', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('loses no reading while the broker is down: buffered readings replay oldest first when it is back', async () => {
    const port = await freePort();
    const received = new Map<string, Set<number>>();
    const order = new Map<string, number[]>();
    let broker = await startAedes(port, received, order);
    cleanups.add(() => broker.close());
    const fleet: FleetHandle = startFleet({
      fleet: FLEET,
      brokerUrl: `mqtt://127.0.0.1:${port}`,
      provision: async (req) => ({ username: req.id, password: 'x', clientId: req.id }),
      statePath: null,
      speed: 200,
      seed: 3,
      backoffMinMs: 50,
      backoffMaxMs: 400,
    });
    cleanups.add(() => fleet.stop());
    await fleet.ready;
    await until('all devices connected and publishing', () => fleet.stats().connected === 20 && fleet.stats().acked > 100);

    await broker.close();
    const ackedBefore = fleet.stats().acked;
    await until('readings generated during the outage', () => fleet.stats().buffered > 200);
    // Devices notice a dead broker on their own schedule (keep-alive, socket close); wait for it.
    await until('every device noticed the outage', () => fleet.stats().connected === 0);
    // Nothing was acknowledged while the broker was down.
    expect(fleet.stats().acked - ackedBefore).toBeLessThanOrEqual(20 * 8);

    broker = await startAedes(port, received, order);
    await until('buffers drained after the broker is back', () => {
      const s = fleet.stats();
      return s.connected === 20 && s.buffered === 0 && s.acked >= s.generated;
    });
    await fleet.stop();

    const s = fleet.stats();
    expect(s.evicted).toBe(0);
    let total = 0;
    for (const [device, seqs] of received) {
      const max = Math.max(...seqs);
      // Every sequence number from 1 to the last one arrived: no gap, nothing lost.
      expect({ device, missing: max - seqs.size }).toEqual({ device, missing: 0 });
      total += seqs.size;
    }
    expect(received.size).toBe(20);
    // Replay is oldest first: each device's readings first arrive in sequence order.
    for (const [device, seqs] of order) expect({ device, ordered: seqs.every((q, i) => i === 0 || q > seqs[i - 1]) }).toEqual({ device, ordered: true });
    expect(total).toBe(s.generated);
  });
});
