import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxDB } from 'influx';
import { startBroker } from '@gridproof/broker';
import { loadConfig } from '@gridproof/config';
import { PipelineEvents } from '@gridproof/events';
import { InfluxTelemetryStore } from '@gridproof/influx';
import { IngestPipeline } from '@gridproof/ingest';
import { createMetricsRegistry } from '@gridproof/metrics';
import { DeviceRegistry, REGISTRY_MIGRATIONS } from '@gridproof/registry';
import { SqlStore } from '@gridproof/store';
import { Cleanups, sharedInfluxUrl, uniqueName } from '@gridproof/testing';
import { parseFleet, startFleet } from '..';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

const FLEET = parseFleet(`
name: thousand
defaults: { intervalS: 60 }
generateSites: { count: 100, center: { lat: 47.99, lon: 7.85 }, radiusKm: 15 }
groups:
  - { type: smart-meter, count: 400, idPrefix: m- }
  - { type: pv-inverter, count: 200, idPrefix: inv- }
  - { type: battery, count: 100, idPrefix: bat- }
  - { type: ev-charger, count: 100, idPrefix: evc- }
  - { type: air-quality, count: 100, idPrefix: aq- }
  - { type: weather, count: 100, idPrefix: wx- }
`);

describe('a 1,000-device fleet through the real GridProof pipeline', () => {
  const cleanups = new Cleanups();
  afterAll(() => cleanups.run(), 60_000);

  it('provisions, connects and publishes signed readings that land in InfluxDB exactly once', async () => {
    const database = uniqueName('sim_fleet');
    const dataDir = mkdtempSync(join(tmpdir(), 'gp-sim-1000-'));
    cleanups.add(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = loadConfig({
      INFLUX_URL: sharedInfluxUrl(),
      INFLUX_DATABASE: database,
      GP_DATA_DIR: dataDir,
      GP_MQTT_PORT: '0',
      GP_MQTT_WS_PORT: '0',
      GP_INGEST_FLUSH_MS: '20',
    });
    const sql = await SqlStore.open({ kind: 'pglite', dir: null });
    cleanups.add(() => sql.close());
    await sql.migrate(REGISTRY_MIGRATIONS);
    const registry = new DeviceRegistry(sql, { logger: quiet });
    cleanups.add(() => registry.close());
    const store = new InfluxTelemetryStore({ ...config.influx, url: sharedInfluxUrl() }, { writeTimeoutMs: 10_000 });
    cleanups.add(() => store.dropDatabase());
    const events = new PipelineEvents();
    const rejected: string[] = [];
    // A QoS 1 redelivery (`duplicate`) is harmless and expected on a busy machine (docs/integrators.md);
    // the count below proves every reading is stored once. Anything else is a real rejection.
    events.on('rejected', (r) => {
      if (r.reason !== 'duplicate') rejected.push(`${r.deviceId}: ${r.reason}`);
    });
    const pipeline = await IngestPipeline.start({ config, store, events, metrics: createMetricsRegistry(false), logger: quiet, statsIntervalMs: 0 });
    cleanups.add(() => pipeline.close());
    const broker = await startBroker({ config, directory: registry, sink: pipeline, events, metrics: createMetricsRegistry(false), logger: quiet });
    cleanups.add(() => broker.close());

    const fleet = startFleet({
      fleet: FLEET,
      brokerUrl: `mqtt://127.0.0.1:${broker.ports.tcp}`,
      // In-process provisioning: the registry itself, no HTTP.
      provision: async (req) => (await registry.provision(req)).credentials,
      statePath: join(dataDir, 'sim-state.json'),
      seed: 1,
      speed: 60,
      start: Date.now() - 3_600_000,
      provisionConcurrency: 16,
      connectRatePerS: 1000,
    });
    cleanups.add(() => fleet.stop());
    const t0 = Date.now();
    await fleet.ready;
    const provisionedMs = Date.now() - t0;
    const deadline = Date.now() + 180_000;
    while (!(fleet.stats().connected === 1000 && fleet.stats().acked >= 3000)) {
      if (Date.now() > deadline) throw new Error(`fleet did not get going (provisioned in ${provisionedMs} ms): ${JSON.stringify(fleet.stats())}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await fleet.stop({ drainMs: 60_000 });
    const s = fleet.stats();
    expect(s.buffered).toBe(0);
    expect(rejected).toEqual([]);
    expect(broker.onlineDevices().length).toBe(0);

    const influx = new InfluxDB(`${sharedInfluxUrl()}/${database}`);
    const counted = new Map<string, number>();
    for (const measurement of ['energy', 'charging', 'environment']) {
      const rows = await influx.query<{ device: string; count: number }>(`SELECT count("seq") AS "count" FROM "${measurement}" GROUP BY "device"`);
      for (const row of rows) counted.set(row.device, (counted.get(row.device) ?? 0) + row.count);
    }
    expect(counted.size).toBe(1000);
    const total = [...counted.values()].reduce((a, b) => a + b, 0);
    // Every acknowledged reading is in InfluxDB, once (QoS 1 redeliveries are deduplicated).
    expect(total).toBe(s.acked);
    expect(s.acked).toBe(s.generated);
    // 1,000 scrypt hashes to provision and 1,000 to authenticate dominate: ≈25 s alone, more on a busy CI.
  }, 240_000);
});
