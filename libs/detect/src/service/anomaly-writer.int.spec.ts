import { InfluxTelemetryStore } from '@gridproof/influx';
import { Cleanups, RecordingProxy, sharedInfluxUrl, startRecordingProxy, uniqueName } from '@gridproof/testing';
import type { AnomalyPoint } from './anomaly-writer';
import { lineSinkOf, PointSink, RunnerOptions } from './detection-runner';

const PASSWORD = 'pw-Detect-71ab';

describe(PointSink.name, () => {
  const cleanups = new Cleanups();
  let proxy: RecordingProxy;
  let store: InfluxTelemetryStore;

  beforeAll(async () => {
    proxy = cleanups.add(() => proxy.close(), await startRecordingProxy(sharedInfluxUrl()));
    store = new InfluxTelemetryStore({ url: sharedInfluxUrl(), database: uniqueName('anomaly_creds'), retention: '90d', rollupRetention: 'INF', rollupInterval: '10m' });
    await store.createDatabase();
    cleanups.add(() => store.dropDatabase());
  });
  afterAll(() => cleanups.run());

  it('writes score points with the credentials in the Authorization header, never in the URL', async () => {
    // What the detection thread gets: plain connection settings, from which it builds its own adapter.
    const options: RunnerOptions = { maxStreams: 10, multivariate: false, scoreIntervalMs: 0, influx: { ...store.connection, url: proxy.url, username: 'gp-detect', password: PASSWORD } };
    const problems: string[] = [];
    const sink = new PointSink(options, lineSinkOf(options), (m) => problems.push(m));
    const ts = Date.now() - 10_000;
    const point = (i: number): AnomalyPoint => ({ device: 'meter-a', site: 'site-1', type: 'smart-meter', family: 'energy', detector: 'generic', ts: ts + i, score: 0.5 + i, threshold: 3, isAnomaly: false, topMetric: 'power_w', modelVersion: 'v1' });
    sink.write([point(0), point(1)]);
    await sink.close();

    expect(problems).toEqual([]);
    const [row] = await store.influx.query<{ count: number }>(`SELECT count("score") FROM "anomaly" WHERE "device" = 'meter-a'`);
    expect(row?.count).toBe(2);
    const writes = proxy.requests.filter((r) => r.url.startsWith('/write'));
    expect(writes).toHaveLength(1);
    expect(writes[0].url).not.toContain(PASSWORD);
    expect(writes[0].url).not.toMatch(/[?&][up]=/);
    expect(writes[0].headers.authorization).toBe(`Basic ${Buffer.from(`gp-detect:${PASSWORD}`).toString('base64')}`);
  });
});
