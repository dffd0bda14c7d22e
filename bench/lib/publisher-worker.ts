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
  /** Report each message's send time (its ts), by device, indexed by seq - firstSeq. */
  recordSendTimes?: boolean;
}

/** One pv-inverter reading of 8 fields (within the catalogue's physical limits). */
const READINGS = (i: number) => ({
  irradiance_wm2: 600 + (i % 200),
  dc_voltage_v: 612.5,
  dc_current_a: 8.2,
  ac_power_w: 4200 + (i % 50),
  ac_voltage_v: 230.4,
  grid_frequency_hz: 50.01,
  efficiency_pct: 97.1,
  heatsink_temp_c: 45.2,
});

function message(device: string, ts: number, seq: number, key: ReturnType<typeof privateKeyFromBase64> | null): string {
  const base = { v: 1 as const, device, ts, seq, readings: READINGS(seq) };
  return JSON.stringify(key ? signMessage(base, key) : base);
}

/** Every message of one device, ts strictly increasing (one InfluxDB point per series and ms). */
function buildAll(job: WorkerJob, d: WorkerDevice): string[] {
  const key = d.privateKey ? privateKeyFromBase64(d.privateKey) : null;
  const t0 = Date.now();
  return Array.from({ length: job.messagesPerDevice }, (_, i) => message(d.id, t0 + i, job.firstSeq + i, key));
}

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
  // Full-speed runs sign and serialise every message before "go", so the generator's own
  // Ed25519 signing does not compete with the broker for the same cores during the run.
  const prebuilt = job.ratePerProcess ? null : job.devices.map((d) => buildAll(job, d));
  process.send!({ type: 'connected' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const start = Date.now();
  const cpu0 = process.cpuUsage();
  let acked = 0;
  let errors = 0;
  const sent: number[] = [];
  const sendTimes: Record<string, number[]> = {};
  // Rate-limited mode: each device may have sent perDevice × elapsed messages by now.
  const perDeviceRate = job.ratePerProcess ? job.ratePerProcess / job.devices.length : 0;
  await Promise.all(
    clients.map(async (client, idx) => {
      const d = job.devices[idx];
      const key = d.privateKey ? privateKeyFromBase64(d.privateKey) : null;
      const topic = job.topic ? job.topic(d.id) : topics.telemetry(d.id);
      const times: number[] = [];
      if (job.recordSendTimes) sendTimes[d.id] = times;
      let inflight = 0;
      let next = 0;
      let lastTs = 0;
      let timer: NodeJS.Timeout | null = null;
      await new Promise<void>((resolve) => {
        const pump = () => {
          const allowed = perDeviceRate ? Math.min(job.messagesPerDevice, Math.floor(((Date.now() - start) * perDeviceRate) / 1000) + 1) : job.messagesPerDevice;
          while (next < allowed && (job.qos === 0 || inflight < job.inflight)) {
            const seq = job.firstSeq + next++;
            let body: string;
            if (prebuilt) body = prebuilt[idx][seq - job.firstSeq];
            else {
              // InfluxDB keeps one point per series and millisecond: strictly increasing ts per device.
              lastTs = Math.max(Date.now(), lastTs + 1);
              if (job.recordSendTimes) times.push(lastTs);
              body = message(d.id, lastTs, seq, key);
            }
            inflight++;
            client.publish(topic, body, { qos: job.qos }, (err) => {
              inflight--;
              if (err) errors++;
              else acked++;
              if (next >= job.messagesPerDevice && inflight === 0) {
                if (timer) clearInterval(timer);
                resolve();
              } else if (!perDeviceRate) pump();
            });
          }
        };
        if (perDeviceRate) timer = setInterval(pump, 5);
        pump();
      });
      sent.push(next);
    }),
  );
  const ms = Date.now() - start;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(clients.map((c) => c.endAsync()));
  process.send!({ type: 'done', sent: sent.reduce((a, b) => a + b, 0), acked, errors, ms, cpuMs: (cpu.user + cpu.system) / 1000, sendTimes: job.recordSendTimes ? sendTimes : undefined });
}

process.once('message', (job: WorkerJob & { topicPrefix?: string }) => {
  const withTopic = job.topicPrefix ? { ...job, topic: (id: string) => `${job.topicPrefix}/${id}` } : job;
  run(withTopic).catch((err: unknown) => {
    process.send!({ type: 'error', message: (err as Error).message });
    process.exit(1);
  });
});
