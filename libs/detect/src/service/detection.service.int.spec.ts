import { Test } from '@nestjs/testing';
import { loadConfig } from '@gridproof/config';
import { CoreModule } from '@gridproof/core';
import { AnomalyEvent, PipelineEvents } from '@gridproof/events';
import { createMetricsRegistry, Registry } from '@gridproof/metrics';
import { SqlStore } from '@gridproof/store';
import { sharedInfluxUrl, uniqueName } from '@gridproof/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulation, parseFleet } from '@gridproof/firmware-sim';
import { cleanSeries, gaussian, mulberry32, withSpikes } from '../generic/synthetic';
import { WARMUP_READINGS } from '../generic/stream-detector';
import { ALARM_RULES_FILE } from '../train/alarm-rules-file';
import { ModelStore } from '../models/model-store';
import { publishUntrainedWeatherModel } from '../models/testing/untrained-model';
import { loadTf } from '../models/tf-runtime';
import { numericMetrics } from '@gridproof/telemetry';
import { AnomalyRepository } from './anomaly.repository';
import { DetectModule } from './detect.module';
import { DetectionService } from './detection.service';
import type { TelemetryHistory } from './warm-start';
import { InfluxTelemetryStore, telemetryLine } from '@gridproof/influx';

// Every behaviour holds with the detectors in a worker thread (the default) and inline.
describe.each([
  ['in a worker thread', 'true'],
  ['inline', 'false'],
])(`${DetectionService.name} %s`, (_mode, thread) => {
  interface Harness {
    service: DetectionService;
    events: PipelineEvents;
    /** Every anomaly event on the bus, in order. */
    seen: AnomalyEvent[];
    store: SqlStore;
    metrics: Registry;
  }

  /** DetectModule on a fresh PGlite and models directory (with alarm-rules.json when `rules` is given), torn down after `body`. */
  async function withService(
    options: { rules?: object; env?: Record<string, string>; models?: (dir: string) => Promise<void>; history?: TelemetryHistory },
    body: (h: Harness) => Promise<void>,
  ): Promise<void> {
    const modelsDir = await mkdtemp(join(tmpdir(), 'gp-detect-'));
    if (options.rules) await writeFile(join(modelsDir, ALARM_RULES_FILE), JSON.stringify(options.rules));
    await options.models?.(modelsDir);
    const store = await SqlStore.open({ kind: 'pglite', dir: null });
    const events = new PipelineEvents();
    const metrics = createMetricsRegistry(false);
    const config = loadConfig({ GP_MODELS_DIR: modelsDir, GP_DETECT_THREAD: thread, ...options.env });
    const HISTORY = Symbol('history');
    const historyModule = { module: class HistoryHolder {}, providers: [{ provide: HISTORY, useValue: options.history }], exports: [HISTORY] };
    const detect = options.history ? DetectModule.register({ imports: [historyModule], history: HISTORY }) : DetectModule;
    const moduleRef = await Test.createTestingModule({
      imports: [CoreModule.forRoot({ config, store, events, metrics }), detect],
    }).compile();
    await moduleRef.init();
    try {
      const seen: AnomalyEvent[] = [];
      events.on('anomaly', (e) => seen.push(e));
      await body({ service: moduleRef.get(DetectionService), events, seen, store, metrics });
    } finally {
      await moduleRef.close();
      await store.close();
      await rm(modelsDir, { recursive: true, force: true });
    }
  }

  it('scores accepted readings off the ingest path and records a spike as an anomaly in InfluxDB, SQL and on the bus', async () => {
    const influx = sharedInfluxUrl();
    const database = uniqueName('detect');
    await fetch(`${influx}/query?q=${encodeURIComponent(`CREATE DATABASE ${database}`)}`, { method: 'POST' });
    await withService({ env: { INFLUX_URL: influx, INFLUX_DATABASE: database } }, async ({ service, events, seen, store }) => {
      const series = withSpikes(cleanSeries({ seed: 11, length: 600, daily: 0, weekly: 0, noise: 1 }), [500], 40);
      const device = { id: 'meter-1', type: 'smart-meter' as const, family: 'energy' as const, site: 'site-a' };
      series.ts.forEach((ts, i) => {
        // The listener only queues: emitting returns before anything is scored.
        events.emit('accepted', [{ device, record: { v: 1, device: device.id, ts, seq: i, readings: { power_w: series.values[i], voltage_v: 230 + (i % 7) * 0.1 }, sig: null, rx: ts } }]);
      });
      await service.idle();

      expect(seen.map((e) => e.ts)).toContain(series.ts[500]);
      const spike = seen.find((e) => e.ts === series.ts[500])!;
      expect(spike.detector).toBe('generic');
      expect(spike.metrics[0].name).toBe('power_w');

      const stored = await new AnomalyRepository(store).recent(device.id);
      expect(stored.map((s) => new Date(s.ts).getTime())).toContain(series.ts[500]);

      const res = await fetch(`${influx}/query?db=${database}&epoch=ms&q=${encodeURIComponent(`SELECT count(score) FROM anomaly WHERE device='meter-1'`)}`);
      const body = (await res.json()) as { results: Array<{ series?: Array<{ values: number[][] }> }> };
      expect(body.results[0].series?.[0].values[0][1]).toBe(600);
    });
  });

  it('replays the stored readings at start (warm start): a spike right after a restart is alerted, which a cold start would not', async () => {
    const history = new InfluxTelemetryStore({ url: sharedInfluxUrl(), database: uniqueName('detect_warm'), retention: '90d', rollupRetention: 'INF', rollupInterval: '10m' });
    await history.ensureSchema();
    // The device's last 50 minutes before the restart, every 10 s, stored as ingest stores them.
    const now = Date.now();
    const before = cleanSeries({ seed: 21, length: 300, intervalMs: 10_000, start: now - 300 * 10_000, daily: 0, weekly: 0, noise: 1 });
    const device = { id: 'meter-warm', type: 'smart-meter' as const, family: 'energy' as const, site: 'site-w' };
    const lines = before.ts.map((ts, i) => telemetryLine('energy', { device: device.id, site: device.site, type: device.type }, { v: 1, device: device.id, ts, seq: i, readings: { power_w: before.values[i] }, sig: null, rx: ts }));
    await history.writeLines(lines.join('\n'));
    // The first reading after the restart is a spike.
    const spike = (i: number) => ({ device, record: { v: 1 as const, device: device.id, ts: now + i * 10_000, seq: 300 + i, readings: { power_w: 100 + (i ? 0 : 40) }, sig: null, rx: now } });
    for (const warm of [true, false]) {
      await withService({ env: { GP_DETECT_WARM_START_READINGS: '250' }, history: warm ? history : undefined }, async ({ service, events, seen }) => {
        await service.warmedUp();
        events.emit('accepted', [spike(0), spike(1)]);
        await service.idle();
        const alarms = seen.filter((e) => e.device.id === device.id && e.detector === 'generic');
        if (warm) {
          expect(alarms.map((e) => e.ts)).toEqual([now]);
        } else {
          // Cold, the stream is in its warm-up (WARMUP_READINGS) and raises nothing.
          expect(alarms).toHaveLength(0);
        }
      });
    }
    await history.dropDatabase();
  });

  it('starts cold, and says so, when the stored telemetry cannot be read', async () => {
    const broken: TelemetryHistory = { recentReadings: () => Promise.reject(new Error('connection refused')) };
    await withService({ history: broken }, async ({ service, events, seen, metrics }) => {
      await service.warmedUp();
      const device = { id: 'meter-cold', type: 'smart-meter' as const, family: 'energy' as const, site: 'site-c' };
      events.emit('accepted', [{ device, record: { v: 1, device: device.id, ts: Date.now(), seq: 0, readings: { power_w: 1 }, sig: null, rx: Date.now() } }]);
      await service.idle();
      expect(seen).toHaveLength(0);
      expect(await metrics.metrics()).toMatch(/^gridproof_detect_errors_total\{what="influx"\} 1$/m);
    });
  });

  it('writes one generic score point per device and minute of device time (the highest), and every alarm', async () => {
    const influx = sharedInfluxUrl();
    const database = uniqueName('detect_thin');
    await fetch(`${influx}/query?q=${encodeURIComponent(`CREATE DATABASE ${database}`)}`, { method: 'POST' });
    await withService({ env: { INFLUX_URL: influx, INFLUX_DATABASE: database } }, async ({ service, events, seen }) => {
      // One reading every 5 s for 50 minutes, a spike at 2,000 (past the warm-up).
      const series = withSpikes(cleanSeries({ seed: 14, length: 600 * 6, intervalMs: 5_000, daily: 0, weekly: 0, noise: 1 }), [3000], 40);
      const device = { id: 'meter-thin', type: 'smart-meter' as const, family: 'energy' as const, site: 'site-a' };
      series.ts.forEach((ts, i) => {
        events.emit('accepted', [{ device, record: { v: 1, device: device.id, ts, seq: i, readings: { power_w: series.values[i] }, sig: null, rx: ts } }]);
      });
      await service.idle();
      const alarms = seen.filter((e) => e.detector === 'generic').length;
      expect(alarms).toBeGreaterThan(0);
      const res = await fetch(`${influx}/query?db=${database}&epoch=ms&q=${encodeURIComponent(`SELECT count(score) FROM anomaly WHERE device='meter-thin'`)}`);
      const body = (await res.json()) as { results: Array<{ series?: Array<{ values: number[][] }> }> };
      const minutes = new Set(series.ts.map((ts) => Math.floor(ts / 60_000))).size;
      const points = body.results[0].series?.[0].values[0][1] ?? 0;
      // One per minute (each the minute's highest score), plus the alarm readings written as they
      // happen: far fewer than one per reading (12 per minute).
      expect(points).toBeGreaterThanOrEqual(minutes);
      expect(points).toBeLessThan(series.ts.length / 4);
      const max = await fetch(`${influx}/query?db=${database}&epoch=ms&q=${encodeURIComponent(`SELECT max(score) FROM anomaly WHERE device='meter-thin' AND time >= ${series.ts[3000] - 60_000}ms AND time < ${series.ts[3000] + 60_000}ms`)}`);
      const maxBody = (await max.json()) as { results: Array<{ series?: Array<{ values: number[][] }> }> };
      expect(maxBody.results[0].series?.[0].values[0][1]).toBeGreaterThanOrEqual(0.9);
    });
  });

  // Inline scoring has no thread to lose.
  (thread === 'true' ? it : it.skip)('counts a slice lost with a dead detection thread as dropped and the death as an error, and scores on', async () => {
    await withService({}, async ({ service, events, metrics }) => {
      const device = { id: 'meter-lost', type: 'smart-meter' as const, family: 'energy' as const, site: 'site-a' };
      const batch = (from: number, n: number) =>
        Array.from({ length: n }, (_, i) => ({ device, record: { v: 1 as const, device: device.id, ts: 1_767_225_600_000 + (from + i) * 60_000, seq: from + i, readings: { power_w: 100 + ((from + i) % 9) }, sig: null, rx: 0 } }));
      events.emit('accepted', batch(0, 5_000));
      // Once the slice has left the queue for the thread (≈ 30 ms of scoring there), kill it as a crash would.
      while (service.queueLength > 0) await new Promise((r) => setImmediate(r));
      await (service as unknown as { runner: { worker: { terminate(): Promise<number> } } }).runner.worker.terminate();
      await service.idle();
      events.emit('accepted', batch(5_000, 10));
      await service.idle();
      const text = await metrics.metrics();
      expect(text).toMatch(/^gridproof_detect_errors_total\{what="thread"\} 1$/m);
      const dropped = Number(/^gridproof_detect_dropped_total (\d+)$/m.exec(text)?.[1]);
      const scored = Number(/^gridproof_detect_scored_total\{detector="generic"\} (\d+)$/m.exec(text)?.[1]);
      // Every reading is either scored or counted as dropped; the 10 after the restart are scored.
      expect(dropped + scored).toBe(5_010);
      expect(dropped).toBeGreaterThan(0);
      expect(scored).toBeGreaterThanOrEqual(10);
    });
  });

  it('keeps at most GP_DETECT_MAX_STREAMS streams, and counts and reports the ones it forgets', async () => {
    await withService({ env: { GP_DETECT_MAX_STREAMS: '20' } }, async ({ service, events, metrics }) => {
      // 15 meters × 2 metrics = 30 streams against a bound of 20, twice round.
      for (let round = 0; round < 2; round++) {
        for (let m = 0; m < 15; m++) {
          const device = { id: `meter-${m}`, type: 'smart-meter' as const, family: 'energy' as const, site: 'site-a' };
          const ts = 1_767_225_600_000 + round * 60_000;
          events.emit('accepted', [{ device, record: { v: 1, device: device.id, ts, seq: round, readings: { power_w: 100 + m, voltage_v: 230 }, sig: null, rx: ts } }]);
        }
      }
      await service.idle();
      const text = await metrics.metrics();
      expect(text).toMatch(/^gridproof_detect_streams 20$/m);
      // 30 created in round one (10 forgotten), then every one of the 30 again (30 forgotten).
      expect(text).toMatch(/^gridproof_detect_streams_evicted_total 40$/m);
    });
  });

  it('raises an inverter_fan maintenance event with a time to failure before a simulated fan failure trips the inverter', async () => {
    // No InfluxDB here: this test is about the events (scores are covered above).
    await withService({}, async ({ service, events, seen, store }) => {
      const sim = createSimulation(
        parseFleet(`
name: fan
start: '2025-05-01T00:00:00Z'
defaults: { intervalS: 300 }
sites: [{ id: s1, lat: 47.99, lon: 7.84 }]
devices: [{ id: inv-1, type: pv-inverter, site: s1 }]
faults: [{ kind: fan-failure, device: inv-1, start: 5d, ramp: 3d }]
`),
        { seed: 3 },
      );
      const device = { id: 'inv-1', type: 'pv-inverter' as const, family: 'energy' as const, site: 's1' };
      let seq = 0;
      for (const s of sim.until(sim.startMs + 9 * 86_400_000)) {
        events.emit('accepted', [{ device, record: { v: 1, device: device.id, ts: s.ts, seq: seq++, readings: s.readings, sig: null, rx: s.ts } }]);
      }
      await service.idle();
      const [label] = sim.labels();
      expect(label.failure).not.toBeNull();
      const maintenance = seen.filter((e) => e.detector === 'maintenance');
      expect(maintenance.length).toBeGreaterThan(0);
      const first = maintenance[0];
      expect(first.kind).toBe('inverter_fan');
      expect(first.ts).toBeGreaterThan(label.start);
      expect(first.ts).toBeLessThan(label.failure!);
      expect(first.timeToFailureMs).toBeGreaterThan(0);
      const stored = await new AnomalyRepository(store).recent(device.id, 1000);
      expect(stored.filter((a) => a.detector === 'maintenance').map((a) => a.kind)).toContain('inverter_fan');
    });
  });

  it('applies the calibrated alarm rules from the models directory: one spike is not an alarm, a repeating one is', async () => {
    await withService({ rules: { 'smart-meter': { generic: { kinds: 1, threshold: 0.9, k: 3, n: 12 }, model: null } } }, async ({ service, events, seen }) => {
      const series = withSpikes(cleanSeries({ seed: 12, length: 900, daily: 0, weekly: 0, noise: 1 }), [500, 700, 704, 708], 40);
      const device = { id: 'meter-2', type: 'smart-meter' as const, family: 'energy' as const, site: 'site-a' };
      series.ts.forEach((ts, i) => {
        events.emit('accepted', [{ device, record: { v: 1, device: device.id, ts, seq: i, readings: { power_w: series.values[i] }, sig: null, rx: ts } }]);
      });
      await service.idle();
      const generic = seen.filter((e) => e.detector === 'generic').map((e) => e.ts);
      expect(generic).not.toContain(series.ts[500]);
      expect(generic).toContain(series.ts[708]);
    });
  });

  it('keeps scoring on the plain thresholds when the alarm rules file is invalid', async () => {
    await withService({ rules: { 'smart-meter': { generic: { kinds: 1, threshold: 0.9, k: 13, n: 12 }, model: null } } }, async ({ service, events, seen, metrics }) => {
      const series = withSpikes(cleanSeries({ seed: 13, length: 600, daily: 0, weekly: 0, noise: 1 }), [500], 40);
      const device = { id: 'meter-3', type: 'smart-meter' as const, family: 'energy' as const, site: 'site-a' };
      series.ts.forEach((ts, i) => {
        events.emit('accepted', [{ device, record: { v: 1, device: device.id, ts, seq: i, readings: { power_w: series.values[i] }, sig: null, rx: ts } }]);
      });
      await service.idle();
      expect(seen.map((e) => e.ts)).toContain(series.ts[500]);
      expect(await metrics.getSingleMetricAsString('gridproof_detect_errors_total')).toContain('what="rules"');
    });
  });

  it(`raises no generic event in a fresh stream's first ${WARMUP_READINGS} readings, and still one for a spike after them`, async () => {
    await withService({}, async ({ service, events, seen }) => {
      const noise = gaussian(mulberry32(21));
      const device = { id: 'bat-warm', type: 'battery' as const, family: 'energy' as const, site: 'site-a' };
      const t0 = Date.parse('2025-05-01T00:00:00Z');
      const ts = (i: number) => t0 + i * 60_000;
      for (let i = 0; i < 400; i++) {
        // Quiet for 20 readings, then a jump to the working level and a bump: alarming to a scale learned from a few readings.
        const temp = (i < 20 ? 20 : 26 + (i > 60 && i < 80 ? 3 : 0)) + 0.3 * noise() + (i === 350 ? 15 : 0);
        // A cycle counter that only ever grows.
        const readings = { temp_c: Math.round(temp * 10) / 10, cycle_count: 481 + Math.floor(i / 40) / 10, soc_pct: 50 + 0.1 * noise() };
        events.emit('accepted', [{ device, record: { v: 1, device: device.id, ts: ts(i), seq: i, readings, sig: null, rx: ts(i) } }]);
      }
      await service.idle();
      const generic = seen.filter((e) => e.detector === 'generic');
      expect(generic.filter((e) => e.ts < ts(WARMUP_READINGS))).toEqual([]);
      expect(generic.map((e) => e.ts)).toContain(ts(350));
      expect(generic.flatMap((e) => e.metrics.slice(0, 1).map((m) => m.name))).not.toContain('cycle_count');
    });
  });

  it('applies a peer rule: an excursion every meter of the site shares raises no event, one meter leaving its peers does', async () => {
    const rules = { 'smart-meter': { generic: { kinds: 1, threshold: 0.9, k: 2, n: 12, metric: 'power_w', peer: true }, model: null } };
    await withService({ rules }, async ({ service, events, seen }) => {
      const ids = ['m-1', 'm-2', 'm-3', 'm-4', 'm-5'];
      const noise = ids.map((_, k) => gaussian(mulberry32(30 + k)));
      const t0 = Date.parse('2025-05-01T00:00:00Z');
      const ts = (i: number) => t0 + i * 300_000;
      // A 40-reading heat wave on every meter at 600; meter m-4 alone at 900.
      const bump = (i: number, k: number) => (i >= 600 && i < 640 ? 400 : 0) + (k === 3 && i >= 900 && i < 940 ? 400 : 0);
      for (let i = 0; i < 1000; i++) {
        events.emit(
          'accepted',
          ids.map((id, k) => ({
            device: { id, type: 'smart-meter' as const, family: 'energy' as const, site: 'site-p' },
            record: { v: 1 as const, device: id, ts: ts(i) + k * 1000, seq: i, readings: { power_w: 1000 + 100 * k + 10 * noise[k]() + bump(i, k) }, sig: null, rx: ts(i) },
          })),
        );
      }
      await service.idle();
      const generic = seen.filter((e) => e.detector === 'generic');
      expect(generic.filter((e) => e.ts >= ts(600) && e.ts < ts(700))).toEqual([]);
      const alone = generic.filter((e) => e.ts >= ts(900) && e.ts < ts(950));
      expect(alone.length).toBeGreaterThan(0);
      expect(new Set(alone.map((e) => e.device.id))).toEqual(new Set(['m-4']));
    });
  });

  it('loads the newest per-type model from the models directory and scores its windows (TensorFlow.js where the detectors run)', async () => {
    const metrics = numericMetrics('weather');
    const publish = async (dir: string) => {
      await publishUntrainedWeatherModel(await loadTf(), new ModelStore(dir), '20250101T000000Z');
    };
    await withService({ models: publish }, async ({ service, events, metrics: registry }) => {
      expect(service.backend).toBe('wasm');
      const device = { id: 'wx-1', type: 'weather' as const, family: 'environment' as const, site: 'site-w' };
      for (let i = 0; i < 6; i++) {
        const ts = 1_767_225_600_000 + i * 60_000;
        events.emit('accepted', [{ device, record: { v: 1, device: device.id, ts, seq: i, readings: Object.fromEntries(metrics.map((m, j) => [m, i + j])), sig: null, rx: ts } }]);
      }
      await service.idle();
      // Windows of 2 over 6 readings: at least one scored window per slice after the first reading.
      expect(await registry.getSingleMetricAsString('gridproof_detect_scored_total')).toMatch(/detector="autoencoder"} [1-9]/);
    });
  });
});
