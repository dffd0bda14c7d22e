import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { loadConfig } from '@gridproof/config';
import { CoreModule } from '@gridproof/core';
import { InfluxTelemetryStore } from '@gridproof/influx';
import { ApiKeys, DeviceRegistry } from '@gridproof/registry';
import { SqlStore } from '@gridproof/store';
import { Cleanups, sharedInfluxUrl, uniqueName } from '@gridproof/testing';
import { generateDeviceKeyPair, privateKeyFromBase64, signMessage } from '@gridproof/telemetry';
import { IngestModule } from './ingest.module';
import { IngestPipeline } from './ingest-pipeline';
import { TELEMETRY_SINK, type TelemetrySink } from './telemetry-sink';
import { tempSpoolDir } from './testing/ingest-test-kit';

describe(IngestModule.name, () => {
  const cleanups = new Cleanups();
  let app: INestApplication;
  let url: string;
  const keys: Record<string, string> = {};
  const device = { id: 'inv-api-1', keys: generateDeviceKeyPair() };
  const t0 = Date.now() - 60_000;

  beforeAll(async () => {
    const dir = tempSpoolDir();
    cleanups.add(() => dir.remove());
    const config = loadConfig({ GP_DATA_DIR: dir.dir, INFLUX_URL: sharedInfluxUrl(), INFLUX_DATABASE: uniqueName('ingest_api'), GP_INGEST_VERIFY_THREADS: '1' });
    const store = await SqlStore.open({ kind: 'pglite', dir: null });
    cleanups.add(() => store.close());
    const moduleRef = await Test.createTestingModule({ imports: [CoreModule.forRoot({ config, store }), IngestModule.register()] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.enableShutdownHooks();
    await app.listen(0, '127.0.0.1');
    cleanups.add(() => app.get(InfluxTelemetryStore).dropDatabase());
    cleanups.add(() => app.close());
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;

    const apiKeys = app.get(ApiKeys);
    keys.admin = (await apiKeys.ensureFirstAdminKey())!.key;
    for (const role of ['operator', 'crew', 'auditor'] as const) keys[role] = (await apiKeys.create({ name: role, role })).key;
    await app.get(DeviceRegistry).provision({ id: device.id, type: 'pv-inverter', site: { id: 'roof-1', lat: 48.2, lon: 16.37 }, publicKey: device.keys.publicKey });

    const sink = app.get<TelemetrySink>(TELEMETRY_SINK);
    const registered = (await app.get(DeviceRegistry).find(device.id))!;
    for (const seq of [1, 2, 3]) {
      const message = signMessage({ v: 1 as const, device: device.id, ts: t0 + seq * 1000, seq, readings: { ac_power_w: seq * 100, heatsink_temp_c: 40 + seq } }, privateKeyFromBase64(device.keys.privateKey));
      expect((await sink.submit(registered, Buffer.from(JSON.stringify(message)), Date.now())).accepted).toBe(true);
    }
  });
  afterAll(() => cleanups.run());

  const get = async (path: string, key?: string) => {
    const res = await fetch(`${url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('provides the pipeline as the broker’s TELEMETRY_SINK', () => {
    expect(app.get(TELEMETRY_SINK)).toBe(app.get(IngestPipeline));
  });

  it.each(['operator', 'crew', 'auditor', 'admin'])("serves a device's telemetry for a time range to the %s role", async (role) => {
    const res = await get(`/api/devices/${device.id}/telemetry?from=${t0}&to=${new Date(t0 + 2_500).toISOString()}&metrics=ac_power_w`, keys[role]);
    expect(res.status).toBe(200);
    expect(res.body.points).toEqual([
      expect.objectContaining({ ts: t0 + 1000, seq: 1, family: 'energy', site: 'roof-1', readings: { ac_power_w: 100 } }),
      expect.objectContaining({ ts: t0 + 2000, seq: 2, readings: { ac_power_w: 200 } }),
    ]);
  });

  it("serves a site-scoped crew key its own sites' telemetry only (404 for another site's device)", async () => {
    const apiKeys = app.get(ApiKeys);
    const here = (await apiKeys.create({ name: 'roof crew', role: 'crew', sites: ['roof-1'] })).key;
    const elsewhere = (await apiKeys.create({ name: 'cellar crew', role: 'crew', sites: ['cellar-9'] })).key;
    expect((await get(`/api/devices/${device.id}/telemetry?from=${t0}`, here)).status).toBe(200);
    expect((await get(`/api/devices/${device.id}/telemetry?from=${t0}`, elsewhere)).status).toBe(404);
  });

  it('answers 401 without an API key', async () => {
    expect((await get(`/api/devices/${device.id}/telemetry`)).status).toBe(401);
  });

  it('answers 404 for an unknown device and 400 for a bad range or metric list', async () => {
    expect((await get('/api/devices/nobody-here/telemetry', keys.crew)).status).toBe(404);
    expect((await get(`/api/devices/${device.id}/telemetry?from=200&to=100`, keys.crew)).status).toBe(400);
    expect((await get(`/api/devices/${device.id}/telemetry?metrics=a;drop`, keys.crew)).status).toBe(400);
  });

  it('contributes its health', () => {
    expect(app.get(IngestPipeline).health()).toMatchObject({ status: 'up', influx: 'up', spoolFull: false });
  });
});
