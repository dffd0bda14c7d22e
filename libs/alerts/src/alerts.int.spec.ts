import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { stringify } from 'yaml';
import { loadConfig } from '@gridproof/config';
import { CoreModule } from '@gridproof/core';
import type { AcceptedReading, DeviceRef } from '@gridproof/events';
import { PipelineEvents } from '@gridproof/events';
import { createMetricsRegistry } from '@gridproof/metrics';
import { ApiKeys, RegistryModule } from '@gridproof/registry';
import { SqlStore } from '@gridproof/store';
import { Cleanups, freePort, uniqueName } from '@gridproof/testing';
import { createSimulation, fleetFileSchema } from '@gridproof/firmware-sim';
import { AlertsModule } from './alerts.module';
import { AlertsService } from './alerts.service';
import type { Alert, DeliveryRecord } from './model/alert';
import { TestHttpReceiver, TestSmtpServer } from './testing/receivers';

const SMTP_USER = 'alerts';
const SMTP_PASSWORD = 'correct horse battery staple';

async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const charger = (id: string, site: string): DeviceRef => ({ id, type: 'ev-charger', family: 'charging', site });
let seq = 0;
const reading = (device: DeviceRef, ts: number, connectorTempC: number): AcceptedReading => ({
  device,
  record: { v: 1, device: device.id, ts, seq: ++seq, readings: { connector_temp_c: connectorTempC, power_w: 22_000 }, sig: null, rx: Date.now() },
});

describe('AlertsModule (real HTTP and SMTP receivers)', () => {
  const cleanups = new Cleanups();
  let app: INestApplication;
  let alerts: AlertsService;
  let events: PipelineEvents;
  let http: TestHttpReceiver;
  let smtp: TestSmtpServer;
  let keys: { operator: string; crew: string; auditor: string };
  const mqtt: Array<{ topic: string; payload: { status: string; alerts: Array<{ labels: Record<string, string> }> } }> = [];
  let influxUrl: string;
  let influxDb: string;

  /** Waits until the dispatcher flushed `n` more times: quiet periods measured in flushes, not time. */
  const flushes = async (n: number) => {
    const target = alerts.dispatcher.flushes + n;
    // With no aggregation group left nothing more can be sent, so that is quiet enough too.
    await waitFor(`${n} flushes`, () => alerts.dispatcher.flushes >= target || alerts.dispatcher.groupCount() === 0);
    await alerts.idle();
  };
  /** Spreads input over several group intervals (pacing only; nothing asserts on time). */
  const pause = () => new Promise((r) => setTimeout(r, 60));
  const api = () => request(app.getHttpServer());
  const alertOf = async (device: string, alertname: string): Promise<Alert | undefined> => {
    const res = await api().get(`/api/alerts?device=${device}`).set('authorization', `Bearer ${keys.operator}`).expect(200);
    return (res.body as Alert[]).find((a) => a.labels.alertname === alertname);
  };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-alerts-'));
    cleanups.add(() => rmSync(dir, { recursive: true, force: true }));
    http = cleanups.add(() => http.close(), await TestHttpReceiver.start());
    smtp = await TestSmtpServer.start(SMTP_USER, SMTP_PASSWORD);
    cleanups.add(() => smtp.close());
    http.failTimes('/flaky', 2);
    http.hang('/hang');
    const refusedPort = await freePort();

    influxUrl = process.env.GP_TEST_INFLUX_URL!;
    influxDb = uniqueName('alerts');
    await fetch(`${influxUrl}/query?q=${encodeURIComponent(`CREATE DATABASE ${influxDb}`)}`, { method: 'POST' });

    const routing = {
      global: {
        evaluation_interval: '20ms',
        resolve_timeout: '1h',
        delivery: { timeout: '2s', max_attempts: 3, initial_backoff: '50ms', max_backoff: '200ms' },
      },
      sources: { offline: { expected_interval: '1h', site_min_devices: 2 } },
      rules: [
        {
          name: 'ConnectorOverTemp',
          matchers: ['type="ev-charger"'],
          metric: 'connector_temp_c',
          op: '>',
          value: 90,
          for: '200ms',
          clear_for: '200ms',
          severity: 'critical',
          kind: 'connector_overtemp',
        },
        {
          name: 'ConnectorHot',
          matchers: ['type="ev-charger"', 'site="sim-1"'],
          metric: 'connector_temp_c',
          op: '>',
          value: 60,
          for: '2m',
          clear_for: '30m',
          severity: 'warning',
          kind: 'connector_wear',
        },
      ],
      route: {
        receiver: 'crew',
        group_by: ['site', 'alertname'],
        group_wait: '50ms',
        group_interval: '100ms',
        repeat_interval: '1h',
        routes: [
          { matchers: ['site="repeat-site"'], receiver: 'crew', repeat_interval: '200ms' },
          { matchers: ['site="flaky-site"'], receiver: 'flaky' },
        ],
      },
      receivers: [
        {
          name: 'crew',
          webhook_configs: [{ url: `${http.url}/crew` }],
          slack_configs: [{ url: `${http.url}/slack`, channel: '#crew' }],
          email_configs: [{ host: '127.0.0.1', port: smtp.port, auth: { user: SMTP_USER, pass: '${SMTP_PASSWORD}' }, from: 'gridproof@example.net', to: ['crew@example.net'] }],
          mqtt_configs: [{}],
        },
        {
          name: 'flaky',
          webhook_configs: [
            { url: `http://127.0.0.1:${refusedPort}/refused` },
            { url: `${http.url}/flaky` },
            { url: `${http.url}/hang`, timeout: '300ms' },
            { url: `${http.url}/healthy` },
          ],
        },
      ],
      inhibit_rules: [{ source_matchers: ['alertname="SiteOffline"'], target_matchers: ['alertname!="SiteOffline"'], equal: ['site'] }],
    };
    const file = join(dir, 'alerts.yaml');
    writeFileSync(file, stringify(routing));

    const store = await SqlStore.open({ kind: 'pglite', dir: null });
    cleanups.add(() => store.close());
    const config = loadConfig({ GP_DATA_DIR: dir, INFLUX_URL: influxUrl, INFLUX_DATABASE: influxDb, GP_ALERTS_CONFIG: file });
    events = new PipelineEvents((event, err) => {
      throw new Error(`listener of ${event} failed: ${String(err)}`);
    });
    const moduleRef = await Test.createTestingModule({
      imports: [
        CoreModule.forRoot({ config, store, events, metrics: createMetricsRegistry(false) }),
        RegistryModule,
        AlertsModule.forRoot({
          env: { SMTP_PASSWORD },
          publish: (topic, payload) => {
            mqtt.push({ topic, payload: JSON.parse(payload) });
          },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    cleanups.add(() => app.close());
    alerts = app.get(AlertsService);
    const apiKeys = app.get(ApiKeys);
    keys = {
      operator: (await apiKeys.create({ name: 'op-olga', role: 'operator' })).key,
      crew: (await apiKeys.create({ name: 'crew-carl', role: 'crew' })).key,
      auditor: (await apiKeys.create({ name: 'audit-ada', role: 'auditor' })).key,
    };
  });

  afterAll(() => cleanups.run());

  it('sends one notification per receiver for a fault, not one per reading', async () => {
    const evc = charger('evc-1', 'north-1');
    const t0 = Date.now();
    // 100 over-temperature readings, 20 ms apart on the device clock, in bursts across many flushes.
    for (let i = 0; i < 100; i++) {
      events.emit('accepted', [reading(evc, t0 + i * 20, 92 + (i % 7))]);
      if (i % 10 === 9) await pause();
    }
    // And a stream of anomaly events naming the same wear on another device.
    const inv: DeviceRef = { id: 'inv-7', type: 'pv-inverter', family: 'energy', site: 'west-1' };
    for (let i = 0; i < 50; i++) {
      events.emit('anomaly', {
        device: inv,
        ts: t0 + i * 1000,
        score: 0.8 + i / 1000,
        threshold: 0.7,
        detector: 'maintenance',
        modelVersion: 'pv-inverter@3',
        metrics: [{ name: 'heatsink_temp_c', value: 81 + i / 10, contribution: 0.9 }],
        kind: 'inverter_fan',
        timeToFailureMs: 3 * 86_400_000,
      });
      if (i % 10 === 9) await pause();
    }
    await waitFor('both alerts by mail', () => smtp.mails.length >= 2);
    await flushes(15);

    for (const [device, site] of [['evc-1', 'north-1'], ['inv-7', 'west-1']]) {
      expect(http.to('/crew', ['device', device])).toHaveLength(1);
      expect(http.to('/slack').filter((r) => String(r.body.text).includes(`site=${site}`))).toHaveLength(1);
      expect(smtp.mails.filter((m) => m.subject.includes(`site=${site}`))).toHaveLength(1);
      expect(mqtt.filter((m) => m.topic === `gp/v1/sites/${site}/alerts`)).toHaveLength(1);
    }
    const [overTemp] = http.to('/crew', ['device', 'evc-1'])[0].body.alerts as Array<Record<string, unknown>>;
    expect(overTemp).toMatchObject({
      severity: 'critical',
      labels: { alertname: 'ConnectorOverTemp', device: 'evc-1', site: 'north-1', type: 'ev-charger', family: 'charging', kind: 'connector_overtemp' },
      recommendedAction: expect.stringMatching(/connector/),
      links: {
        dashboard: 'http://localhost:3001/d/gridproof-device-ev-charger?var-device=evc-1',
        api: expect.stringMatching(/\/api\/alerts\/[0-9a-f-]{36}$/),
        console: expect.stringMatching(/\/#\/alerts\/[0-9a-f-]{36}$/),
      },
    });
    const [fan] = http.to('/crew', ['device', 'inv-7'])[0].body.alerts as Array<Record<string, unknown>>;
    expect(fan).toMatchObject({ labels: { alertname: 'PredictedFailure', kind: 'inverter_fan' }, timeToFailureMs: 3 * 86_400_000, evidence: { modelVersion: 'pv-inverter@3' } });
    expect(fan.recommendedAction).toMatch(/cooling fan/);
    expect(smtp.mails[0]).toMatchObject({ user: SMTP_USER, to: ['crew@example.net'] });
    expect((await api().get('/api/alerts?device=evc-1').set('authorization', `Bearer ${keys.crew}`).expect(200)).body).toHaveLength(1);
  });

  it('turns a firmware-sim connector-wear fault into one notification per receiver, then a resolve', async () => {
    const fleet = fleetFileSchema.parse({
      name: 'alerts-it',
      seed: 7,
      start: '2025-06-02T00:00:00Z',
      sites: [{ id: 'sim-1', lat: 52.5, lon: 13.4 }],
      devices: [
        { id: 'sim-evc-worn', type: 'ev-charger', site: 'sim-1', intervalS: 60 },
        { id: 'sim-evc-ok', type: 'ev-charger', site: 'sim-1', intervalS: 60 },
      ],
      faults: [{ kind: 'connector-wear', device: 'sim-evc-worn', start: '0s', ramp: '12h' }],
    });
    const sim = createSimulation(fleet);
    const refs = new Map(sim.devices.map((d) => [d.spec.id, charger(d.spec.id, d.spec.site)]));
    // Every reading of the run, in batches of 5 simulated minutes, until 2 h after the trip.
    let batch: AcceptedReading[] = [];
    for (const sample of sim.until(sim.startMs + 2 * 86_400_000)) {
      const record = { v: 1 as const, device: sample.device, ts: sample.ts, seq: ++seq, readings: sample.readings, sig: null, rx: sample.t };
      batch.push({ device: refs.get(sample.device)!, record });
      if (batch.length === 10) {
        events.emit('accepted', batch);
        batch = [];
        await new Promise((r) => setTimeout(r, 15));
      }
      const failedAt = sim.labels()[0].failure;
      if (failedAt !== null && sample.t > failedAt + 2 * 3_600_000) break;
    }
    events.emit('accepted', batch);
    const [failure] = sim.labels();
    expect(failure.failure).not.toBeNull();

    await waitFor('the resolve after the trip', () => http.to('/crew', ['device', 'sim-evc-worn']).find((r) => r.body.status === 'resolved'));
    await flushes(10);
    const notes = http.to('/crew', ['device', 'sim-evc-worn']);
    expect(notes.map((r) => r.body.status)).toEqual(['firing', 'resolved']);
    expect((notes[0].body.alerts as Alert[])[0]).toMatchObject({ labels: { alertname: 'ConnectorHot', kind: 'connector_wear' }, severity: 'warning' });
    expect(smtp.mails.filter((m) => m.raw.includes('sim-evc-worn') && m.subject.includes('FIRING'))).toHaveLength(1);
    expect(mqtt.filter((m) => m.topic === 'gp/v1/sites/sim-1/alerts' && m.payload.status === 'firing')).toHaveLength(1);
    expect(http.to('/crew', ['device', 'sim-evc-ok'])).toHaveLength(0);
  });

  it('resolves an alert once its condition clears, and notifies every receiver', async () => {
    const evc = charger('evc-1', 'north-1');
    const open = (await alertOf('evc-1', 'ConnectorOverTemp'))!;
    const t0 = Date.now() + 10_000;
    for (let i = 0; i < 30; i++) events.emit('accepted', [reading(evc, t0 + i * 20, 45)]);
    const resolved = await waitFor('resolved notification', () =>
      http.to('/crew', ['device', 'evc-1']).find((r) => r.body.status === 'resolved'),
    );
    expect((resolved.body.alerts as Alert[])[0]).toMatchObject({ id: open.id, state: 'resolved' });
    await waitFor('resolved mail', () => smtp.mails.some((m) => m.subject.includes('RESOLVED:1') && m.subject.includes('site=north-1')));
    await waitFor('resolved on MQTT', () => mqtt.some((m) => m.topic === 'gp/v1/sites/north-1/alerts' && m.payload.status === 'resolved'));
    const detail = await api().get(`/api/alerts/${open.id}`).set('authorization', `Bearer ${keys.auditor}`).expect(200);
    expect(detail.body).toMatchObject({ state: 'resolved', resolvedBy: 'system', resolveNote: expect.stringMatching(/clear for/) });
    expect(detail.body.history.map((h: { type: string }) => h.type)).toEqual(['firing', 'resolved']);
    expect(new Set(detail.body.deliveries.filter((d: DeliveryRecord) => d.status === 'ok').map((d: DeliveryRecord) => `${d.receiver}/${d.integration}`))).toEqual(
      new Set(['crew/webhook[0]', 'crew/slack[0]', 'crew/email[0]', 'crew/mqtt[0]']),
    );
  });

  it('writes alert state changes to InfluxDB for Grafana annotations', async () => {
    const q = `SELECT * FROM alert_events WHERE device = 'evc-1'`;
    const rows = await waitFor('annotations in InfluxDB', async () => {
      const res = await fetch(`${influxUrl}/query?db=${influxDb}&q=${encodeURIComponent(q)}`);
      const body = (await res.json()) as { results: Array<{ series?: Array<{ columns: string[]; values: unknown[][] }> }> };
      const series = body.results[0].series?.[0];
      const states = series?.values.map((v) => v[series.columns.indexOf('state')]) ?? [];
      return states.includes('resolved') ? { series: series!, states } : null;
    });
    expect(rows.states).toEqual(['firing', 'resolved']);
    expect(rows.series.columns).toEqual(expect.arrayContaining(['fingerprint', 'title', 'text', 'severity', 'kind', 'site']));
  });

  it('stops repeating an alert once a crew acknowledges it', async () => {
    const evc = charger('evc-2', 'repeat-site');
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) events.emit('accepted', [reading(evc, t0 + i * 20, 95)]);
    await waitFor('two notifications (first + repeat)', () => http.to('/crew', ['device', 'evc-2']).length >= 2);
    const open = (await alertOf('evc-2', 'ConnectorOverTemp'))!;
    const ack = await api()
      .post(`/api/alerts/${open.id}/acknowledge`)
      .set('authorization', `Bearer ${keys.crew}`)
      .send({ note: 'on site in 20 minutes' })
      .expect(201);
    expect(ack.body).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'crew-carl', ackNote: 'on site in 20 minutes' });
    await alerts.idle();
    const before = http.to('/crew', ['device', 'evc-2']).length;
    // The fault goes on (more readings) for many repeat intervals' worth of flushes.
    for (let i = 20; i < 40; i++) events.emit('accepted', [reading(evc, t0 + i * 20, 97)]);
    await flushes(25);
    expect(http.to('/crew', ['device', 'evc-2'])).toHaveLength(before);
    await api().post(`/api/alerts/${open.id}/acknowledge`).set('authorization', `Bearer ${keys.crew}`).send({}).expect(409);
    await api().post(`/api/alerts/${open.id}/acknowledge`).set('authorization', `Bearer ${keys.auditor}`).send({}).expect(403);
  });

  it('shows a site-scoped crew key only its sites\' alerts, and 404s the others\' (list, show, acknowledge, resolve)', async () => {
    const t0 = Date.now();
    for (const [id, site] of [['evc-scope-1', 'scope-north'], ['evc-scope-2', 'scope-south']] as const) {
      for (let i = 0; i < 20; i++) events.emit('accepted', [reading(charger(id, site), t0 + i * 20, 95)]);
    }
    await waitFor('both alerts', async () => Boolean((await alertOf('evc-scope-1', 'ConnectorOverTemp')) && (await alertOf('evc-scope-2', 'ConnectorOverTemp'))));
    const north = (await alertOf('evc-scope-1', 'ConnectorOverTemp'))!;
    const south = (await alertOf('evc-scope-2', 'ConnectorOverTemp'))!;
    const scoped = (await app.get(ApiKeys).create({ name: 'crew-north', role: 'crew', sites: ['scope-north'] })).key;
    const as = (req: ReturnType<ReturnType<typeof api>['get']>) => req.set('authorization', `Bearer ${scoped}`);

    const listed = await as(api().get('/api/alerts?limit=1000')).expect(200);
    const ids = (listed.body as Alert[]).map((a) => a.id);
    expect(ids).toContain(north.id);
    expect(ids).not.toContain(south.id);
    expect((listed.body as Alert[]).every((a) => a.labels.site === 'scope-north')).toBe(true);
    expect((await as(api().get('/api/alerts?site=scope-south')).expect(200)).body).toEqual([]);
    await as(api().get(`/api/alerts/${south.id}`)).expect(404);
    await api().post(`/api/alerts/${south.id}/acknowledge`).set('authorization', `Bearer ${scoped}`).send({}).expect(404);
    await api().post(`/api/alerts/${south.id}/resolve`).set('authorization', `Bearer ${scoped}`).send({}).expect(404);
    await as(api().get(`/api/alerts/${north.id}`)).expect(200);
    const ack = await api().post(`/api/alerts/${north.id}/acknowledge`).set('authorization', `Bearer ${scoped}`).send({ note: 'mine' }).expect(201);
    expect(ack.body).toMatchObject({ acknowledgedBy: 'crew-north' });
    // The fleet-wide crew key still sees both.
    const all = (await api().get('/api/alerts?limit=1000').set('authorization', `Bearer ${keys.crew}`).expect(200)).body as Alert[];
    expect(all.map((a) => a.id)).toEqual(expect.arrayContaining([north.id, south.id]));
  });

  it('lets an operator silence anything and a crew only its own sites (a site="…" matcher), never an auditor', async () => {
    const body = { matchers: ['site="north-9"'], duration: '1h', comment: 'feeder works' };
    await api().post('/api/silences').set('authorization', `Bearer ${keys.auditor}`).send(body).expect(403);
    await api().post('/api/silences').send(body).expect(401);
    const created = await api().post('/api/silences').set('authorization', `Bearer ${keys.operator}`).send(body).expect(201);
    expect(created.body).toMatchObject({ createdBy: 'op-olga', comment: 'feeder works', matchers: [{ name: 'site', op: '=', value: 'north-9' }] });
    await api()
      .post('/api/silences')
      .set('authorization', `Bearer ${keys.operator}`)
      .send({ matchers: ['site=~".*"'], duration: '1h', comment: 'everything' })
      .expect(400);

    // A crew silence must be pinned to a site: without site="…" it could mute the whole fleet.
    const fleetWide = await api().post('/api/silences').set('authorization', `Bearer ${keys.crew}`).send({ matchers: ['alertname="DeviceOffline"'], duration: '1h', comment: 'x' }).expect(403);
    expect(fleetWide.body.message).toMatch(/site=/);
    await api().post('/api/silences').set('authorization', `Bearer ${keys.crew}`).send({ matchers: ['site=~"north-.*"'], duration: '1h', comment: 'x' }).expect(403);

    const scoped = (await app.get(ApiKeys).create({ name: 'crew-west', role: 'crew', sites: ['scope-west'] })).key;
    const as = (req: ReturnType<ReturnType<typeof api>['get']>) => req.set('authorization', `Bearer ${scoped}`);
    const foreign = await as(api().post('/api/silences')).send(body).expect(403);
    expect(foreign.body.message).toMatch(/north-9/);
    // Two site matchers: both must be the crew's own.
    await as(api().post('/api/silences')).send({ matchers: ['site="scope-west"', 'site="north-9"'], duration: '1h', comment: 'x' }).expect(403);
    const own = await as(api().post('/api/silences'))
      .send({ matchers: ['site="scope-west"', 'device="evc-w1"'], duration: '2h', comment: 'connector swap' })
      .expect(201);
    expect(own.body).toMatchObject({ createdBy: 'crew-west' });

    // It lists the silences that reach its site (its own), not another site's.
    const listed = ((await as(api().get('/api/silences')).expect(200)).body as Array<{ id: string }>).map((x) => x.id);
    expect(listed).toContain(own.body.id);
    expect(listed).not.toContain(created.body.id);
    // It may expire its own site's silence, not another site's.
    await as(api().delete(`/api/silences/${created.body.id}`)).expect(403);
    await as(api().delete(`/api/silences/${own.body.id}`)).expect(200);
  });

  it('holds back notifications for silenced alerts until the silence is expired', async () => {
    const created = await api()
      .post('/api/silences')
      .set('authorization', `Bearer ${keys.operator}`)
      .send({ matchers: ['device="evc-3"'], duration: '1h', comment: 'connector swap in progress' })
      .expect(201);
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) {
      events.emit('accepted', [reading(charger('evc-3', 'south-1'), t0 + i * 20, 95), reading(charger('evc-4', 'south-1'), t0 + i * 20, 95)]);
    }
    await waitFor('the unsilenced charger is notified', () => http.to('/crew', ['device', 'evc-4']).length === 1);
    await flushes(15);
    expect(http.to('/crew', ['device', 'evc-3'])).toHaveLength(0);
    expect(smtp.mails.filter((m) => m.raw.includes('evc-3'))).toHaveLength(0);
    expect(((await alertOf('evc-3', 'ConnectorOverTemp')) as Alert & { mutedBy: string }).mutedBy).toBe(`silence:${created.body.id}`);

    await api().delete(`/api/silences/${created.body.id}`).set('authorization', `Bearer ${keys.operator}`).expect(200);
    await waitFor('notified after the silence expired', () => http.to('/crew', ['device', 'evc-3']).length === 1);
  });

  it('holds back device alerts at a site that is offline, and sends the site alert', async () => {
    const devices = [charger('evc-5', 'east-1'), charger('evc-6', 'east-1')];
    events.emit('accepted', devices.map((d, i) => reading(d, Date.now() + i, 40)));
    for (const device of devices) events.emit('connectivity', { device, online: false, at: Date.now(), cause: 'will' });
    const site = await waitFor('SiteOffline notification', () => http.to('/crew', ['alertname', 'SiteOffline']).find((r) => (r.body.groupLabels as Record<string, string>).site === 'east-1'));
    expect(site.body.status).toBe('firing');
    await flushes(15);
    expect(http.to('/crew', ['alertname', 'DeviceOffline']).filter((r) => (r.body.commonLabels as Record<string, string>).site === 'east-1')).toHaveLength(0);
    const offline = (await alertOf('evc-5', 'DeviceOffline'))!;
    expect(offline).toMatchObject({ state: 'firing', mutedBy: expect.stringMatching(/^inhibited:/), recommendedAction: expect.stringMatching(/power/) });
  });

  it('retries a receiver that is down without delaying the other receivers', async () => {
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) events.emit('accepted', [reading(charger('evc-7', 'flaky-site'), t0 + i * 20, 95)]);
    const healthy = await waitFor('the healthy receiver', () => http.to('/healthy', ['device', 'evc-7'])[0]);
    // The slow receiver was still holding its first request when the healthy one got the alert.
    const hangStarted = http.to('/hang', ['device', 'evc-7'])[0];
    expect(hangStarted).toBeDefined();
    expect(http.openHangingRequests()).toBeGreaterThan(0);
    expect(healthy.body.status).toBe('firing');

    const alert = (await alertOf('evc-7', 'ConnectorOverTemp'))!;
    const log = await waitFor('every integration settled', async () => {
      await alerts.idle();
      const d = (await api().get(`/api/alerts/${alert.id}`).set('authorization', `Bearer ${keys.operator}`).expect(200)).body.deliveries as DeliveryRecord[];
      const final = (name: string) => d.some((x) => x.integration === name && (x.status === 'ok' || x.status === 'gave_up'));
      return ['webhook[0]', 'webhook[1]', 'webhook[2]', 'webhook[3]'].every(final) ? d : null;
    });
    const attempts = (name: string) => log.filter((d) => d.integration === name).map((d) => `${d.attempt}:${d.status}`);
    expect(attempts('webhook[0]')).toEqual(['1:failed', '2:failed', '3:gave_up']);
    expect(log.find((d) => d.integration === 'webhook[0]')!.error).toMatch(/ECONNREFUSED/);
    expect(attempts('webhook[1]')).toEqual(['1:failed', '2:failed', '3:ok']);
    expect(log.find((d) => d.integration === 'webhook[1]')!.error).toMatch(/HTTP 500/);
    expect(attempts('webhook[2]')).toEqual(['1:failed', '2:failed', '3:gave_up']);
    expect(log.find((d) => d.integration === 'webhook[2]')!.error).toMatch(/timed out/);
    expect(attempts('webhook[3]')).toEqual(['1:ok']);
    const metrics = await app.get(CoreModuleRegistry).metrics();
    expect(metrics).toMatch(/gridproof_alert_notifications_total\{receiver="flaky",integration="webhook\[0\]",status="gave_up"\} 1/);
  });
});

describe('AlertsModule start-up', () => {
  it('refuses to start with a routing file that names an unknown receiver, naming the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-alerts-bad-'));
    try {
      const file = join(dir, 'alerts.yaml');
      writeFileSync(file, stringify({ route: { receiver: 'crew', routes: [{ matchers: ['severity="critical"'], receiver: 'pager' }] }, receivers: [{ name: 'crew', log_configs: [{}] }] }));
      const store = await SqlStore.open({ kind: 'pglite', dir: null });
      try {
        const config = loadConfig({ GP_DATA_DIR: dir, GP_ALERTS_CONFIG: file });
        const start = async () => {
          const moduleRef = await Test.createTestingModule({ imports: [CoreModule.forRoot({ config, store, metrics: createMetricsRegistry(false) }), RegistryModule, AlertsModule.forRoot({ env: {} })] }).compile();
          await moduleRef.createNestApplication({ logger: false }).init();
        };
        await expect(start()).rejects.toThrow(`Invalid alerts config ${file}:\n  - route.routes.0.receiver: unknown receiver "pager" (defined: crew)`);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The Prometheus registry CoreModule provides (prom-client's Registry class is its token).
import { Registry as CoreModuleRegistry } from '@gridproof/metrics';
