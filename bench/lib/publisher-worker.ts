/**
 * One load-generator process: opens MQTT connections for its share of the devices and
 * publishes telemetry as fast as the broker acknowledges it (QoS 1) or as fast as the socket
 * drains (QoS 0). Runs in several processes so the generator is not the bottleneck.
 * Reports through IPC: { type: 'done', sent, acked, errors, ms }.
 */
import mqtt, { MqttClient } from 'mqtt';
import { privateKeyFromBase64, signMessage, topics } from '@gridproof/telemetry';

export interface WorkerDevice {
  id: string;
  username: string;
  password: string;
  privateKey?: string;
}

export interface WorkerJob {
  brokerUrl: string;
  devices: WorkerDevice[];
  messagesPerDevice: number;
  qos: 0 | 1;
  /** Max unacknowledged QoS 1 messages per connection. */
  inflight: number;
  /** Topic override (bare Mosquitto runs use a plain topic and no credentials). */
  topic?: (deviceId: string) => string;
  firstSeq: number;
  /** Target messages/s per process (0 = as fast as possible). */
  ratePerProcess?: number;
}

const READINGS = (i: number) => ({
  power_w: 1200 + (i % 50),
  voltage_v: 230.1,
  current_a: 5.2,
  frequency_hz: 50.01,
  power_factor: 0.97,
  energy_import_kwh: 1000 + i / 1000,
  energy_export_kwh: 12.5,
});

async function connect(url: string, d: WorkerDevice): Promise<MqttClient> {
  const client = mqtt.connect(url, {
    clientId: d.id,
    username: d.username || undefined,
    password: d.password || undefined,
    reconnectPeriod: 0,
    clean: true,
    connectTimeout: 30_000,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

async function run(job: WorkerJob): Promise<void> {
  const clients = await Promise.all(job.devices.map((d) => connect(job.brokerUrl, d)));
  process.send!({ type: 'connected' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const start = Date.now();
  let acked = 0;
  let errors = 0;
  const sent: number[] = [];
  await Promise.all(
    clients.map(async (client, idx) => {
      const d = job.devices[idx];
      const key = d.privateKey ? privateKeyFromBase64(d.privateKey) : null;
      const topic = job.topic ? job.topic(d.id) : topics.telemetry(d.id);
      let inflight = 0;
      let next = 0;
      await new Promise<void>((resolve) => {
        const pump = () => {
          while (next < job.messagesPerDevice && (job.qos === 0 || inflight < job.inflight)) {
            const seq = job.firstSeq + next++;
            const base = { v: 1 as const, device: d.id, ts: Date.now(), seq, readings: READINGS(seq) };
            const body = JSON.stringify(key ? signMessage(base, key) : base);
            inflight++;
            client.publish(topic, body, { qos: job.qos }, (err) => {
              inflight--;
              if (err) errors++;
              else acked++;
              if (next >= job.messagesPerDevice && inflight === 0) resolve();
              else pump();
            });
          }
        };
        pump();
      });
      sent.push(next);
    }),
  );
  const ms = Date.now() - start;
  await Promise.all(clients.map((c) => c.endAsync()));
  process.send!({ type: 'done', sent: sent.reduce((a, b) => a + b, 0), acked, errors, ms });
}

process.once('message', (job: WorkerJob & { topicPrefix?: string }) => {
  const withTopic = job.topicPrefix ? { ...job, topic: (id: string) => `${job.topicPrefix}/${id}` } : job;
  run(withTopic).catch((err: unknown) => {
    process.send!({ type: 'error', message: (err as Error).message });
    process.exit(1);
  });
});
