/**
 * `npm run bench:ingest-profile`: where GridProof's ingest time goes. Runs the real app process
 * under `--cpu-prof`, drives one QoS 1 load (BENCH_KIND=unsigned|signed) with the same load
 * generator as bench:ingest, stops the app gracefully so V8 writes the profile, and prints
 * self time grouped by module (package or source file) and the top functions.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDeviceKeyPair } from '@gridproof/telemetry';
import { startTestInfluxd } from '@gridproof/testing';
import { GridProofProcess, metricSum, repoRoot } from '../libs/testing/src/faults/gridproof-process';
import { cpuMs } from './lib/cpu';
import { runLoad } from './lib/load';
import { fmt, machineReport } from './lib/report';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 100);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 600);
const KIND = (process.env.BENCH_KIND ?? 'unsigned') as 'signed' | 'unsigned';
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? Math.max(2, cpus().length));
const INFLIGHT = Number(process.env.BENCH_INFLIGHT ?? 16);
/** Node flags for the app to try, e.g. BENCH_NODE_ARGS='--max-semi-space-size=32'. */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
/** The compiled app to profile (default: this build's dist/), e.g. another build for an A/B comparison. */
const ENTRY = process.env.BENCH_APP_ENTRY ?? join(repoRoot(), 'dist', 'apps', 'gridproof', 'src', 'main.js');
/** GridProof settings to try, e.g. BENCH_APP_ENV='GP_INGEST_FLUSH_MS=10'. */
const APP_ENV = Object.fromEntries((process.env.BENCH_APP_ENV ?? '').split(/\s+/).filter(Boolean).map((kv) => kv.split('=') as [string, string]));

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  endTime: number;
}

/** Groups a V8 script URL: node_modules package, node internals, or the project's file. */
function moduleOf(url: string): string {
  if (!url) return '(native / idle / gc)';
  if (url.startsWith('node:')) return url;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + 6) : url;
}

/**
 * Self time of the samples inside [from, to] (Unix ms). V8 stamps samples on a monotonic
 * clock; the profile ends when the process exits, which is mapped to `exitedAt`.
 */
function summarize(profile: Profile, from: number, to: number, exitedAt: number): { byModule: Array<[string, number]>; byFunction: Array<[string, number]>; totalMs: number } {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const stamps: number[] = [];
  let t = 0;
  for (const d of profile.timeDeltas) stamps.push((t += d));
  const last = stamps.at(-1) ?? 0;
  profile.samples.forEach((id, i) => {
    const wall = exitedAt - (last - stamps[i]) / 1000;
    if (wall >= from && wall <= to) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const frame = nodes.get(id)!.callFrame;
    total += us;
    const mod = frame.functionName === '(idle)' ? '(idle)' : moduleOf(frame.url);
    byModule.set(mod, (byModule.get(mod) ?? 0) + us);
    const fn = `${frame.functionName || '(anonymous)'} ${moduleOf(frame.url)}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / 1000] as [string, number]);
  return { byModule: sorted(byModule), byFunction: sorted(byFunction), totalMs: total / 1000 };
}

async function main(): Promise<void> {
  console.log(machineReport());
  console.log(`workload: ${DEVICES} ${KIND} pv-inverter devices × ${MESSAGES} messages, QoS 1 window ${INFLIGHT}, ${PROCESSES} publisher processes; app env ${JSON.stringify(APP_ENV)}${NODE_ARGS.length ? `, node ${NODE_ARGS.join(' ')}` : ''}`);
  const influx = await startTestInfluxd();
  const dataDir = mkdtempSync(join(tmpdir(), 'gp-bench-prof-'));
  const profDir = mkdtempSync(join(tmpdir(), 'gp-cpu-prof-'));
  const app = await GridProofProcess.create({
    entry: ENTRY,
    dataDir,
    influxUrl: influx.url,
    influxDatabase: 'bench',
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`, ...NODE_ARGS],
    env: APP_ENV,
  });
  try {
    await app.start();
    const keys = Array.from({ length: DEVICES }, () => generateDeviceKeyPair());
    const requests = keys.map((k, i) => ({
      id: `prof-${i}`,
      type: 'pv-inverter',
      site: { id: 'prof-site', lat: 52.5, lon: 13.4 },
      ...(KIND === 'signed' ? { publicKey: k.publicKey } : { requireSignature: false }),
    }));
    const passwords = await app.provision(requests);
    const devices = requests.map((r, i) => ({ id: r.id, username: r.id, password: passwords.get(r.id)!, privateKey: KIND === 'signed' ? keys[i].privateKey : undefined }));
    let cpuBefore = { app: NaN, influx: NaN };
    const load = await runLoad({ brokerUrl: app.mqttUrl, messagesPerDevice: MESSAGES, qos: 1, inflight: INFLIGHT, firstSeq: 1 }, devices, PROCESSES, () => {
      cpuBefore = { app: cpuMs(app.pid), influx: cpuMs(influx.server.pid) };
    });
    const loadEnd = Date.now();
    const cpu = { app: cpuMs(app.pid) - cpuBefore.app, influx: cpuMs(influx.server.pid) - cpuBefore.influx };
    console.log(`load: ${fmt(load.acked)} acknowledged in ${(load.ms / 1000).toFixed(1)} s (${fmt((load.acked * 1000) / load.ms)}/s, sender's count)`);
    // CPU per reading does not depend on what else the machine runs as much as rates do.
    console.log(
      `CPU during the load: GridProof ${fmt(cpu.app)} ms (${((1000 * cpu.app) / load.acked).toFixed(1)} µs per reading, all threads), ` +
        `InfluxDB ${fmt(cpu.influx)} ms (${((1000 * cpu.influx) / load.acked).toFixed(1)} µs per reading)`,
    );
    // Where an acknowledgement waits: the InfluxDB write of its batch (the PUBACK follows it).
    const metrics = await app.metrics();
    const writes = metricSum(metrics, 'gridproof_ingest_write_seconds_count');
    console.log(
      `InfluxDB writes: ${fmt(writes)} batches, mean ${((1000 * metricSum(metrics, 'gridproof_ingest_write_seconds_sum')) / writes).toFixed(1)} ms each, ` +
        `${fmt(load.acked / writes)} readings per batch; in flight at once: ${fmt(DEVICES * INFLIGHT)} messages ` +
        `→ ${((1000 * DEVICES * INFLIGHT) / ((load.acked * 1000) / load.ms)).toFixed(0)} ms per acknowledgement (Little's law)`,
    );
    await app.stop();
    const exitedAt = Date.now();
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no profile written in ${profDir}`);
    const { byModule, byFunction, totalMs } = summarize(JSON.parse(readFileSync(join(profDir, file), 'utf8')) as Profile, load.startedAt, loadEnd, exitedAt);
    const busy = totalMs - (byModule.find(([m]) => m === '(idle)')?.[1] ?? 0);
    console.log(`\nGridProof main thread during the load: ${fmt(totalMs)} ms sampled, ${fmt(busy)} ms busy\n\nself time by module:`);
    for (const [m, ms] of byModule.slice(0, 25)) console.log(`  ${fmt(ms).padStart(7)} ms  ${((100 * ms) / totalMs).toFixed(1).padStart(5)}%  ${m}`);
    console.log('\ntop functions (self time):');
    for (const [f, ms] of byFunction.slice(0, 30)) console.log(`  ${fmt(ms).padStart(7)} ms  ${f}`);
  } finally {
    await app.stop();
    await influx.dispose();
    rmSync(dataDir, { recursive: true, force: true });
    if (process.env.BENCH_KEEP_PROFILE) console.log(`profile kept in ${profDir}`);
    else rmSync(profDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
