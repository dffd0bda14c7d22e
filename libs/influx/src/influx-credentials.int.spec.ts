import { Cleanups, RecordingProxy, sharedInfluxUrl, startRecordingProxy, uniqueName } from '@gridproof/testing';
import { InfluxRecordReader } from './influx-record-reader';
import { InfluxTelemetryStore } from './influx-telemetry-store';
import { telemetryLine } from './line-protocol';
import { readTypeSeries } from './type-series';

const USERNAME = 'gp-writer';
const PASSWORD = 'pw-Secret-9f3c';

/**
 * Credentials never travel in a URL (they end up in access and proxy logs): every request the
 * adapter makes, reads, writes, schema and ping alike, carries them in the Authorization header
 * (HTTP Basic, RFC 7617) only. A recording proxy in front of the real InfluxDB sees each request.
 */
describe('InfluxDB credentials', () => {
  const cleanups = new Cleanups();
  let proxy: RecordingProxy;
  let store: InfluxTelemetryStore;

  beforeAll(async () => {
    proxy = cleanups.add(() => proxy.close(), await startRecordingProxy(sharedInfluxUrl()));
    store = new InfluxTelemetryStore({ url: proxy.url, database: uniqueName('creds'), username: USERNAME, password: PASSWORD, retention: '90d', rollupRetention: 'INF', rollupInterval: '10m' });
    await store.ensureSchema();
    cleanups.add(() => store.dropDatabase());
  });
  afterAll(() => cleanups.run());

  it('sends them only in the Authorization header, on every kind of request', async () => {
    const ts = Date.now() - 60_000;
    await store.writeLines(telemetryLine('energy', { device: 'meter-cred', site: 'site-1', type: 'smart-meter' }, { v: 1, device: 'meter-cred', ts, seq: 7, readings: { power_w: 12.5 }, sig: null, rx: ts + 3 }));
    expect(await store.ping()).toBe(true);
    expect((await store.lastAccepted('energy', ['meter-cred'])).get('meter-cred')?.seq).toBe(7);
    expect((await new InfluxRecordReader(store).findRecords('meter-cred', { seq: 7 })).map((r) => r.record.readings)).toEqual([{ power_w: 12.5 }]);
    expect((await readTypeSeries(store, 'smart-meter', new Date(ts - 1), new Date(ts + 1))).map((s) => s.device)).toEqual(['meter-cred']);
    await store.execute(`DELETE FROM "energy" WHERE "device" = 'meter-cred'`);

    const kinds = new Set(proxy.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['GET /ping', 'GET /query', 'POST /query', 'POST /write']));
    const basic = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;
    for (const r of proxy.requests) {
      expect({ url: r.url, leaks: r.url.includes(PASSWORD) || /[?&][up]=/.test(r.url) || decodeURIComponent(r.url).includes(PASSWORD) }).toEqual({ url: r.url, leaks: false });
      expect({ url: r.url, authorization: r.headers.authorization }).toEqual({ url: r.url, authorization: basic });
    }
  });
});
