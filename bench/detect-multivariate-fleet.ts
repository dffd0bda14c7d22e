/**
 * The service's multivariate detector on a simulator fleet with labelled faults: a firmware-sim
 * fleet (default bench/detect-eval.fleet.yaml, 48 devices at 5-minute readings, faults from
 * day 12) streamed in time order through the DetectionEngine with its defaults (no models, no
 * alarm rules), for `--days` days. Prints, per type and detector (generic, multivariate): events
 * episodes on healthy devices per device-day (events of a device less than an hour apart are
 * one episode; also after the first week, once the models have warmed up), and labelled faults with an event after their onset (and
 * the median lead before failure where the fault has one); then the engine's cost with and
 * without the multivariate model. Measured figures only, no assertion.
 *
 *   npm run bench:detect-multivariate-fleet -- [--fleet FILE] [--days 30] [--seed 2]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DetectionEngine, ScoringInput } from '@gridproof/detect';
import { createSimulation, loadFleet } from '@gridproof/firmware-sim';
import { familyOf } from '@gridproof/telemetry';
import type { DeviceRef } from '@gridproof/events';
import { median } from './lib/report';

const DAY = 86_400_000;
const DETECTORS = ['generic', 'multivariate'] as const;
/** Events of one device less than this apart are one alarm episode (what a crew sees as one alert). */
const EPISODE_GAP_MS = 3_600_000;
const WARM_DAYS = 7;

function episodes(list: ReadonlyArray<{ device: string; ts: number }>): number {
  const last = new Map<string, number>();
  let n = 0;
  for (const e of [...list].sort((a, b) => a.ts - b.ts)) {
    const prev = last.get(e.device);
    if (prev === undefined || e.ts - prev > EPISODE_GAP_MS) n++;
    last.set(e.device, e.ts);
  }
  return n;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      fleet: { type: 'string', default: join(__dirname, '../../bench/detect-eval.fleet.yaml') },
      days: { type: 'string', default: '30' },
      seed: { type: 'string', default: '2' },
    },
  });
  const sim = createSimulation(loadFleet(values.fleet!), { seed: Number(values.seed) });
  const engine = new DetectionEngine(200_000);
  const end = sim.startMs + Number(values.days) * DAY;
  const refs = new Map<string, DeviceRef>();
  const events: Array<{ device: string; detector: string; ts: number }> = [];
  const inputs: ScoringInput[] = [];
  const t0 = performance.now();
  let readings = 0;
  for (const s of sim.until(end)) {
    if (s.lost) continue;
    let device = refs.get(s.device);
    if (!device) refs.set(s.device, (device = { id: s.device, type: s.type, family: familyOf(s.type), site: s.site }));
    const input = { device, record: { ts: s.ts, readings: s.readings } };
    inputs.push(input);
    const out = engine.scoreSlice([input]);
    readings++;
    for (const e of out.events) events.push({ device: e.device.id, detector: e.detector, ts: e.ts });
  }
  const seconds = (performance.now() - t0) / 1000;
  const labels = sim.labels();
  const faulty = new Set(labels.map((l) => l.device));
  const days = Number(values.days);
  process.stdout.write(
    `# detect-multivariate-fleet: ${values.fleet} seed ${values.seed}, ${days} days, ${refs.size} devices, ${readings.toLocaleString('en-US')} readings in ${seconds.toFixed(1)} s\n\n` +
      `| type | detector | healthy devices | alarm episodes per healthy device-day | the same after day ${WARM_DAYS} | faults caught (after onset) | median lead before failure (h) |\n|---|---|---|---|---|---|---|\n`,
  );
  const types = [...new Set([...refs.values()].map((d) => d.type))].sort();
  for (const type of types) {
    const devices = [...refs.values()].filter((d) => d.type === type);
    const healthy = devices.filter((d) => !faulty.has(d.id));
    const typeLabels = labels.filter((l) => l.type === type);
    for (const detector of DETECTORS) {
      const ofHealthy = events.filter((e) => e.detector === detector && healthy.some((d) => d.id === e.device));
      const healthyEpisodes = episodes(ofHealthy);
      const late = episodes(ofHealthy.filter((e) => e.ts >= sim.startMs + WARM_DAYS * DAY));
      const leads: number[] = [];
      let caught = 0;
      for (const l of typeLabels) {
        if (l.onset === null) continue;
        const first = events.find((e) => e.detector === detector && e.device === l.device && e.ts >= l.onset!);
        if (!first) continue;
        caught++;
        if (l.failure !== null && first.ts <= l.failure) leads.push((l.failure - first.ts) / 3_600_000);
      }
      const seen = typeLabels.filter((l) => l.onset !== null).length;
      process.stdout.write(
        `| ${type} | ${detector} | ${healthy.length} | ${healthy.length ? (healthyEpisodes / (healthy.length * days)).toFixed(3) : '–'} | ${healthy.length && days > WARM_DAYS ? (late / (healthy.length * (days - WARM_DAYS))).toFixed(3) : '–'} | ${caught}/${seen} ${typeLabels.map((l) => l.kind).filter((k, i, a) => a.indexOf(k) === i).join(', ')} | ${leads.length ? median(leads).toFixed(1) : '–'} |\n`,
      );
    }
  }
  process.stdout.write(`\nCost: the same readings through a new DetectionEngine in slices of 1,000, with and without the multivariate model, alternating (k readings/s, one thread):\n\n`);
  for (let run = 0; run < 4; run++) {
    const multivariate = run % 2 === 0;
    const e = new DetectionEngine(200_000, { multivariate });
    const t = performance.now();
    for (let i = 0; i < inputs.length; i += 1_000) e.scoreSlice(inputs.slice(i, i + 1_000));
    process.stdout.write(`- ${multivariate ? 'with' : 'without'}: ${(inputs.length / (performance.now() - t)).toFixed(1)}\n`);
  }
  if (process.env.BENCH_LIST_HEALTHY) {
    for (const e of events) if (!faulty.has(e.device)) process.stdout.write(`${e.detector} ${e.device} +${((e.ts - sim.startMs) / 3_600_000).toFixed(2)} h\n`);
  }
}

main();
