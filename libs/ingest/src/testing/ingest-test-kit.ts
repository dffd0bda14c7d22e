import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@gridproof/config';
import { PipelineEvents, AcceptedReading, RejectedMessage } from '@gridproof/events';
import { InfluxTelemetryStore } from '@gridproof/influx';
import { createMetricsRegistry, Registry } from '@gridproof/metrics';
import type { RegisteredDevice } from '@gridproof/registry';
import { DeviceType, familyOf, generateDeviceKeyPair, privateKeyFromBase64, Readings, signMessage } from '@gridproof/telemetry';
import { IngestPipeline, IngestPipelineOptions } from '../ingest-pipeline';
import type { IngestLogger } from '../ingest-logger';

/** Test-only helpers: devices with real Ed25519 keys, signed payloads, a pipeline on a real InfluxDB. */
export interface TestDevice {
  device: RegisteredDevice;
  privateKey: string;
  /** A signed (or unsigned) payload of this device. */
  payload(seq: number, readings: Readings, opts?: { ts?: number; unsigned?: boolean; signWith?: string }): Buffer;
}

export function testDevice(id: string, type: DeviceType, opts: { site?: string; requireSignature?: boolean } = {}): TestDevice {
  const keys = generateDeviceKeyPair();
  // Like real firmware, a device's default timestamps increase strictly (ingest rejects a
  // repeated ts: it would overwrite the earlier point in InfluxDB).
  let lastTs = 0;
  const device: RegisteredDevice = {
    id,
    type,
    family: familyOf(type),
    site: opts.site ?? 'site-1',
    state: 'active',
    publicKey: keys.publicKey,
    requireSignature: opts.requireSignature ?? true,
  };
  return {
    device,
    privateKey: keys.privateKey,
    payload(seq, readings, o = {}) {
      const ts = o.ts ?? Math.max(Date.now(), lastTs + 1);
      lastTs = Math.max(lastTs, ts);
      const message = { v: 1 as const, device: id, ts, seq, readings };
      if (o.unsigned) return Buffer.from(JSON.stringify(message));
      return Buffer.from(JSON.stringify(signMessage(message, privateKeyFromBase64(o.signWith ?? keys.privateKey))));
    },
  };
}

export class MemoryLogger implements IngestLogger {
  readonly lines: Array<{ level: string; message: string }> = [];
  log(message: string) {
    this.lines.push({ level: 'log', message });
  }
  warn(message: string) {
    this.lines.push({ level: 'warn', message });
  }
  error(message: string) {
    this.lines.push({ level: 'error', message });
  }
  debug(message: string) {
    this.lines.push({ level: 'debug', message });
  }
  matching(re: RegExp) {
    return this.lines.filter((l) => re.test(l.message));
  }
}

export interface PipelineHarness {
  pipeline: IngestPipeline;
  store: InfluxTelemetryStore;
  events: PipelineEvents;
  metrics: Registry;
  logger: MemoryLogger;
  accepted: AcceptedReading[];
  rejected: RejectedMessage[];
  spoolDir: string;
  options: IngestPipelineOptions;
  /** Closes the pipeline (not the store's database, not the spool folder). */
  close(): Promise<void>;
}

export function tempSpoolDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'gp-spool-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startPipeline(opts: {
  influxUrl: string;
  database: string;
  spoolDir: string;
  ingest?: Partial<IngestPipelineOptions['config']['ingest']>;
  pipeline?: Partial<IngestPipelineOptions>;
}): Promise<PipelineHarness> {
  const config = loadConfig({ INFLUX_URL: opts.influxUrl, INFLUX_DATABASE: opts.database, GP_DATA_DIR: opts.spoolDir });
  const store = new InfluxTelemetryStore({ ...config.influx, url: opts.influxUrl }, { writeTimeoutMs: 5_000 });
  const events = new PipelineEvents();
  const metrics = createMetricsRegistry(false);
  const logger = new MemoryLogger();
  const accepted: AcceptedReading[] = [];
  const rejected: RejectedMessage[] = [];
  events.on('accepted', (items) => accepted.push(...items));
  events.on('rejected', (r) => rejected.push(r));
  const options: IngestPipelineOptions = {
    config: { ingest: { ...config.ingest, spoolDir: opts.spoolDir, flushMs: 5, ...opts.ingest }, mqtt: config.mqtt },
    store,
    events,
    metrics,
    logger,
    statsIntervalMs: 0,
    retryMinMs: 50,
    retryMaxMs: 500,
    ...opts.pipeline,
  };
  const pipeline = await IngestPipeline.start(options);
  return { pipeline, store, events, metrics, logger, accepted, rejected, spoolDir: opts.spoolDir, options, close: () => pipeline.close() };
}
