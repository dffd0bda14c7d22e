import mqtt, { MqttClient } from 'mqtt';
import { topics } from '@gridproof/telemetry';
import type { DeviceCredentials } from './state-file';

export interface ConnectionOptions {
  brokerUrl: string;
  /** Readings kept while the device cannot publish; beyond it the oldest are evicted. */
  bufferSize: number;
  /** QoS 1 messages awaiting PUBACK at once. */
  maxInflight: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  /** Gate for connection attempts (fleet-wide connect rate). */
  admit(start: () => void): void;
  onEvent(event: 'connected' | 'disconnected' | 'acked' | 'evicted' | 'sent', count?: number): void;
}

/**
 * One device's MQTT link, as its firmware would run it: its own connection with a retained
 * "online" status and an "offline" last will; QoS 1 telemetry; reconnects with exponential
 * backoff and full jitter; and a bounded store-and-forward buffer replayed oldest first.
 *
 * Each connection attempt gets a fresh MQTT.js client with reconnect disabled: messages not
 * acknowledged when a link drops go back to the front of the buffer, so the buffer is the
 * only store (no second copy in the client library resent behind our back).
 */
export class DeviceConnection {
  private client: MqttClient | null = null;
  /** Ring of signed payloads waiting to be sent (head = oldest). */
  private buffer: string[] = [];
  private head = 0;
  private inflight: string[] = [];
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private linkDown = false;
  private stopped = false;
  connected = false;

  constructor(
    readonly id: string,
    private readonly credentials: DeviceCredentials,
    private readonly opts: ConnectionOptions,
  ) {}

  get buffered(): number {
    return this.buffer.length - this.head + this.inflight.length;
  }

  start(): void {
    this.scheduleConnect(0);
  }

  /** Queues a signed payload; evicts the oldest when the buffer is full. */
  enqueue(payload: string): void {
    this.buffer.push(payload);
    const excess = this.buffer.length - this.head + this.inflight.length - this.opts.bufferSize;
    if (excess > 0) {
      const drop = Math.min(excess, this.buffer.length - this.head);
      this.head += drop;
      this.opts.onEvent('evicted', drop);
    }
    this.compact();
    this.pump();
  }

  /** Simulates losing the link (modem dead): the socket dies without DISCONNECT, so the will fires. */
  setLinkDown(down: boolean): void {
    if (this.linkDown === down) return;
    this.linkDown = down;
    if (down) {
      this.clearTimer();
      this.client?.stream.destroy();
    } else if (!this.client && !this.stopped) {
      this.scheduleConnect(0);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    const client = this.client;
    if (!client) return;
    if (this.connected) {
      // A clean shutdown says goodbye itself (the will only covers unclean ones).
      await new Promise<void>((resolve) => client.publish(topics.status(this.id), 'offline', { qos: 1, retain: true }, () => resolve()));
    }
    await new Promise<void>((resolve) => client.end(!this.connected, {}, () => resolve()));
    this.client = null;
    this.connected = false;
  }

  private scheduleConnect(delayMs: number): void {
    if (this.stopped || this.linkDown || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.opts.admit(() => this.connect());
    }, delayMs);
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private connect(): void {
    if (this.stopped || this.linkDown || this.client) return;
    const client = mqtt.connect(this.opts.brokerUrl, {
      clientId: this.credentials.clientId,
      username: this.credentials.username,
      password: this.credentials.password,
      protocolVersion: 4,
      clean: true,
      keepalive: 60,
      reconnectPeriod: 0,
      connectTimeout: 15_000,
      queueQoSZero: false,
      will: { topic: topics.status(this.id), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => {
      this.connected = true;
      this.attempt = 0;
      this.opts.onEvent('connected');
      client.publish(topics.status(this.id), 'online', { qos: 1, retain: true });
      this.pump();
    });
    // Errors (refused credentials, resets) are followed by 'close'; that is where we retry.
    client.on('error', () => undefined);
    client.on('close', () => this.onClose(client));
  }

  private onClose(client: MqttClient): void {
    if (this.client !== client) return;
    client.removeAllListeners('connect');
    client.end(true);
    this.client = null;
    if (this.connected) {
      this.connected = false;
      this.opts.onEvent('disconnected');
    }
    // Unacknowledged messages go back in front, in their original order.
    if (this.inflight.length) {
      const pending = this.buffer.slice(this.head);
      this.buffer = [...this.inflight, ...pending];
      this.head = 0;
      this.inflight = [];
    }
    if (this.stopped || this.linkDown) return;
    // Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter").
    const cap = Math.min(this.opts.backoffMaxMs, this.opts.backoffMinMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    this.scheduleConnect(this.opts.backoffMinMs / 2 + Math.random() * cap);
  }

  private pump(): void {
    const client = this.client;
    if (!client || !this.connected) return;
    while (this.inflight.length < this.opts.maxInflight && this.head < this.buffer.length) {
      const payload = this.buffer[this.head++];
      this.inflight.push(payload);
      this.opts.onEvent('sent');
      client.publish(topics.telemetry(this.id), payload, { qos: 1 }, (err) => {
        if (err || this.client !== client) return; // requeued by onClose
        const i = this.inflight.indexOf(payload);
        if (i >= 0) this.inflight.splice(i, 1);
        this.opts.onEvent('acked');
        this.pump();
      });
    }
    this.compact();
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
    if (this.head === this.buffer.length && this.head > 0) {
      this.buffer = [];
      this.head = 0;
    }
  }
}
