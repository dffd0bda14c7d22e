import type { Socket } from 'node:net';
import { METRIC } from '@gridproof/metrics';
import { topics } from '@gridproof/telemetry';
import { Cleanups } from '@gridproof/testing';
import { MqttBroker } from './mqtt-broker';
import { connectDevice, once, startTestBroker, TestBroker } from './testing/broker-test-kit';
import { connectPacket, publishQos0, rawSocket, readConnack, subscribePacket } from './testing/raw-mqtt';

/**
 * Issue #13, finding 1: a device subscribes to its own errors topic, stops reading its socket
 * and floods tiny invalid QoS 0 publishes. Each rejection is answered on the errors topic; on
 * e23d519 those answers waited for the stuck socket inside the broker's shared emitter, so
 * every broker→device message (other devices' answers, status) queued behind them, memory
 * grew without bound, and closing the stuck socket released the queue recursively
 * (RangeError: Maximum call stack size exceeded, process dead).
 */
describe(`${MqttBroker.name} with a subscriber that stops reading`, () => {
  const cleanups = new Cleanups();
  let t: TestBroker;

  beforeEach(async () => {
    t = await startTestBroker(cleanups);
    t.directory.add('stuck-1', 'secret-stuck');
    t.directory.add('inv-2', 'secret-2');
  });
  afterEach(() => cleanups.run());

  /** Sends `count` invalid QoS 0 publishes as fast as the socket takes them. */
  async function flood(socket: Socket, count: number): Promise<void> {
    const one = publishQos0(topics.telemetry('stuck-1'), 'x');
    const perWrite = 1_000;
    const chunk = Buffer.concat(Array.from({ length: perWrite }, () => one));
    for (let sent = 0; sent < count && !socket.destroyed; sent += perWrite) {
      if (!socket.write(chunk)) await new Promise<void>((resolve) => socket.once('drain', resolve).once('close', resolve));
    }
  }

  it('keeps answering other devices, bounds what it queues for the stuck one, and survives its close', async () => {
    const stuck = await rawSocket(cleanups, t.broker.ports.tcp);
    stuck.write(connectPacket('stuck-1', 'stuck-1', 'secret-stuck'));
    expect(await readConnack(stuck)).toBe(0);
    stuck.write(subscribePacket(1, topics.errors('stuck-1'), 1));
    // Let the SUBACK arrive, then stop reading: the kernel buffers fill and the broker's
    // writes to this socket stop draining.
    await new Promise((resolve) => setTimeout(resolve, 100));
    stuck.pause();

    const healthy = await connectDevice(cleanups, t.tcpUrl, 'inv-2', 'secret-2');
    await healthy.subscribeAsync(topics.errors('inv-2'), { qos: 1 });

    await flood(stuck, 60_000);
    // Every message was handed to ingest (QoS 0 is never dropped before validation).
    await waitFor(() => t.sink.of('stuck-1').length >= 60_000 || stuck.destroyed, 30_000);

    // Another device still gets its answer at once, not after the stuck socket's drain timeout.
    const started = Date.now();
    const answer = once<[string, Buffer]>(healthy, 'message');
    await healthy.publishAsync(topics.telemetry('inv-2'), 'not json', { qos: 1 });
    const [topic] = await withTimeout(answer, 3_000, 'the healthy device got no answer on its errors topic within 3 s');
    expect(topic).toBe(topics.errors('inv-2'));
    expect(Date.now() - started).toBeLessThan(3_000);

    // What the broker kept for the stuck device is bounded: it got a sample of replies (its
    // reply budget, while its socket drained), the rest were dropped and counted.
    const dropped = (await t.metric(METRIC.mqttErrorRepliesDropped, { reason: 'not_draining' })) + (await t.metric(METRIC.mqttErrorRepliesDropped, { reason: 'rate_limited' }));
    expect(dropped).toBeGreaterThan(59_000);

    // Closing the stuck socket releases nothing recursively: the broker keeps serving.
    stuck.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const again = once<[string, Buffer]>(healthy, 'message');
    await healthy.publishAsync(topics.telemetry('inv-2'), 'still not json', { qos: 1 });
    await withTimeout(again, 3_000, 'no answer after the stuck socket closed');
    expect(healthy.connected).toBe(true);
  });

  it('closes a subscriber that does not read what the server publishes to it, and keeps delivering to others', async () => {
    const stuck = await rawSocket(cleanups, t.broker.ports.tcp);
    stuck.write(connectPacket('stuck-1', 'stuck-1', 'secret-stuck'));
    expect(await readConnack(stuck)).toBe(0);
    stuck.write(subscribePacket(1, topics.commands('stuck-1'), 0));
    await new Promise((resolve) => setTimeout(resolve, 100));
    stuck.pause();
    const healthy = await connectDevice(cleanups, t.tcpUrl, 'inv-2', 'secret-2');
    await healthy.subscribeAsync(topics.commands('inv-2'), { qos: 1 });

    // 16 MB of commands for the stuck device: more than the kernel buffers take.
    const command = JSON.stringify({ cmd: 'noop', pad: 'x'.repeat(2_000) });
    const sent: Array<Promise<void>> = [];
    for (let i = 0; i < 8_000; i++) sent.push(t.broker.publish(topics.commands('stuck-1'), command));
    await withTimeout(Promise.all(sent), 20_000, 'publishing to the stuck subscriber did not complete');

    const started = Date.now();
    const delivered = once<[string, Buffer]>(healthy, 'message');
    await t.broker.publish(topics.commands('inv-2'), JSON.stringify({ cmd: 'noop' }));
    await withTimeout(delivered, 3_000, 'the healthy device got no command within 3 s');
    expect(Date.now() - started).toBeLessThan(3_000);

    // Closed by the broker (the paused socket itself sees the FIN only once it reads again).
    expect(await t.metric(METRIC.mqttClientErrors, { reason: 'slow_consumer' })).toBe(1);
    expect(t.broker.onlineDevices()).toEqual(['inv-2']);
    expect(healthy.connected).toBe(true);
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
