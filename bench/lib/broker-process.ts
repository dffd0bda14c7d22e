/**
 * The MQTT broker alone in its own process for bench:connections: the real startBroker
 * (aedes, device hooks, packet guard, metrics) with an in-memory device directory, so 50,000
 * devices log in without 50,000 scrypt checks (the registry's login cost, not what an idle
 * connection holds). Answers { type: 'memory' } with its RSS and heap after a full GC.
 */
import { createMetricsRegistry } from '@gridproof/metrics';
import { PipelineEvents } from '@gridproof/events';
import { InMemoryDeviceDirectory, quietLogger, RecordingSink } from '../../libs/broker/src/testing/broker-test-kit';
import { startBroker } from '@gridproof/broker';

interface Job {
  devices: number;
  port: number;
}

process.once('message', (job: Job) => {
  void (async () => {
    const directory = new InMemoryDeviceDirectory();
    for (let i = 0; i < job.devices; i++) directory.add(`conn-${i}`, `secret-${i}`, 'smart-meter', `site-${i % 100}`);
    const broker = await startBroker({
      config: { host: '127.0.0.1', mqtt: { port: job.port, wsPort: 0, tls: null, maxPayloadBytes: 16_384 } },
      directory,
      sink: new RecordingSink(),
      events: new PipelineEvents(),
      metrics: createMetricsRegistry(false),
      logger: quietLogger,
    });
    process.on('message', (m: { type: string }) => {
      if (m.type !== 'memory') return;
      for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.();
      const mem = process.memoryUsage();
      process.send!({ type: 'memory', rss: mem.rss, heapUsed: mem.heapUsed, external: mem.external, online: broker.onlineDevices().length });
    });
    process.send!({ type: 'ready', port: broker.ports.tcp });
  })().catch((err: unknown) => {
    process.send!({ type: 'error', message: (err as Error).stack });
    process.exit(1);
  });
});
