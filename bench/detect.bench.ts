/**
 * Detection throughput: autoencoder windows/s per device-type model and TensorFlow.js
 * backend (wasm as served, cpu for comparison), generic detector readings/s, maintenance
 * models readings/s. Medians of RUNS runs. `npm run bench:detect`.
 */
import { cpus, totalmem } from 'node:os';
import { createSimulation, parseFleet } from '@gridproof/firmware-sim';
import { cleanSeries, GenericDetector, loadTf, MaintenanceDetector, mulberry32, WindowAutoencoder } from '@gridproof/detect';
import { DeviceType, numericMetrics } from '@gridproof/telemetry';

const RUNS = 5;
const WINDOWS = 20_000;
const WINDOW = 8;
const TYPES: DeviceType[] = ['pv-inverter', 'battery', 'ev-charger', 'smart-meter'];

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
  const tfVersion = (require('@tensorflow/tfjs/package.json') as { version: string }).version;
  process.stdout.write(`# detect bench\n\nmachine: ${cpus()[0]?.model ?? '?'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.version}; @tensorflow/tfjs ${tfVersion}; medians of ${RUNS} runs after a warm-up\n\n`);

  process.stdout.write(`## Autoencoder (window ${WINDOW}, dense in → 64 → 8 → 64 → in), one batch of ${WINDOWS} windows\n\n| model | metrics | backend | windows/s (median) | runs |\n|---|---|---|---|---|\n`);
  for (const backend of [rt.backend, 'cpu']) {
    if (!(await rt.tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialise`);
    await rt.tf.ready();
    for (const type of TYPES) {
      const m = numericMetrics(type).length;
      const ae = WindowAutoencoder.create(rt.tf, { window: WINDOW, metrics: m, hidden: 64, latent: 8 }, 1);
      const r = mulberry32(2);
      const data = Float32Array.from({ length: WINDOWS * WINDOW * m }, () => r() * 2 - 1);
      const t = timeRuns(() => {
        ae.score(data, WINDOWS);
        return WINDOWS;
      });
      ae.dispose();
      process.stdout.write(`| ${type} | ${m} | ${backend} | ${fmt(t.perS)} | ${t.runs.map(fmt).join(', ')} |\n`);
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
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
