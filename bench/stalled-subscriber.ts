/**
 * `npm run bench:stalled-subscriber`: what one device that stops reading its socket costs the
 * broker (issue #13, finding 1). The device subscribes to its errors topic, pauses its socket
 * and sends BENCH_STALLED_MESSAGES (default 200,000) invalid QoS 0 publishes, each of which
 * ingest rejects; meanwhile a second device measures how long its own error replies take.
 * Prints the broker process's RSS (after a full GC) before, after the flood, and after the
 * stalled device closes. Broker in this process: the real startBroker, an in-memory device
 * directory, and a sink that rejects every payload (so nothing is stored to grow memory).
 * Self-contained (raw packets from the fuzz kit), so it also runs against older commits.
 */
import { connect, Socket } from 'node:net';
import { loadavg } from 'node:os';
import mqtt from 'mqtt';
import { PipelineEvents } from '@gridproof/events';
import type { TelemetrySink } from '@gridproof/ingest';
import { createMetricsRegistry } from '@gridproof/metrics';
import { topics } from '@gridproof/telemetry';
import { InMemoryDeviceDirectory, quietLogger } from '../libs/broker/src/testing/broker-test-kit';
import { startBroker } from '@gridproof/broker';
import { connectPacket, publishPacket, subscribePacket } from '../libs/testing/src/faults/fuzz-cases';
import { fmt, machineReport, median } from './lib/report';

const MESSAGES = Number(process.env.BENCH_STALLED_MESSAGES ?? 200_000);

const rejectAll: TelemetrySink = { submit: () => Promise.resolve({ accepted: false, reason: 'not_json', detail: 'payload is not JSON' }) };

function rssMiB(): number {
  for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 2 ** 20;
}

async function main(): Promise<void> {
  console.log(machineReport());
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(1)).join(', ')}; ${fmt(MESSAGES)} invalid QoS 0 publishes from a device that does not read`);
  if (!(globalThis as { gc?: () => void }).gc) console.log('(run with --expose-gc for RSS after a full GC)');
  const directory = new InMemoryDeviceDirectory();
  directory.add('stuck-1', 'secret-stuck');
  directory.add('healthy-1', 'secret-healthy');
  const broker = await startBroker({
    config: { host: '127.0.0.1', mqtt: { port: 0, wsPort: 0, tls: null, maxPayloadBytes: 16_384 } },
    directory,
    sink: rejectAll,
    events: new PipelineEvents(),
    metrics: createMetricsRegistry(false),
    logger: quietLogger,
  });
  const before = rssMiB();

  const stuck: Socket = connect({ port: broker.ports.tcp, host: '127.0.0.1' });
  stuck.on('error', () => undefined);
  await new Promise<void>((resolve) => stuck.once('connect', () => resolve()));
  stuck.write(connectPacket('stuck-1', 'stuck-1', 'secret-stuck', 0));
  stuck.write(subscribePacket(topics.errors('stuck-1')));
  await new Promise((r) => setTimeout(r, 200));
  stuck.pause();

  const healthy = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.ports.tcp}`, { clientId: 'healthy-1', username: 'healthy-1', password: 'secret-healthy', reconnectPeriod: 0 });
  await healthy.subscribeAsync(topics.errors('healthy-1'), { qos: 1 });
  const replyMs = async (): Promise<number> => {
    const t0 = performance.now();
    const got = new Promise<void>((resolve) => healthy.once('message', () => resolve()));
    healthy.publish(topics.telemetry('healthy-1'), 'x', { qos: 0 });
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 10_000));
    await Promise.race([got, timeout]);
    return performance.now() - t0;
  };

  const one = publishPacket(topics.telemetry('stuck-1'), Buffer.from('x'), 0);
  const chunk = Buffer.concat(Array.from({ length: 1_000 }, () => one));
  const waits: number[] = [];
  const t0 = performance.now();
  for (let sent = 0; sent < MESSAGES && !stuck.destroyed; sent += 1_000) {
    if (!stuck.write(chunk)) await new Promise<void>((resolve) => stuck.once('drain', resolve).once('close', resolve));
    if (sent % 20_000 === 0) waits.push(await replyMs());
  }
  await new Promise((r) => setTimeout(r, 2_000));
  waits.push(await replyMs());
  const flooded = rssMiB();
  console.log(`flood sent in ${((performance.now() - t0) / 1000).toFixed(1)} s; broker RSS ${before.toFixed(0)} MiB before, ${flooded.toFixed(0)} MiB after the flood (+${(flooded - before).toFixed(0)}); another device's error reply during the flood: median ${median(waits).toFixed(0)} ms, max ${Math.max(...waits).toFixed(0)} ms (10,000 = none within 10 s)`);
  stuck.destroy();
  await new Promise((r) => setTimeout(r, 2_000));
  const afterClose = rssMiB();
  const last = await replyMs();
  console.log(`after the stalled device closed: broker RSS ${afterClose.toFixed(0)} MiB, another device's error reply ${last.toFixed(0)} ms`);
  await healthy.endAsync(true);
  await broker.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
