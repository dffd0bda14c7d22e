import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AlertsModule, AlertsService } from '@gridproof/alerts';
import { loadConfig } from '@gridproof/config';
import { CoreModule } from '@gridproof/core';
import { PipelineEvents } from '@gridproof/events';
import { InfluxTelemetryStore } from '@gridproof/influx';
import { METRIC, Registry, createMetricsRegistry } from '@gridproof/metrics';
import { DeviceRegistry, RegistryModule } from '@gridproof/registry';
import { SqlStore } from '@gridproof/store';
import { Cleanups, freePort, sharedInfluxUrl, uniqueName } from '@gridproof/testing';
import { GrafanaFeedsModule } from './grafana-feeds.module';
import { GrafanaFeedsService } from './grafana-feeds.service';

/**
 * The feeds inside a Nest app with the real registry (PGlite), the real alert engine and the
 * real pipeline bus, writing to a real InfluxDB: after start, gp_sites, gp_alerts_open and
 * gp_device_status hold what the registry, the alerts and the broker's events say.
 */
jest.setTimeout(60_000);

const influxUrl = sharedInfluxUrl();

async function influxQuery(db: string, q: string): Promise<Array<Record<string, unknown>>> {
  const res = await fetch(`${influxUrl}/query?${new URLSearchParams({ db, q, epoch: 'ms' })}`);
  const json = (await res.json()) as { results: Array<{ error?: string; series?: Array<{ tags?: Record<string, string>; columns: string[]; values: unknown[][] }> }> };
  if (json.results[0]?.error) throw new Error(json.results[0].error);
  return (json.results[0]?.series ?? []).flatMap((s) => s.values.map((row) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, row[i]])) })));
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startApp(cleanups: Cleanups, influx: { url: string; database: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'gp-feeds-'));
  cleanups.add(() => rmSync(dir, { recursive: true, force: true }));
  const config = loadConfig({ GP_DATA_DIR: dir, INFLUX_URL: influx.url, INFLUX_DATABASE: influx.database });
  const store = await SqlStore.open({ kind: 'pglite', dir: null });
  cleanups.add(() => store.close());
  const alerts = AlertsModule.forRoot({});
  const moduleRef = await Test.createTestingModule({
    imports: [
      CoreModule.forRoot({ config, store, metrics: createMetricsRegistry(false) }),
      RegistryModule,
      alerts,
      GrafanaFeedsModule.register({ imports: [RegistryModule, alerts], alertsIntervalMs: 50, registryIntervalMs: 100, statusFlushMs: 20 }),
    ],
  }).compile();
  const app: INestApplication = moduleRef.createNestApplication({ logger: false });
  app.enableShutdownHooks();
  return { app, registry: () => app.get(DeviceRegistry), alerts: () => app.get(AlertsService), config };
}

describe(GrafanaFeedsService.name, () => {
  describe('with InfluxDB up', () => {
    const cleanups = new Cleanups();
    const db = uniqueName('gp_feeds');
    let ctx: Awaited<ReturnType<typeof startApp>>;

    beforeAll(async () => {
      // The schema the ingest creates at start (policies, continuous queries, gp_meta).
      await new InfluxTelemetryStore({ url: influxUrl, database: db, retention: 'INF', rollupRetention: 'INF', rollupInterval: '5m' }).ensureSchema();
      cleanups.add(() => fetch(`${influxUrl}/query?${new URLSearchParams({ q: `DROP DATABASE "${db}"` })}`, { method: 'POST' }));
      ctx = await startApp(cleanups, { url: influxUrl, database: db });
      const { app } = ctx;
      await app.init();
      cleanups.add(() => app.close());
    });
    afterAll(() => cleanups.run());

    const lastSites = () => influxQuery(db, 'SELECT last("lat") AS "lat", last("lon") AS "lon", last("name") AS "name" FROM "gp_sites" GROUP BY "site"');
    const lastOpen = () => influxQuery(db, 'SELECT last("count") AS "count" FROM "gp_alerts_open" GROUP BY "severity"');
    const lastRows = () => influxQuery(db, 'SELECT last("open") AS "open", "id", "severity", "state", "alertname", "device", "site", "summary", "started_at", "url" FROM "gp_alerts" GROUP BY "fingerprint"');
    const lastStatus = () => influxQuery(db, 'SELECT last("online") AS "online" FROM "gp_device_status" GROUP BY "device", "site", "type", "family"');

    it('writes every site of the registry with its coordinates, and writes a site again when it moves', async () => {
      const registry = ctx.registry();
      await registry.provision({ id: 'feeds-mtr-1', type: 'smart-meter', site: { id: 'feeds-north', name: 'North yard', lat: 52.5, lon: 13.4 }, requireSignature: false });
      await registry.provision({ id: 'feeds-aq-1', type: 'air-quality', site: { id: 'feeds-south', lat: 48.1, lon: 11.6 }, requireSignature: false });
      const sites = await waitFor('both sites in gp_sites', async () => {
        const rows = await lastSites();
        return rows.length === 2 ? rows : undefined;
      });
      expect(sites).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ site: 'feeds-north', lat: 52.5, lon: 13.4, name: 'North yard' }),
          // A site provisioned without a name is named after its id (registry default).
          expect.objectContaining({ site: 'feeds-south', lat: 48.1, lon: 11.6, name: 'feeds-south' }),
        ]),
      );

      await registry.update('feeds-aq-1', { site: { id: 'feeds-south', name: 'South depot', lat: 48.2, lon: 11.7 } });
      await waitFor('the moved site', async () => {
        const south = (await lastSites()).find((r) => r.site === 'feeds-south');
        return south?.lat === 48.2 && south.lon === 11.7 && south.name === 'South depot' ? south : undefined;
      });
    });

    it('counts open alerts per severity, acknowledged included, resolved not, every severity written', async () => {
      const alerts = ctx.alerts();
      const signal = (device: string, severity: 'critical' | 'warning') => ({
        source: 'threshold' as const,
        labels: { alertname: 'FeedsTest', device, severity_hint: severity },
        severity,
        summary: `test alert on ${device}`,
        description: 'raised by the Grafana feeds test',
        evidence: { rule: 'FeedsTest' },
      });
      alerts.engine.fire(signal('feeds-dev-1', 'critical'));
      alerts.engine.fire(signal('feeds-dev-2', 'warning'));
      alerts.engine.fire(signal('feeds-dev-3', 'warning'));
      alerts.engine.fire(signal('feeds-dev-4', 'warning'));
      await alerts.engine.settled();
      const open = alerts.engine.openAlerts();
      const byDevice = (d: string) => open.find((a) => a.labels.device === d)!;
      await alerts.acknowledge(byDevice('feeds-dev-2').id, 'crew-1', null);
      await alerts.resolve(byDevice('feeds-dev-3').id, 'crew-1', null);

      const counts = await waitFor('open alert counts', async () => {
        const rows = await lastOpen();
        const bySeverity = Object.fromEntries(rows.map((r) => [r.severity, r.count]));
        return bySeverity.critical === 1 && bySeverity.warning === 2 ? bySeverity : undefined;
      });
      expect(counts).toEqual({ critical: 1, warning: 2, info: 0 });
    });

    it('writes a row per open alert linked to its console page, and closes the row once the alert resolves', async () => {
      const alerts = ctx.alerts();
      alerts.engine.fire({
        source: 'threshold',
        labels: { alertname: 'FeedsRow', device: 'feeds-row-1', site: 'feeds-north' },
        severity: 'critical',
        summary: 'row test on feeds-row-1',
        description: 'raised by the Grafana feeds test',
        evidence: { rule: 'FeedsRow' },
      });
      await alerts.engine.settled();
      const alert = alerts.engine.openAlerts().find((a) => a.labels.device === 'feeds-row-1')!;
      const rowOf = async () => (await lastRows()).find((r) => r.fingerprint === alert.fingerprint);
      const row = await waitFor('the open alert row', async () => ((await rowOf())?.open === 1 ? rowOf() : undefined));
      expect(row).toMatchObject({
        id: alert.id,
        severity: 'critical',
        state: 'firing',
        alertname: 'FeedsRow',
        device: 'feeds-row-1',
        site: 'feeds-north',
        summary: 'row test on feeds-row-1',
        started_at: alert.startsAt,
        // The console's alert page, on the base the alert's own links use.
        url: `http://${ctx.config.host}:${ctx.config.api.port}/#/alerts/${alert.id}`,
      });
      expect(alert.links.api).toBe(`http://${ctx.config.host}:${ctx.config.api.port}/api/alerts/${alert.id}`);

      await alerts.resolve(alert.id, 'crew-1', 'fixed');
      await waitFor('the row closed', async () => ((await rowOf())?.open === 0 ? true : undefined));
      expect(await rowOf()).toMatchObject({ id: alert.id, state: 'closed' });
    });

    it("writes each PV inverter's registered array power (or the catalogue default) beside its readings, in the gp_meta policy", async () => {
      const registry = ctx.registry();
      await registry.provision({ id: 'feeds-inv-30', type: 'pv-inverter', site: { id: 'feeds-north', lat: 52.5, lon: 13.4 }, metadata: { rated_power_kwp: 30 }, requireSignature: false });
      await registry.provision({ id: 'feeds-inv-default', type: 'pv-inverter', site: { id: 'feeds-north', lat: 52.5, lon: 13.4 }, requireSignature: false });
      const rated = await waitFor('both inverters\' nameplates', async () => {
        const rows = await influxQuery(db, 'SELECT last("rated_power_kwp") AS "rated" FROM "gp_meta"."energy" GROUP BY "device", "type"');
        return rows.length === 2 ? Object.fromEntries(rows.map((r) => [r.device, [r.type, r.rated]])) : undefined;
      });
      expect(rated).toEqual({ 'feeds-inv-30': ['pv-inverter', 30], 'feeds-inv-default': ['pv-inverter', 12] });
      // Devices without nameplate attributes write nothing there.
      expect(await influxQuery(db, 'SELECT count(*) FROM "gp_meta"."environment"')).toEqual([]);
    });

    it("writes each registered device's online flag, following the broker's connectivity events", async () => {
      const registry = ctx.registry();
      const events = ctx.app.get(PipelineEvents);
      await registry.provision({ id: 'feeds-evc-1', type: 'ev-charger', site: { id: 'feeds-north', lat: 52.5, lon: 13.4 }, requireSignature: false });
      const device = { id: 'feeds-evc-1', type: 'ev-charger' as const, family: 'charging' as const, site: 'feeds-north' };
      events.emit('connectivity', { device, online: true, at: Date.now(), cause: 'connect' });

      const rows = await waitFor('the charger online', async () => {
        const all = await lastStatus();
        return all.find((r) => r.device === 'feeds-evc-1')?.online === 1 ? all : undefined;
      });
      expect(rows.find((r) => r.device === 'feeds-evc-1')).toMatchObject({ site: 'feeds-north', type: 'ev-charger', family: 'charging' });
      // Registered but never connected since the start: offline, with its family for the fleet board.
      expect(rows.find((r) => r.device === 'feeds-aq-1')).toMatchObject({ online: 0, site: 'feeds-south', type: 'air-quality', family: 'environment' });

      events.emit('connectivity', { device, online: false, at: Date.now(), cause: 'will' });
      await waitFor('the charger offline', async () => ((await lastStatus()).find((r) => r.device === 'feeds-evc-1')?.online === 0 ? true : undefined));
    });
  });

  describe('with InfluxDB unreachable', () => {
    const cleanups = new Cleanups();
    afterAll(() => cleanups.run());

    it('counts failed writes per feed and keeps the app running', async () => {
      const closedPort = await freePort();
      const ctx = await startApp(cleanups, { url: `http://127.0.0.1:${closedPort}`, database: 'gp_nowhere' });
      await ctx.app.init();
      cleanups.add(() => ctx.app.close());
      await ctx.registry().provision({ id: 'feeds-down-1', type: 'weather', site: { id: 'feeds-down', lat: 1, lon: 2 }, requireSignature: false });
      const metrics = ctx.app.get(Registry);
      const failures = await waitFor('failures of every feed', async () => {
        const values = (await metrics.getSingleMetric(METRIC.grafanaFeedErrors)!.get()).values;
        const byFeed = Object.fromEntries(values.map((v) => [v.labels.feed, v.value]));
        return byFeed.sites && byFeed.alerts_open && byFeed.device_status ? byFeed : undefined;
      });
      expect(failures.alerts_open).toBeGreaterThan(0);
      // Still serving: the registry answers and the feeds keep trying.
      await expect(ctx.registry().get('feeds-down-1')).resolves.toMatchObject({ id: 'feeds-down-1' });
    });
  });
});
