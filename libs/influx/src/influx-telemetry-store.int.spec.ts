import { Cleanups, sharedInfluxUrl, uniqueName } from '@gridproof/testing';
import { FAMILIES } from '@gridproof/telemetry';
import { InfluxTelemetryStore, InfluxWriteError, rollupBackfillQuery, rollupQueryName } from './influx-telemetry-store';
import { telemetryLine } from './line-protocol';
import { META_RETENTION_POLICY, ROLLUP_MIN_POINTS, ROLLUP_RETENTION_POLICY } from './schema';

describe(InfluxTelemetryStore.name, () => {
  const cleanups = new Cleanups();
  let store: InfluxTelemetryStore;

  beforeAll(async () => {
    store = new InfluxTelemetryStore({ url: sharedInfluxUrl(), database: uniqueName('store'), retention: '90d', rollupRetention: 'INF', rollupInterval: '10m' });
    await store.ensureSchema();
    cleanups.add(() => store.dropDatabase());
  });
  afterAll(() => cleanups.run());

  const line = (device: string, seq: number, ts: number, readings: Record<string, number | string>) =>
    telemetryLine('energy', { device, site: 'site-1', type: 'smart-meter' }, { v: 1, device, ts, seq, readings, sig: null, rx: ts + 5 });

  describe('recentReadings', () => {
    it('returns each device\'s last readings in the window, of every family, in time order', async () => {
      const t0 = Math.floor(Date.now() / 1_000) * 1_000 - 3_600_000;
      const lines: string[] = [];
      for (let i = 0; i < 20; i++) {
        lines.push(line('meter-recent', i, t0 + i * 1_000, { power_w: i }));
        lines.push(telemetryLine('charging', { device: 'evc-recent', site: 'site-2', type: 'ev-charger' }, { v: 1, device: 'evc-recent', ts: t0 + i * 1_000 + 500, seq: i, readings: { power_w: 10 * i, status: 'Charging' }, sig: null, rx: 0 }));
      }
      await store.writeLines(lines.join('\n'));
      const recent = await store.recentReadings(t0, t0 + 19_000, 5);
      const meter = recent.filter((r) => r.device === 'meter-recent');
      const evc = recent.filter((r) => r.device === 'evc-recent');
      // The window ends before the meter's last reading (exclusive), so its last five are 14..18.
      expect(meter.map((r) => r.readings.power_w)).toEqual([14, 15, 16, 17, 18]);
      expect(evc.map((r) => r.readings.power_w)).toEqual([140, 150, 160, 170, 180]);
      expect(evc[0]).toMatchObject({ site: 'site-2', type: 'ev-charger', family: 'charging', readings: { status: 'Charging' } });
      expect(recent.map((r) => r.ts)).toEqual([...recent.map((r) => r.ts)].sort((a, b) => a - b));
    });
  });

  describe('anomalyScores', () => {
    it("returns one device's scores in the window, oldest first, of every detector or of the one asked for", async () => {
      const t0 = Math.floor(Date.now() / 1_000) * 1_000 - 1_800_000;
      const score = (device: string, detector: string, ts: number, value: number) =>
        `anomaly,detector=${detector},device=${device},family=energy,site=s1,type=pv-inverter score=${value},threshold=0.9,is_anomaly=${value > 0.9 ? 1 : 0},top_metric="heatsink_temp_c",model_version="v1" ${ts}`;
      await store.writeLines(
        [score('inv-score', 'generic', t0 + 2_000, 0.95), score('inv-score', 'generic', t0, 0.2), score('inv-score', 'multivariate', t0 + 1_000, 0.4), score('inv-other', 'generic', t0, 0.99), score('inv-score', 'generic', t0 + 60_000, 0.1)].join('\n'),
      );
      const all = await store.anomalyScores({ deviceId: 'inv-score', from: t0, to: t0 + 60_000 });
      expect(all.map((p) => [p.ts - t0, p.detector, p.score])).toEqual([
        [0, 'generic', 0.2],
        [1_000, 'multivariate', 0.4],
        [2_000, 'generic', 0.95],
      ]);
      expect(all[2]).toMatchObject({ threshold: 0.9, isAnomaly: true });
      const generic = await store.anomalyScores({ deviceId: 'inv-score', from: t0, to: t0 + 60_001, detector: 'generic' });
      expect(generic.map((p) => p.score)).toEqual([0.2, 0.95, 0.1]);
    });
  });

  describe('ensureSchema', () => {
    it('makes the configured retention the default policy and adds the rollup policy', async () => {
      const policies = await store.influx.showRetentionPolicies();
      expect(policies.find((p) => p.name === 'autogen')).toMatchObject({ duration: '2160h0m0s', default: true });
      expect(policies.find((p) => p.name === ROLLUP_RETENTION_POLICY)).toMatchObject({ duration: '0s', default: false });
    });

    it('creates one downsampling continuous query per family, at the configured interval', async () => {
      const cqs = await store.continuousQueries();
      for (const family of FAMILIES) {
        const cq = cqs.find((c) => c.name === rollupQueryName(family));
        expect(cq?.query).toMatch(/GROUP BY time\(10m\)/);
        expect(cq?.query).toMatch(new RegExp(`INTO .*"?${ROLLUP_RETENTION_POLICY}"?\\."?${family}"?`));
      }
    });

    it('adds the gp_meta policy and the range lengths dashboards read from raw points or from the rollup', async () => {
      const policies = await store.influx.showRetentionPolicies();
      expect(policies.find((p) => p.name === META_RETENTION_POLICY)).toMatchObject({ duration: '0s', default: false });
      const raw = (await store.queryRaw(`SELECT "rp", "from_ms", "to_ms" FROM "${META_RETENTION_POLICY}"."gp_rollup_ranges"`)) as { results: Array<{ series: Array<{ values: unknown[][] }> }> };
      const rows = raw.results[0]!.series[0]!.values.map(([, rp, from, to]) => ({ rp, from, to }));
      // 10m × ROLLUP_MIN_POINTS (4 days) is shorter than the 90 days of raw points.
      const threshold = 600_000 * ROLLUP_MIN_POINTS;
      expect(rows).toEqual([
        { rp: 'autogen', from: 0, to: threshold },
        { rp: 'rollup', from: threshold, to: Number.MAX_SAFE_INTEGER },
      ]);
    });

    it('backfills the rollup over a span with the continuous query\'s own downsampling', async () => {
      const t0 = Math.floor(Date.now() / 600_000) * 600_000 - 3 * 600_000;
      const lines = [0, 1, 2, 3].map((i) => line('sm-rollup', i + 1, t0 + i * 150_000, { power_w: 10 * i, voltage_v: 230 }));
      await store.writeLines(lines.join('\n'));
      await store.execute(rollupBackfillQuery(store.database, 'energy', '10m', t0, t0 + 600_000));
      const raw = (await store.queryRaw(`SELECT "power_w", "voltage_v" FROM "rollup"."energy" WHERE "device" = 'sm-rollup'`)) as { results: Array<{ series: Array<{ values: unknown[][] }> }> };
      expect(raw.results[0]!.series[0]!.values).toEqual([[t0, 15, 230]]);
    });

    it('is idempotent, and a changed interval replaces the continuous queries, leaving other databases alone', async () => {
      const other = new InfluxTelemetryStore({ ...store.connection, database: uniqueName('store_other'), rollupInterval: '30m' });
      await other.ensureSchema();
      cleanups.add(() => other.dropDatabase());
      const changed = new InfluxTelemetryStore({ ...store.connection, rollupInterval: '1h' });
      await changed.ensureSchema();
      await changed.ensureSchema();
      const cqs = (await store.continuousQueries()).filter((c) => c.name.startsWith('gp_rollup_'));
      expect(cqs).toHaveLength(FAMILIES.length);
      expect(cqs.every((c) => /GROUP BY time\(1h\)/.test(c.query))).toBe(true);
      expect((await other.continuousQueries()).every((c) => /GROUP BY time\(30m\)/.test(c.query))).toBe(true);
    });
  });

  describe('writeLines', () => {
    it('stores line protocol and a device query returns it with its readings, seq, rx and tags', async () => {
      const t = Date.now() - 10_000;
      await store.writeLines([line('sm-q-1', 1, t, { power_w: 1.5 }), line('sm-q-1', 2, t + 1, { power_w: 2.5, voltage_v: 230 }), line('sm-q-2', 9, t, { power_w: 9 })].join('\n'));
      const points = await store.telemetry({ deviceId: 'sm-q-1', from: t, to: t + 2 });
      expect(points).toEqual([
        { ts: t, family: 'energy', type: 'smart-meter', site: 'site-1', seq: 1, rx: t + 5, sig: null, readings: { power_w: 1.5 } },
        { ts: t + 1, family: 'energy', type: 'smart-meter', site: 'site-1', seq: 2, rx: t + 6, sig: null, readings: { power_w: 2.5, voltage_v: 230 } },
      ]);
      const onlyVoltage = await store.telemetry({ deviceId: 'sm-q-1', from: t, to: t + 2, metrics: ['voltage_v'] });
      expect(onlyVoltage.map((p) => p.readings)).toEqual([{}, { voltage_v: 230 }]);
    });

    it('keeps one point when the same line is written twice (what makes spool replay exactly-once)', async () => {
      const t = Date.now() - 20_000;
      const body = line('sm-dup-1', 1, t, { power_w: 3 });
      await store.writeLines(body);
      await store.writeLines(body);
      expect(await store.telemetry({ deviceId: 'sm-dup-1', from: t - 1, to: t + 1 })).toHaveLength(1);
    });

    it('reports a line InfluxDB cannot parse as a non-retryable error', async () => {
      const err = await store.writeLines('energy,device=x power_w= 1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InfluxWriteError);
      expect(err).toMatchObject({ retryable: false, status: 400 });
    });

    it('reports an unreachable server as retryable', async () => {
      const nowhere = new InfluxTelemetryStore({ ...store.connection, url: 'http://127.0.0.1:9' }, { writeTimeoutMs: 2_000 });
      await expect(nowhere.writeLines(line('x', 1, 1, { power_w: 1 }))).rejects.toMatchObject({ retryable: true });
      expect(await nowhere.ping()).toBe(false);
    });
  });

  describe('lastAccepted', () => {
    it('returns the seq and ts of the newest stored point of each device in one query', async () => {
      const t = Date.now() - 30_000;
      await store.writeLines([line('sm-last-1', 5, t, { power_w: 1 }), line('sm-last-1', 7, t + 1, { power_w: 1 }), line('sm-last-2', 3, t, { power_w: 1 })].join('\n'));
      const last = await store.lastAccepted('energy', ['sm-last-1', 'sm-last-2', 'sm-last-none']);
      expect([...last.entries()].sort()).toEqual([
        ['sm-last-1', { seq: 7, ts: t + 1, sig: null }],
        ['sm-last-2', { seq: 3, ts: t, sig: null }],
      ]);
    });
  });
});
