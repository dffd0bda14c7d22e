import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { loadConfig } from '@gridproof/config';
import { PipelineEvents } from '@gridproof/events';
import { InfluxTelemetryStore } from '@gridproof/influx';
import { IngestPipeline } from '@gridproof/ingest';
import { createMetricsRegistry, METRIC, Registry } from '@gridproof/metrics';
import { DeviceRegistry, REGISTRY_MIGRATIONS } from '@gridproof/registry';
import { SqlStore } from '@gridproof/store';
import { DeviceKeyPair, generateDeviceKeyPair, privateKeyFromBase64, RejectionReason, signMessage, topics } from '@gridproof/telemetry';
import { Cleanups, sharedInfluxUrl, uniqueName } from '@gridproof/testing';
import { RunningBroker, startBroker } from './start-broker';
import { connectDevice, mosquittoPub, quietLogger } from './testing/broker-test-kit';

/**
 * Issue 2 end to end: real registry (PGlite), real ingest pipeline, real InfluxDB, real MQTT
 * clients (mosquitto_pub over TCP, MQTT.js over WebSocket).
 */
describe('broker → ingest → InfluxDB (end to end)', () => {
  const cleanups = new Cleanups();
  const maxPayloadBytes = 4_096;
  let broker: RunningBroker;
  let metrics: Registry;
  let influx: InfluxTelemetryStore;
  const keys: Record<string, DeviceKeyPair> = {};
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    const database = uniqueName('broker_e2e');
    const spoolDir = mkdtempSync(join(tmpdir(), 'gp-broker-e2e-'));
    cleanups.add(() => rmSync(spoolDir, { recursive: true, force: true }));
    const config = loadConfig({
      INFLUX_URL: sharedInfluxUrl(),
      INFLUX_DATABASE: database,
      GP_DATA_DIR: spoolDir,
      GP_MQTT_PORT: '0',
      GP_MQTT_WS_PORT: '0',
      GP_MQTT_MAX_PAYLOAD_BYTES: String(maxPayloadBytes),
      GP_INGEST_FLUSH_MS: '5',
    });

    const sql = await SqlStore.open({ kind: 'pglite', dir: null });
    cleanups.add(() => sql.close());
    await sql.migrate(REGISTRY_MIGRATIONS);
    const registry = new DeviceRegistry(sql, { logger: quietLogger });
    cleanups.add(() => registry.close());
    const site = { id: 'site-e2e', name: 'E2E farm', lat: 52.52, lon: 13.405 };
    for (const [id, type] of [['inv-e2e-1', 'pv-inverter'], ['inv-e2e-2', 'pv-inverter'], ['aq-e2e-1', 'air-quality']] as const) {
      keys[id] = generateDeviceKeyPair();
      const provisioned = await registry.provision({ id, type, site, publicKey: keys[id].publicKey });
      secrets[id] = provisioned.credentials.password;
    }

    const store = new InfluxTelemetryStore({ ...config.influx, url: sharedInfluxUrl() }, { writeTimeoutMs: 5_000 });
    cleanups.add(() => store.dropDatabase());
    const events = new PipelineEvents();
    metrics = createMetricsRegistry(false);
    const pipeline = await IngestPipeline.start({ config, store, events, metrics, logger: { ...quietLogger, debug: () => undefined }, statsIntervalMs: 0 });
    cleanups.add(() => pipeline.close());

    broker = await startBroker({ config, directory: registry, sink: pipeline, events, metrics, logger: quietLogger });
    cleanups.add(() => broker.close());
    influx = store;
  });
  afterAll(() => cleanups.run());

  const signed = (id: string, seq: number, readings: Record<string, number | string>, opts: { ts?: number; keyOf?: string } = {}) =>
    JSON.stringify(signMessage({ v: 1 as const, device: id, ts: opts.ts ?? Date.now(), seq, readings }, privateKeyFromBase64(keys[opts.keyOf ?? id].privateKey)));

  async function rows(measurement: string, deviceId: string): Promise<Array<Record<string, unknown>>> {
    return influx.influx.query(`SELECT * FROM "${measurement}" WHERE "device" = '${deviceId}' ORDER BY time ASC`);
  }

  it('stores a signed reading published with mosquitto_pub in InfluxDB with its tags and fields', async () => {
    const payload = signed('inv-e2e-1', 1, { ac_power_w: 4210.5, heatsink_temp_c: 48.2 });
    const result = await mosquittoPub(['-h', '127.0.0.1', '-p', String(broker.ports.tcp), '-i', 'inv-e2e-1', '-u', 'inv-e2e-1', '-P', secrets['inv-e2e-1'], '-q', '1', '-t', topics.telemetry('inv-e2e-1'), '-m', payload]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    // The PUBACK came after the write, so the point is queryable now.
    const [point] = await rows('energy', 'inv-e2e-1');
    expect(point).toMatchObject({ device: 'inv-e2e-1', site: 'site-e2e', type: 'pv-inverter', ac_power_w: 4210.5, heatsink_temp_c: 48.2, seq: 1, sig: JSON.parse(payload).sig });
    expect(point.rx).toEqual(expect.any(Number));
  });

  it('stores a signed reading published with MQTT.js over WebSocket', async () => {
    const client = await connectDevice(cleanups, `ws://127.0.0.1:${broker.ports.ws}/mqtt`, 'aq-e2e-1', secrets['aq-e2e-1']);
    await client.publishAsync(topics.telemetry('aq-e2e-1'), signed('aq-e2e-1', 1, { pm25_ugm3: 12.5 }), { qos: 1 });
    const [point] = await rows('environment', 'aq-e2e-1');
    expect(point).toMatchObject({ device: 'aq-e2e-1', site: 'site-e2e', type: 'air-quality', pm25_ugm3: 12.5, seq: 1 });
  });

  describe('bad input', () => {
    let bad: MqttClient;
    let good: MqttClient;
    let goodSeq = 100;
    let badSeq = 100;
    const errors: Array<Record<string, unknown>> = [];

    beforeAll(async () => {
      bad = await connectDevice(cleanups, `mqtt://127.0.0.1:${broker.ports.tcp}`, 'inv-e2e-1', secrets['inv-e2e-1']);
      good = await connectDevice(cleanups, `ws://127.0.0.1:${broker.ports.ws}/mqtt`, 'inv-e2e-2', secrets['inv-e2e-2']);
      bad.on('message', (_topic, body) => errors.push(JSON.parse(body.toString())));
      await bad.subscribeAsync(topics.errors('inv-e2e-1'), { qos: 1 });
      // A valid reading first, so the replay case has a sequence to replay.
      await bad.publishAsync(topics.telemetry('inv-e2e-1'), signed('inv-e2e-1', badSeq, { ac_power_w: 1 }), { qos: 1 });
    });

    const nan = () => `{"v":1,"device":"inv-e2e-1","ts":${Date.now()},"seq":${++badSeq},"readings":{"ac_power_w":NaN}}`;
    const cases: Array<[string, RejectionReason, () => string | Buffer]> = [
      ['not JSON', 'not_json', () => 'ac_power_w=42'],
      ['wrong schema', 'schema', () => JSON.stringify({ v: 1, device: 'inv-e2e-1', ts: Date.now(), readings: { ac_power_w: 1 } })],
      ['an unknown metric', 'unknown_metric', () => signed('inv-e2e-1', ++badSeq, { rotor_rpm: 1200 })],
      ['NaN', 'non_finite', nan],
      ['Infinity', 'non_finite', () => `{"v":1,"device":"inv-e2e-1","ts":${Date.now()},"seq":${++badSeq},"readings":{"ac_power_w":1e999}}`],
      // Canonical input only (issue 15): JSON.parse would keep the last of two names, drop a
      // lone surrogate's meaning, hide "__proto__" and replace bad bytes, and the signature
      // (over the parsed message) would still verify.
      ['a duplicate member name', 'duplicate_key', () => signed('inv-e2e-1', ++badSeq, { ac_power_w: 10 }).replace('"readings":{', '"readings":{"ac_power_w":99999,')],
      ['a lone surrogate', 'lone_surrogate', () => signed('inv-e2e-1', ++badSeq, { ac_power_w: 10 }).replace('"readings":{', '"note":"\\ud800","readings":{')],
      ['a "__proto__" member', 'proto_member', () => signed('inv-e2e-1', ++badSeq, { ac_power_w: 10 }).replace('"readings":{', '"readings":{"__proto__":{"ac_power_w":1},')],
      ['bytes that are not UTF-8', 'not_utf8', () => Buffer.concat([Buffer.from(signed('inv-e2e-1', ++badSeq, { ac_power_w: 10 }).slice(0, -1) + ',"x":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')])],
      ['a physically impossible value', 'out_of_range', () => signed('inv-e2e-1', ++badSeq, { heatsink_temp_c: 900 })],
      ['an oversized payload', 'too_large', () => Buffer.alloc(maxPayloadBytes + 1, 0x20)],
      [
        'a bad signature',
        'bad_signature',
        () => {
          const message = JSON.parse(signed('inv-e2e-1', ++badSeq, { ac_power_w: 10 }));
          message.readings.ac_power_w = 10_000;
          return JSON.stringify(message);
        },
      ],
      ['a signature by another device\'s key', 'bad_signature', () => signed('inv-e2e-1', ++badSeq, { ac_power_w: 10 }, { keyOf: 'inv-e2e-2' })],
      ['a replayed sequence', 'replayed_sequence', () => signed('inv-e2e-1', 100, { ac_power_w: 1 })],
      ['a timestamp far in the future', 'clock_skew', () => signed('inv-e2e-1', ++badSeq, { ac_power_w: 1 }, { ts: Date.now() + 24 * 3_600_000 })],
    ];

    it.each(cases)('rejects %s with reason %s, counts it, and keeps serving another device', async (_what, reason, payload) => {
      const before = await counter(METRIC.ingestRejected, { reason });
      const seen = errors.length;
      const answered = new Promise<void>((resolve) => bad.once('message', () => resolve()));
      await bad.publishAsync(topics.telemetry('inv-e2e-1'), payload(), { qos: 1 });
      await answered;
      expect(errors.slice(seen)).toEqual([expect.objectContaining({ reason })]);
      expect(await counter(METRIC.ingestRejected, { reason })).toBe(before + 1);

      const seq = ++goodSeq;
      await good.publishAsync(topics.telemetry('inv-e2e-2'), signed('inv-e2e-2', seq, { ac_power_w: seq }), { qos: 1 });
      const stored = await rows('energy', 'inv-e2e-2');
      expect(stored.at(-1)).toMatchObject({ seq, ac_power_w: seq });
    });

    it('stored none of the rejected messages', async () => {
      const stored = await rows('energy', 'inv-e2e-1');
      expect(stored.map((p) => p.seq)).toEqual([1, 100]);
    });
  });

  async function counter(name: string, labels: Record<string, string>): Promise<number> {
    const metric = metrics.getSingleMetric(name);
    if (!metric) return 0;
    const data = await metric.get();
    return data.values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))?.value ?? 0;
  }
});
