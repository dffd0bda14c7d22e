import mqtt, { MqttClient } from 'mqtt';
import { DeviceKeyPair, generateDeviceKeyPair, privateKeyFromBase64, signMessage, topics } from '@gridproof/telemetry';
import type { ProvisionRequest } from './gridproof-process';
import { sleep, until } from './gridproof-process';

export interface FleetDevice {
  id: string;
  keys: DeviceKeyPair;
  password: string;
}

/** Smart meters with keys, ready to provision; passwords are filled in after provisioning. */
export function fleetDevices(prefix: string, count: number, site = 'site-faults'): { requests: ProvisionRequest[]; devices: FleetDevice[] } {
  const devices = Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, keys: generateDeviceKeyPair(), password: '' }));
  return {
    devices,
    requests: devices.map((d) => ({ id: d.id, type: 'smart-meter', site: { id: site, lat: 52.5, lon: 13.4 }, publicKey: d.keys.publicKey })),
  };
}

/** One signed smart-meter reading of 8 fields. */
export function meterPayload(device: FleetDevice, seq: number, ts = Date.now()): string {
  const readings = {
    power_w: 1000 + (seq % 500),
    voltage_v: 230.1,
    current_a: 4.5,
    frequency_hz: 50.01,
    power_factor: 0.97,
    energy_import_kwh: 1000 + seq / 1000,
    energy_export_kwh: 12.5,
  };
  return JSON.stringify(signMessage({ v: 1 as const, device: device.id, ts, seq, readings }, privateKeyFromBase64(device.keys.privateKey)));
}

/**
 * A device that publishes signed readings at QoS 1 with a window of unacknowledged messages,
 * and keeps its own list of what was sent but not acknowledged. When the connection drops
 * (broker killed, connection refused), it reconnects and resends that list in order, with the
 * same seq and bytes, before sending anything new: the explicit form of MQTT 3.1.1 §4.4
 * redelivery, independent of a client library's session store (clean: true here).
 */
export class ResendingPublisher {
  readonly acked = new Set<number>();
  /** seq → payload: sent, not yet acknowledged. */
  readonly unacked = new Map<number, string>();
  reconnects = 0;
  resent = 0;
  private client: MqttClient | null = null;
  private generation = 0;
  private nextSeq = 1;
  private lastTs = 0;
  private running = false;
  /** close(): give up, even on what is unacknowledged (drain() first to keep it). */
  private closed = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    readonly device: FleetDevice,
    private readonly url: () => string,
    private readonly window = 8,
    /** Upper bound of seqs this publisher sends (a bounded test). */
    private readonly maxSeq = Number.MAX_SAFE_INTEGER,
  ) {}

  get sent(): number {
    return this.nextSeq - 1;
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Stops sending new readings; what is unacknowledged is still resent until acknowledged. */
  async drain(timeoutMs = 60_000): Promise<void> {
    this.running = false;
    this.wake?.();
    await until(`${this.device.id} to have every reading acknowledged (${this.unacked.size} left)`, () => this.unacked.size === 0, timeoutMs);
    await this.close();
  }

  async close(): Promise<void> {
    this.running = false;
    this.closed = true;
    this.generation++;
    this.wake?.();
    const client = this.client;
    this.client = null;
    await client?.endAsync(true).catch(() => undefined);
    await this.loop?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (!this.closed && (this.running || this.unacked.size)) {
      const gen = ++this.generation;
      let client: MqttClient;
      try {
        client = await this.connect();
      } catch {
        await sleep(200);
        continue;
      }
      if (gen !== this.generation || this.closed) {
        client.end(true);
        return;
      }
      this.client = client;
      const lost = new Promise<void>((resolve) => {
        client.once('close', () => resolve());
        client.once('error', () => resolve());
      });
      // Resend what the last session left unacknowledged, oldest first.
      for (const [seq, payload] of [...this.unacked].sort((a, b) => a[0] - b[0])) {
        this.resent++;
        this.publish(client, gen, seq, payload);
      }
      await Promise.race([lost, this.pump(client, gen)]);
      await lost;
      if (gen !== this.generation) return;
      this.reconnects++;
      client.end(true);
      await sleep(100);
    }
  }

  private async pump(client: MqttClient, gen: number): Promise<void> {
    while (gen === this.generation && client.connected) {
      if (this.running && this.nextSeq <= this.maxSeq && this.unacked.size < this.window) {
        const seq = this.nextSeq++;
        // One point per device and millisecond in InfluxDB: keep each device's ts strictly increasing.
        this.lastTs = Math.max(Date.now(), this.lastTs + 1);
        const payload = meterPayload(this.device, seq, this.lastTs);
        this.unacked.set(seq, payload);
        this.publish(client, gen, seq, payload);
        continue;
      }
      if (!this.running && this.unacked.size === 0) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  private publish(client: MqttClient, gen: number, seq: number, payload: string): void {
    client.publish(topics.telemetry(this.device.id), payload, { qos: 1 }, (err) => {
      if (err || gen !== this.generation) return;
      this.unacked.delete(seq);
      this.acked.add(seq);
      this.wake?.();
    });
  }

  private connect(): Promise<MqttClient> {
    const client = mqtt.connect(this.url(), {
      clientId: this.device.id,
      username: this.device.id,
      password: this.device.password,
      reconnectPeriod: 0,
      clean: true,
      connectTimeout: 5_000,
    });
    return new Promise((resolve, reject) => {
      client.once('connect', () => resolve(client));
      client.once('error', (err) => {
        client.end(true);
        reject(err);
      });
      client.once('close', () => reject(new Error('closed before CONNACK')));
    });
  }
}
