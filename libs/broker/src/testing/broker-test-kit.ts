import { execFile } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import mqtt, { IClientOptions, MqttClient } from 'mqtt';
import type { GridProofConfig } from '@gridproof/config';
import { PipelineEvents, PipelineEventMap } from '@gridproof/events';
import { payloadSeq, type IngestOutcome, type TelemetrySink } from '@gridproof/ingest';
import { createMetricsRegistry, Registry } from '@gridproof/metrics';
import type { AuthenticationResult, DeviceDirectory, RegisteredDevice } from '@gridproof/registry';
import { CATALOGUE, DeviceType, parseTelemetry, TelemetryRejection, toIngestRecord } from '@gridproof/telemetry';
import type { Cleanups } from '@gridproof/testing';
import type { BrokerLogger } from '../broker-logger';
import { RunningBroker, startBroker, StartBrokerOptions } from '../start-broker';

/** A DeviceDirectory in memory, for broker tests (the registry implements it over SQL). */
export class InMemoryDeviceDirectory implements DeviceDirectory {
  private readonly devices = new Map<string, { device: RegisteredDevice; secret: string }>();
  private readonly listeners = new Set<(deviceId: string) => void>();
  readonly lastSeen = new Map<string, number>();
  /** When set, authenticate() awaits it before answering from what it read: a slow registry. */
  beforeAnswer: (() => Promise<void>) | null = null;

  add(id: string, secret: string, type: DeviceType = 'pv-inverter', site = 'site-a'): RegisteredDevice {
    const device: RegisteredDevice = { id, type, family: CATALOGUE[type].family, site, state: 'active', publicKey: null, requireSignature: false };
    this.devices.set(id, { device, secret });
    return device;
  }

  disable(id: string): void {
    const entry = this.devices.get(id);
    if (!entry) throw new Error(`no device ${id}`);
    entry.device = { ...entry.device, state: 'disabled' };
    for (const listener of this.listeners) listener(id);
  }

  async authenticate(deviceId: string, password: string): Promise<AuthenticationResult> {
    const found = this.devices.get(deviceId);
    const snapshot = found && { ...found };
    if (this.beforeAnswer) {
      await this.beforeAnswer();
      if (snapshot) return this.check(snapshot, password);
    }
    const entry = this.devices.get(deviceId);
    if (!entry) return { ok: false, reason: 'unknown_device' };
    return this.check(entry, password);
  }

  private check(entry: { device: RegisteredDevice; secret: string }, password: string): AuthenticationResult {
    const a = Buffer.from(password);
    const b = Buffer.from(entry.secret);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: 'bad_credentials' };
    if (entry.device.state !== 'active') return { ok: false, reason: 'disabled' };
    return { ok: true, device: entry.device };
  }

  async find(deviceId: string): Promise<RegisteredDevice | null> {
    return this.devices.get(deviceId)?.device ?? null;
  }

  onChange(listener: (deviceId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  touchLastSeen(deviceId: string, at: number): void {
    this.lastSeen.set(deviceId, at);
  }
}

export interface Submission {
  deviceId: string;
  payload: Buffer;
  receivedAt: number;
}

type Behaviour = (device: RegisteredDevice, payload: Buffer, receivedAt: number) => Promise<IngestOutcome>;

/**
 * A real TelemetrySink without storage: it validates with the telemetry lib (schema, catalogue,
 * limits; no signatures) and records every submission. Tests can give one device another
 * behaviour: pending, throwing, rejecting.
 */
export class RecordingSink implements TelemetrySink {
  readonly submissions: Submission[] = [];
  private readonly behaviours = new Map<string, Behaviour>();

  constructor(private readonly maxBytes = 16_384) {}

  behave(deviceId: string, behaviour: Behaviour | null): void {
    if (behaviour) this.behaviours.set(deviceId, behaviour);
    else this.behaviours.delete(deviceId);
  }

  submit(device: RegisteredDevice, payload: Buffer, receivedAt: number): Promise<IngestOutcome> {
    this.submissions.push({ deviceId: device.id, payload: Buffer.from(payload), receivedAt });
    const behaviour = this.behaviours.get(device.id);
    if (behaviour) return behaviour(device, payload, receivedAt);
    return Promise.resolve(this.validate(device, payload, receivedAt));
  }

  of(deviceId: string): Submission[] {
    return this.submissions.filter((s) => s.deviceId === deviceId);
  }

  private validate(device: RegisteredDevice, payload: Buffer, receivedAt: number): IngestOutcome {
    try {
      const message = parseTelemetry(payload, { deviceId: device.id, type: device.type, maxBytes: this.maxBytes });
      return { accepted: true, record: toIngestRecord(message, receivedAt) };
    } catch (err) {
      if (err instanceof TelemetryRejection) return { accepted: false, reason: err.reason, detail: err.detail, seq: payloadSeq(payload, this.maxBytes) };
      throw err;
    }
  }
}

/** A promise with its resolve/reject outside, to hold the sink for a device. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const quietLogger: BrokerLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

export function testBrokerConfig(overrides: Partial<GridProofConfig['mqtt']> = {}): StartBrokerOptions['config'] {
  return { host: '127.0.0.1', mqtt: { port: 0, wsPort: 0, tls: null, maxPayloadBytes: 16_384, ...overrides } };
}

export interface TestBroker {
  broker: RunningBroker;
  directory: InMemoryDeviceDirectory;
  sink: RecordingSink;
  events: PipelineEvents;
  metrics: Registry;
  seen: { [K in keyof PipelineEventMap]: PipelineEventMap[K][0][] };
  tcpUrl: string;
  wsUrl: string;
  /** A counter's value for one label set (0 when absent). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

/** Starts a broker on free ports with an in-memory directory and a recording sink. */
export async function startTestBroker(cleanups: Cleanups, options: Partial<StartBrokerOptions> = {}): Promise<TestBroker> {
  const directory = new InMemoryDeviceDirectory();
  const config = options.config ?? testBrokerConfig();
  const sink = new RecordingSink(config.mqtt.maxPayloadBytes);
  const events = new PipelineEvents();
  const metrics = createMetricsRegistry(false);
  const seen = { accepted: [], deadLettered: [], rejected: [], connectivity: [], authFailure: [], loginFailure: [], anomaly: [] } as TestBroker['seen'];
  for (const name of Object.keys(seen) as Array<keyof PipelineEventMap>) {
    events.on(name, ((payload: unknown) => void (seen[name] as unknown[]).push(payload)) as (...args: PipelineEventMap[typeof name]) => void);
  }
  const broker = await startBroker({ config, directory, sink, events, metrics, logger: quietLogger, ...options });
  cleanups.add(() => broker.close());
  return {
    broker,
    directory,
    sink,
    events,
    metrics,
    seen,
    tcpUrl: `mqtt://127.0.0.1:${broker.ports.tcp}`,
    wsUrl: `ws://127.0.0.1:${broker.ports.ws}/mqtt`,
    async metric(name, labels = {}) {
      const metric = metrics.getSingleMetric(name);
      if (!metric) return 0;
      const data = await metric.get();
      const match = data.values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value));
      return match?.value ?? 0;
    },
  };
}

/** An MQTT.js client logged in as a device (no automatic reconnect unless asked). */
export async function connectDevice(cleanups: Cleanups, url: string, deviceId: string, secret: string, extra: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { clientId: deviceId, username: deviceId, password: secret, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000, ...extra });
  cleanups.add(() => client.endAsync(true));
  return client;
}

/** The CONNACK return code MQTT.js reports for a refused login. */
export async function refusedConnack(url: string, options: IClientOptions): Promise<number> {
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000, ...options });
  try {
    return await new Promise<number>((resolve, reject) => {
      client.once('connect', () => reject(new Error('the broker accepted the login')));
      client.once('error', (err) => resolve((err as Error & { code?: number }).code ?? -1));
    });
  } finally {
    await client.endAsync(true);
  }
}

export function once<T = void>(client: MqttClient, event: 'close' | 'message'): Promise<T> {
  return new Promise((resolve) => client.once(event, (...args: unknown[]) => resolve(args as T)));
}

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs mosquitto_pub (Debian mosquitto-clients), a client nobody here wrote. */
export function mosquittoPub(args: string[]): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile('mosquitto_pub', args, { timeout: 15_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? ((err as unknown as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}
