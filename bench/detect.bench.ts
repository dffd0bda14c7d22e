/**
 * Detection throughput: autoencoder windows/s per device-type model, TensorFlow.js backend
 * (wasm as served, cpu for comparison) and batch size, generic detector readings/s, maintenance
 * models readings/s. Medians of RUNS runs. `npm run bench:detect`.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { createSimulation, parseFleet } from '@gridproof/firmware-sim';
import { cleanSeries, GenericDetector, loadTf, MaintenanceDetector, mulberry32, WindowAutoencoder } from '@gridproof/detect';
import { DeviceType, numericMetrics } from '@gridproof/telemetry';

const RUNS = 5;
const WINDOWS = 20_000;
const WINDOW = 8;
const TYPES: DeviceType[] = ['pv-inverter', 'battery', 'ev-charger'];
/** The service scores up to 5,000 readings per slice, so up to 5,000 windows per model call. */
const BATCHES = [256, 2048, 5000, 20_000];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0));

function timeRuns(run: () => number): { perS: number; runs: number[] } {
  run(); // warm-up: JIT, wasm compilation, kernel caches
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const n = run();
    runs.push(n / ((performance.now() - t0) / 1000));
  }
  return { perS: median(runs), runs };
}

async function main(): Promise<void> {
  const rt = await loadTf((m) => process.stderr.write(`${m}\n`));
  let servedModelRate = 0;
  const tfVersion = (require('@tensorflow/tfjs/package.json') as { version: string }).version;
  process.stdout.write(`# detect bench\n\nmachine: ${cpus()[0]?.model ?? '?'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.version}; @tensorflow/tfjs ${tfVersion}; medians of ${RUNS} runs after a warm-up; load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other processes share the CPUs)\n\n`);

  process.stdout.write(`## Autoencoder (window ${WINDOW}, dense in → 64 → 8 → 64 → in): ${WINDOWS} windows scored in batches of B\n\n| model | metrics | backend | ${BATCHES.map((b) => `B = ${b}`).join(' | ')} |\n|---|---|---|${BATCHES.map(() => '---').join('|')}|\n`);
  for (const backend of [rt.backend, 'cpu']) {
    if (!(await rt.tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialise`);
    await rt.tf.ready();
    for (const type of TYPES) {
      const m = numericMetrics(type).length;
      const ae = WindowAutoencoder.create(rt.tf, { window: WINDOW, metrics: m, hidden: 64, latent: 8 }, 1);
      const r = mulberry32(2);
      const data = Float32Array.from({ length: WINDOWS * WINDOW * m }, () => r() * 2 - 1);
      const cells: string[] = [];
      for (const batch of BATCHES) {
        const t = timeRuns(() => {
          for (let i = 0; i < WINDOWS; i += batch) ae.score(data.subarray(i * WINDOW * m), Math.min(batch, WINDOWS - i));
          return WINDOWS;
        });
        cells.push(`${fmt(t.perS)}/s`);
        if (backend === rt.backend && type === 'pv-inverter' && batch === 5000) servedModelRate = t.perS;
      }
      ae.dispose();
      process.stdout.write(`| ${type} | ${m} | ${backend} | ${cells.join(' | ')} |\n`);
    }
  }
  await rt.tf.setBackend(rt.backend);

  const streams = 1_000;
  const length = 600;
  const series = Array.from({ length: 8 }, (_, i) => cleanSeries({ seed: i + 1, length }));
  let round = 0;
  const generic = timeRuns(() => {
    // Fresh streams each run (keys change) so warm-up and steady state are both measured.
    const det = new GenericDetector();
    round++;
    for (let i = 0; i < length; i++) for (let s = 0; s < streams; s++) det.update(`${round}|${s}`, series[s % 8].ts[i], series[s % 8].values[i]);
    return streams * length;
  });
  process.stdout.write(`\n## Generic detector\n\n${streams} streams × ${length} readings: **${fmt(generic.perS)} metric readings/s** (runs ${generic.runs.map(fmt).join(', ')})\n`);

  const sim = createSimulation(
    parseFleet(`
name: bench
start: '2025-05-01T00:00:00Z'
defaults: { intervalS: 300 }
sites: [{ id: s1, lat: 47.99, lon: 7.84 }]
groups:
  - { type: pv-inverter, count: 4, idPrefix: inv- }
  - { type: ev-charger, count: 4, idPrefix: evc- }
  - { type: battery, count: 4, idPrefix: bat- }
`),
    { seed: 1 },
  );
  const samples = [...sim.until(sim.startMs + 8 * 86_400_000)];
  let mround = 0;
  const maintenance = timeRuns(() => {
    const det = new MaintenanceDetector();
    mround++;
    for (const s of samples) det.update(`${mround}|${s.device}`, s.type, s.ts, s.readings);
    return samples.length;
  });
  process.stdout.write(`\n## Maintenance models\n\n${samples.length} firmware-sim device readings (12 devices, 8 days, baseline fits included): **${fmt(maintenance.perS)} device readings/s** (runs ${maintenance.runs.map(fmt).join(', ')})\n`);

  // Worst case per device reading: a pv-inverter (11 metrics) through all three detectors, the
  // model at the service's slice size, on the backend the service uses.
  const metrics = numericMetrics('pv-inverter').length;
  const usPerReading = 1e6 * (metrics / generic.perS + 1 / servedModelRate + 1 / maintenance.perS);
  process.stdout.write(
    `\n## Keeping up with ingest\n\nOne pv-inverter reading (${metrics} metrics) through the generic detector, the autoencoder (${rt.backend}, slices of 5000) and the maintenance models: ${usPerReading.toFixed(1)} µs of one core, so **${fmt(1e6 / usPerReading)} readings/s** if scoring had a core to itself.\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
