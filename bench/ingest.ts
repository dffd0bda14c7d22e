/**
 * `npm run bench:ingest`: GridProof ingest side by side with the classic stack's parts, in one
 * run, on this machine, with one load generator (bench/lib/publisher-worker in several
 * processes):
 * - GridProof (the real app process from dist/, fresh data folder, its own InfluxDB): QoS 1 and
 *   QoS 0, signed and unsigned devices, one 8-field reading per message; readings counted in
 *   InfluxDB by query, not by the sender;
 * - p50/p99 latency from publish to queryable at half the measured QoS 1 maximum;
 * - bare Mosquitto (max_queued_messages 0, max_inflight_messages 0) QoS 1 pub/sub, one
 *   subscriber counting;
 * - the raw InfluxDB line-protocol write ceiling and the Ed25519 verification ceiling.
 * Bounded: BENCH_DEVICES devices per kind × BENCH_MESSAGES messages, BENCH_RUNS runs each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { generateDeviceKeyPair } from '@gridproof/telemetry';
import { freePort, startTestInfluxd } from '@gridproof/testing';
import { GridProofProcess, metricSum, repoRoot, sleep } from '../libs/testing/src/faults/gridproof-process';
import { cpuMs, ownCpuMs } from './lib/cpu';
import { measureEd25519Ceiling } from './lib/ed25519-ceiling';
import { measureInfluxCeiling } from './lib/influx-ceiling';
import { runLoad } from './lib/load';
import { startMosquitto } from './lib/mosquitto';
import type { WorkerDevice } from './lib/publisher-worker';
import { fmt, machineReport, median, percentile, table, updateDocSection } from './lib/report';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 100);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? Math.max(2, cpus().length));
const INFLIGHT = Number(process.env.BENCH_INFLIGHT ?? 16);
const DB = 'bench';
const LATENCY_SAMPLE = 10;
/**
 * BENCH_LATENCY_RATE=<readings/s>: only the latency measurement, at that rate, BENCH_RUNS times
 * per kind (no throughput runs, no ceilings, docs untouched); BENCH_MESSAGES sets its length.
 */
const LATENCY_ONLY_RATE = process.env.BENCH_LATENCY_RATE ? Number(process.env.BENCH_LATENCY_RATE) : null;
/** Node flags for the app, e.g. BENCH_NODE_ARGS='--require ./probe.js'. */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
/** GridProof settings for the run, e.g. BENCH_APP_ENV='GP_INGEST_FLUSH_MS=5'; default: the defaults. */
const APP_ENV = Object.fromEntries((process.env.BENCH_APP_ENV ?? '').split(/\s+/).filter(Boolean).map((kv) => kv.split('=') as [string, string]));

type Kind = 'signed' | 'unsigned';

/** CPU per message of one run, µs: the broker (GridProof, all threads; or Mosquitto), InfluxDB, the load generator. */
interface CpuPerMessage {
  broker: number;
  influx: number;
  generator: number;
}
interface RunResult {
  rate: number;
  landed: number;
  sent: number;
  cpu: CpuPerMessage;
}

async function query<T = unknown[]>(url: string, q: string): Promise<T[]> {
  const res = await fetch(`${url}/query?db=${DB}&q=${encodeURIComponent(q)}`);
  const json = (await res.json()) as { results: Array<{ series?: Array<{ tags?: Record<string, string>; values: unknown[][] }> }> };
  return (json.results[0].series ?? []) as unknown as T[];
}

/**
 * Readings of these devices with seq in [from, to) and time (their ts) from `since`, counted in
 * InfluxDB. The time bound keeps each poll to this run's points: without it every poll scans
 * all earlier runs, and that CPU would be counted against InfluxDB's share.
 */
async function landed(url: string, prefix: string, from: number, to: number, since: number): Promise<number> {
  const series = await query<{ values: Array<[string, number]> }>(
    url,
    `SELECT count("seq") FROM "energy" WHERE time >= ${since}ms AND "device" =~ /^${prefix}-/ AND "seq" >= ${from} AND "seq" < ${to}`,
  );
  return series[0]?.values[0][1] ?? 0;
}

/** Polls the count until it reaches `expected` or stops moving for 10 s; returns it and when. */
async function waitLanded(url: string, prefix: string, from: number, to: number, expected: number, since: number): Promise<{ count: number; at: number }> {
  let count = -1;
  let at = Date.now();
  let still = Date.now();
  for (;;) {
    const now = await landed(url, prefix, from, to, since);
    if (now !== count) {
      count = now;
      at = Date.now();
      still = Date.now();
    }
    if (count >= expected || Date.now() - still > 10_000) return { count, at };
    await sleep(50);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const root = repoRoot();
  const header = [
    machineReport(),
    `workload: ${DEVICES} signed + ${DEVICES} unsigned pv-inverter devices, ${MESSAGES} messages each per run, one 8-field reading per message, ` +
      `${PROCESSES} publisher processes (messages signed and serialised before the start), QoS 1 window ${INFLIGHT} per connection, ${RUNS} runs per figure (median); ` +
      `GridProof settings: ${Object.keys(APP_ENV).length ? JSON.stringify(APP_ENV) : 'defaults'}`,
  ].join('\n');
  console.log(header);

  const influx = await startTestInfluxd();
  const dataDir = mkdtempSync(join(tmpdir(), 'gp-bench-ingest-'));
  const app = await GridProofProcess.create({
    entry: join(root, 'dist', 'apps', 'gridproof', 'src', 'main.js'),
    dataDir,
    influxUrl: influx.url,
    influxDatabase: DB,
    env: APP_ENV,
    nodeArgs: NODE_ARGS,
  });
  const mosquittoPort = await freePort();
  const mosquitto = await startMosquitto(mosquittoPort);
  try {
    await app.start();
    console.log(`GridProof pid ${app.pid} on ${app.mqttUrl}; InfluxDB ${influx.url}; mosquitto on ${mosquitto.url}`);
    const devices: Record<Kind, WorkerDevice[]> = { signed: [], unsigned: [] };
    for (const kind of ['signed', 'unsigned'] as Kind[]) {
      const prefix = kind === 'signed' ? 'bs' : 'bu';
      const keys = Array.from({ length: DEVICES }, () => generateDeviceKeyPair());
      const requests = keys.map((k, i) => ({
        id: `${prefix}-${String(i).padStart(5, '0')}`,
        type: 'pv-inverter',
        site: { id: `bench-site-${i % 20}`, lat: 52.5, lon: 13.4 },
        ...(kind === 'signed' ? { publicKey: k.publicKey } : { requireSignature: false }),
      }));
      const passwords = await app.provision(requests);
      devices[kind] = requests.map((r, i) => ({ id: r.id, username: r.id, password: passwords.get(r.id)!, privateKey: kind === 'signed' ? keys[i].privateKey : undefined }));
    }

    let nextSeq = 1;
    if (LATENCY_ONLY_RATE !== null) {
      for (let run = 0; run < RUNS; run++) {
        for (const kind of ['unsigned', 'signed'] as Kind[]) {
          const firstSeq = nextSeq;
          nextSeq += MESSAGES;
          const l = await latencyRun(app.mqttUrl, influx.url, kind === 'signed' ? 'bs' : 'bu', devices[kind], firstSeq, LATENCY_ONLY_RATE);
          console.log(`latency ${kind} at ${fmt(l.rate)}/s: p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms (${l.samples} readings, poll ${l.pollMs} ms)`);
        }
      }
      return;
    }
    /** One GridProof run: returns readings/s landed in InfluxDB (from "go" to the last one queryable). */
    const gridproofRun = async (kind: Kind, qos: 0 | 1): Promise<RunResult> => {
      const firstSeq = nextSeq;
      nextSeq += MESSAGES;
      const prefix = kind === 'signed' ? 'bs' : 'bu';
      const before = await app.metrics();
      // The publishers stamp ts when they build the messages, after this.
      const since = Date.now() - 1_000;
      let cpu0 = { app: 0, influx: 0 };
      const load = await runLoad({ brokerUrl: app.mqttUrl, messagesPerDevice: MESSAGES, qos, inflight: INFLIGHT, firstSeq }, devices[kind], PROCESSES, () => {
        cpu0 = { app: cpuMs(app.pid), influx: cpuMs(influx.server.pid) };
      });
      const result = await waitLanded(influx.url, prefix, firstSeq, firstSeq + MESSAGES, load.sent, since);
      // Includes the polls counting the readings (cheap next to the writes) and the app's own detection and anchoring.
      const cpu = { broker: cpuMs(app.pid) - cpu0.app, influx: cpuMs(influx.server.pid) - cpu0.influx, generator: load.cpuMs };
      const after = await app.metrics();
      const rejected = metricSum(after, 'gridproof_ingest_rejected_total') - metricSum(before, 'gridproof_ingest_rejected_total');
      if (rejected) console.log(`  (${rejected} rejected during the run)`);
      const perMessage = (ms: number) => (ms * 1000) / Math.max(1, result.count);
      return {
        rate: (result.count * 1000) / (result.at - load.startedAt),
        landed: result.count,
        sent: load.sent,
        cpu: { broker: perMessage(cpu.broker), influx: perMessage(cpu.influx), generator: perMessage(cpu.generator) },
      };
    };

    const figures: Record<string, number[]> = {};
    const lost: Record<string, number> = {};
    const cpuOf: Record<string, CpuPerMessage[]> = {};
    const record = (name: string, r: RunResult) => {
      (figures[name] ??= []).push(r.rate);
      (cpuOf[name] ??= []).push(r.cpu);
      lost[name] = (lost[name] ?? 0) + (r.sent - r.landed);
      console.log(`  ${name}: ${fmt(r.rate)} readings/s landed (${r.landed}/${r.sent}); CPU per reading ${cpuText(r.cpu)}`);
    };

    // Warm-up: first logins (scrypt), JIT, InfluxDB shard creation. Not reported.
    await gridproofRun('unsigned', 1);
    await gridproofRun('signed', 1);

    for (let run = 0; run < RUNS; run++) {
      console.log(`run ${run + 1}/${RUNS}`);
      record('GridProof QoS 1 unsigned', await gridproofRun('unsigned', 1));
      record('GridProof QoS 1 signed', await gridproofRun('signed', 1));
      record('GridProof QoS 0 unsigned', await gridproofRun('unsigned', 0));
      record('GridProof QoS 0 signed', await gridproofRun('signed', 0));
      const mq = await mosquittoRun(mosquitto, devices.unsigned);
      (figures['Mosquitto QoS 1 pub/sub'] ??= []).push(mq.rate);
      (cpuOf['Mosquitto QoS 1 pub/sub'] ??= []).push(mq.cpu);
      console.log(`  Mosquitto QoS 1 pub/sub: ${fmt(mq.rate)} messages/s received; CPU per message ${cpuText(mq.cpu)}`);
    }

    const detection = await detectionCaughtUp(app);
    console.log(`  detection: ${detection.text}`);

    // Latency at half the measured QoS 1 maximum, signed and unsigned.
    const latency: Record<string, { p50: number; p99: number; rate: number; samples: number; pollMs: number }> = {};
    for (const kind of ['unsigned', 'signed'] as Kind[]) {
      const rate = median(figures[`GridProof QoS 1 ${kind}`]) / 2;
      const firstSeq = nextSeq;
      nextSeq += MESSAGES;
      latency[kind] = await latencyRun(app.mqttUrl, influx.url, kind === 'signed' ? 'bs' : 'bu', devices[kind], firstSeq, rate);
      console.log(`  latency ${kind} at ${fmt(latency[kind].rate)}/s: p50 ${latency[kind].p50} ms, p99 ${latency[kind].p99} ms (${latency[kind].samples} readings)`);
    }

    await app.stop();
    const ceiling: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const r = await measureInfluxCeiling(influx.url, `ceiling_${run}`, 200_000);
      ceiling.push(r.pointsPerSec);
      console.log(`  InfluxDB line-protocol ceiling: ${fmt(r.pointsPerSec)} points/s (verified ${r.verified})`);
    }
    const verify: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const r = await measureEd25519Ceiling(cpus().length);
      verify.push(r.total);
      console.log(`  Ed25519 verify ceiling: ${fmt(r.total)}/s on ${cpus().length} threads (${r.perThread.map(fmt).join(', ')})`);
    }

    const m = (name: string) => median(figures[name]);
    const mosq = m('Mosquitto QoS 1 pub/sub');
    const q1u = m('GridProof QoS 1 unsigned');
    const q1s = m('GridProof QoS 1 signed');
    const ratios = [
      ['GridProof QoS 1 unsigned / Mosquitto QoS 1 pub/sub', q1u / mosq, '≥ 0.8'],
      ['GridProof QoS 1 signed / Mosquitto QoS 1 pub/sub', q1s / mosq, '≥ 0.8'],
      ['GridProof QoS 1 signed / Ed25519 verify ceiling (all cores)', q1s / median(verify), 'close to 1'],
      ['GridProof QoS 1 unsigned / InfluxDB line-protocol ceiling', q1u / median(ceiling), '—'],
    ] as const;
    const rows = [
      ...Object.keys(figures).map((name) => [name, fmt(m(name)), figures[name].map(fmt).join(', '), name.startsWith('GridProof') ? String(lost[name]) : '—']),
      ['InfluxDB line-protocol ceiling (5,000-point batches, 4 in flight)', fmt(median(ceiling)), ceiling.map(fmt).join(', '), '—'],
      [`Ed25519 verify ceiling (${cpus().length} threads)`, fmt(median(verify)), verify.map(fmt).join(', '), '—'],
    ];
    const summary = [
      '## Ingest',
      '',
      'Command: `npm run build && npm run bench:ingest` ' +
        `(BENCH_DEVICES=${DEVICES} BENCH_MESSAGES=${MESSAGES} BENCH_RUNS=${RUNS} BENCH_PROCESSES=${PROCESSES} BENCH_INFLIGHT=${INFLIGHT}${process.env.BENCH_APP_ENV ? ` BENCH_APP_ENV='${process.env.BENCH_APP_ENV}'` : ''}), ` +
        `measured ${new Date(started).toISOString().slice(0, 16).replace('T', ' ')} UTC, ${Math.round((Date.now() - started) / 1000)} s.`,
      '',
      '```',
      header,
      '```',
      '',
      'GridProof figures are readings landed in InfluxDB per second, counted by query (from the start of the load until the last reading was queryable); "not landed" sums sent minus counted over the runs (counting stops after 10 s without change). Mosquitto: messages per second received by one QoS 1 subscriber.',
      '',
      table(['workload', 'median /s', 'runs /s', 'not landed'], rows),
      '',
      table(['ratio', 'measured', 'goal'], ratios.map(([name, v, goal]) => [name, v.toFixed(2), goal])),
      '',
      'CPU per message, µs (median of the runs): the broker process with all its threads (GridProof: ingest, detection, alerts, anchoring; or Mosquitto), InfluxDB, and the load generator (the publisher processes; for Mosquitto also the subscriber). "cores busy" is their sum times the median rate: at 2, the machine is full.',
      '',
      table(
        ['workload', 'broker', 'InfluxDB', 'load generator', 'all', 'cores busy'],
        Object.keys(cpuOf).map((name) => {
          const c = medianCpu(cpuOf[name]);
          const all = c.broker + c.influx + c.generator;
          return [name, c.broker.toFixed(1), name.startsWith('Mosquitto') ? '—' : c.influx.toFixed(1), c.generator.toFixed(1), all.toFixed(1), ((all * m(name)) / 1e6).toFixed(2)];
        }),
      ),
      '',
      budget(cpuOf, mosq, median(verify), q1s),
      '',
      `Detection (the generic detector on every reading, in its worker thread) over all the runs above: ${detection.text}.`,
      '',
      `Latency from publish (the message's ts) to queryable in InfluxDB, at half the QoS 1 maximum, all devices publishing. InfluxDB is polled every 50 ms for the count of this run's readings of ${LATENCY_SAMPLE} of the devices; a device's k-th reading counts as queryable at the first answer showing k or more, so figures include up to one poll interval plus the poll's own duration (median in the table):`,
      '',
      table(['devices', 'rate /s', 'p50 ms', 'p99 ms', 'readings', 'poll ms'], (['unsigned', 'signed'] as Kind[]).map((k) => [k, fmt(latency[k].rate), latency[k].p50, latency[k].p99, latency[k].samples, latency[k].pollMs])),
    ].join('\n');
    console.log(`\n${summary}\n`);
    console.log(`written to ${updateDocSection(root, 'ingest', summary)}`);
  } catch (err) {
    console.error(`bench failed: ${(err as Error).stack}\n--- GridProof output ---\n${app.tail()}`);
    process.exitCode = 1;
  } finally {
    await app.stop();
    mosquitto.stop();
    await influx.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Whether scoring kept up with ingest at full speed: waits until the detection queue is empty
 * (at most 60 s), then compares readings scored with readings accepted since the app started.
 */
async function detectionCaughtUp(app: GridProofProcess): Promise<{ text: string }> {
  const started = Date.now();
  let m = await app.metrics();
  while (metricSum(m, 'gridproof_detect_queue') > 0 && Date.now() - started < 60_000) {
    await sleep(100);
    m = await app.metrics();
  }
  const scored = metricSum(m, 'gridproof_detect_scored_total', { detector: 'generic' });
  const accepted = metricSum(m, 'gridproof_ingest_accepted_total');
  const dropped = metricSum(m, 'gridproof_detect_dropped_total');
  const queue = metricSum(m, 'gridproof_detect_queue');
  return {
    text:
      `${fmt(scored)} of ${fmt(accepted)} accepted readings scored, ${fmt(dropped)} dropped from a full queue, ` +
      `${queue ? `${fmt(queue)} still queued after 60 s` : `queue empty ${((Date.now() - started) / 1000).toFixed(1)} s after the last run was counted`}`,
  };
}

function cpuText(c: CpuPerMessage): string {
  return `${c.broker.toFixed(1)} µs broker, ${c.influx.toFixed(1)} µs InfluxDB, ${c.generator.toFixed(1)} µs load generator`;
}

function medianCpu(runs: CpuPerMessage[]): CpuPerMessage {
  return { broker: median(runs.map((r) => r.broker)), influx: median(runs.map((r) => r.influx)), generator: median(runs.map((r) => r.generator)) };
}

/**
 * What the 0.8× goal leaves GridProof on this machine: at 0.8 × Mosquitto's rate every core-µs is
 * shared by GridProof, InfluxDB and the load generator; their measured costs per reading say
 * how many µs GridProof could spend.
 */
function budget(cpuOf: Record<string, CpuPerMessage[]>, mosquittoRate: number, verifyCeiling: number, signedRate: number): string {
  const cores = cpus().length;
  const goal = 0.8 * mosquittoRate;
  const perMessage = (cores * 1e6) / goal;
  const u = medianCpu(cpuOf['GridProof QoS 1 unsigned']);
  const s = medianCpu(cpuOf['GridProof QoS 1 signed']);
  const left = perMessage - u.influx - u.generator;
  // One verify costs what the ceiling run spent per signature: all cores for 1 s / ceiling.
  const verify = (cores * 1e6) / verifyCeiling;
  const signedBest = (cores * 1e6) / (verify + u.broker + s.influx + s.generator);
  return [
    `CPU budget of the QoS 1 goal: 0.8 × Mosquitto is ${fmt(goal)} readings/s; ${cores} cores give ${perMessage.toFixed(1)} µs of CPU per reading in all. ` +
      `InfluxDB (${u.influx.toFixed(1)} µs) and the load generator (${u.generator.toFixed(1)} µs) take ${(u.influx + u.generator).toFixed(1)} µs of it, ` +
      `which leaves GridProof ${left.toFixed(1)} µs per unsigned reading; it used ${u.broker.toFixed(1)} µs.`,
    '',
    `Signed: one Ed25519 verification costs ${verify.toFixed(1)} µs of CPU (the ceiling run), so the ceiling itself leaves nothing for anything else. ` +
      `With the verification added to GridProof's unsigned cost (${u.broker.toFixed(1)} µs) and the signed runs' InfluxDB (${s.influx.toFixed(1)} µs) and load generator (${s.generator.toFixed(1)} µs), ` +
      `${cores} cores could ingest at most ${fmt(signedBest)} signed readings/s; the measured ${fmt(signedRate)}/s is ${(signedRate / signedBest).toFixed(2)} of that (GridProof used ${s.broker.toFixed(1)} µs per signed reading).`,
  ].join('\n');
}

/** Bare Mosquitto QoS 1 pub/sub: messages/s one QoS 1 subscriber receives, and the CPU per message. */
async function mosquittoRun(mosquitto: { url: string; pid: number | undefined }, devices: WorkerDevice[]): Promise<{ rate: number; cpu: CpuPerMessage }> {
  const url = mosquitto.url;
  const expected = devices.length * MESSAGES;
  const sub = await mqtt.connectAsync(url, { clientId: `bench-sub-${Date.now()}`, clean: true, reconnectPeriod: 0 });
  let received = 0;
  let last = 0;
  const all = new Promise<void>((resolve) =>
    sub.on('message', () => {
      received++;
      last = Date.now();
      if (received === expected) resolve();
    }),
  );
  await sub.subscribeAsync('bench/#', { qos: 1 });
  const anon = devices.map((d) => ({ id: `m${d.id}`, username: '', password: '' }));
  let cpu0 = { broker: 0, subscriber: 0 };
  const load = await runLoad({ brokerUrl: url, messagesPerDevice: MESSAGES, qos: 1, inflight: INFLIGHT, firstSeq: 1, topicPrefix: 'bench' }, anon, PROCESSES, () => {
    cpu0 = { broker: cpuMs(mosquitto.pid), subscriber: ownCpuMs() };
  });
  await Promise.race([all, sleep(30_000)]);
  // The subscriber runs in this process, which does nothing else meanwhile.
  const cpu = { broker: cpuMs(mosquitto.pid) - cpu0.broker, subscriber: ownCpuMs() - cpu0.subscriber };
  await sub.endAsync();
  if (received < expected) console.log(`  (mosquitto subscriber got ${received}/${expected})`);
  const perMessage = (ms: number) => (ms * 1000) / Math.max(1, received);
  return { rate: (received * 1000) / (last - load.startedAt), cpu: { broker: perMessage(cpu.broker), influx: 0, generator: perMessage(load.cpuMs + cpu.subscriber) } };
}

/**
 * Publishes at a fixed total rate and polls InfluxDB every 50 ms for each device's count of
 * readings in the run; the k-th reading of a device counts as queryable at the first poll that
 * saw k or more (a conservative reading when batches land out of order).
 */
async function latencyRun(brokerUrl: string, influxUrl: string, prefix: string, devices: WorkerDevice[], firstSeq: number, rate: number) {
  const observations: Array<{ at: number; counts: Map<string, number> }> = [];
  const pollMs: number[] = [];
  // A cheap poll: LATENCY_SAMPLE devices, and only points of this run (time = the message ts,
  // so the time index skips earlier runs).
  const sampled = devices.slice(0, LATENCY_SAMPLE).map((d) => d.id);
  const sampleFilter = `(${sampled.map((id) => `"device" = '${id}'`).join(' OR ')})`;
  const since = Date.now() - 1_000;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const asked = Date.now();
      const series = await query<{ tags: { device: string }; values: Array<[string, number]> }>(
        influxUrl,
        `SELECT count("seq") FROM "energy" WHERE ${sampleFilter} AND time >= ${since}ms AND "seq" >= ${firstSeq} GROUP BY "device"`,
      );
      // Stamped when the answer arrives: conservative by up to the query's own duration.
      observations.push({ at: Date.now(), counts: new Map(series.map((s) => [s.tags.device, s.values[0][1]])) });
      pollMs.push(Date.now() - asked);
      await sleep(50);
    }
  })();
  const load = await runLoad(
    { brokerUrl, messagesPerDevice: MESSAGES, qos: 1, inflight: INFLIGHT, firstSeq, ratePerProcess: rate / PROCESSES, recordSendTimes: true },
    devices,
    PROCESSES,
  );
  await waitLanded(influxUrl, prefix, firstSeq, firstSeq + MESSAGES, load.sent, since);
  await sleep(100);
  polling = false;
  await poller;
  const latencies: number[] = [];
  for (const [device, times] of Object.entries(load.sendTimes ?? {}).filter(([id]) => sampled.includes(id))) {
    let k = 0;
    for (const o of observations) {
      const count = o.counts.get(device) ?? 0;
      while (k < count && k < times.length) latencies.push(o.at - times[k++]);
    }
  }
  return {
    p50: Math.round(percentile(latencies, 50)),
    p99: Math.round(percentile(latencies, 99)),
    max: Math.round(Math.max(...latencies)),
    rate: (load.sent * 1000) / load.ms,
    samples: latencies.length,
    pollMs: Math.round(median(pollMs)),
  };
}

void main();
