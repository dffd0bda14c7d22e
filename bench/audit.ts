/**
 * `npm run bench:audit`: records/s an audit recomputes and checks against the chain. The real
 * app process (embedded chain, its own InfluxDB, fresh data folder) ingests BENCH_DEVICES ×
 * BENCH_MESSAGES signed readings over MQTT, anchors them (GP_ANCHOR_INTERVAL_MS=2000), then
 * `GET /api/audit?from&to` rebuilds every batch of the period from InfluxDB (canonical
 * records, RFC 6962 Merkle roots) and compares each root with the one on chain, BENCH_RUNS times.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDeviceKeyPair } from '@gridproof/telemetry';
import { startTestInfluxd } from '@gridproof/testing';
import { GridProofProcess, repoRoot, sleep } from '../libs/testing/src/faults/gridproof-process';
import { runLoad } from './lib/load';
import { fmt, machineReport, median, table, updateDocSection } from './lib/report';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 100);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? Math.max(2, cpus().length));
const INTERVAL_MS = 2_000;

interface AuditReport {
  records: number;
  verified: number;
  failed: number;
  durationMs: number;
  batches: unknown[];
  /** The SQL key history against the log's key events (absent before key events were logged). */
  keyHistory?: { checked: number; verified: boolean };
}

async function main(): Promise<void> {
  const started = Date.now();
  const header = [
    machineReport(),
    `workload: ${fmt(DEVICES * MESSAGES)} signed pv-inverter readings (${DEVICES} devices × ${MESSAGES}, QoS 1, ${PROCESSES} publisher processes) ingested by the app, ` +
      `anchored on the embedded chain in ${INTERVAL_MS / 1000} s windows, then audited ${RUNS} times`,
  ].join('\n');
  console.log(header);
  const influx = await startTestInfluxd();
  const dataDir = mkdtempSync(join(tmpdir(), 'gp-bench-audit-'));
  const app = await GridProofProcess.create({
    entry: join(repoRoot(), 'dist', 'apps', 'gridproof', 'src', 'main.js'),
    dataDir,
    influxUrl: influx.url,
    influxDatabase: 'bench',
    env: { GP_ANCHOR_INTERVAL_MS: String(INTERVAL_MS) },
  });
  try {
    await app.start();
    const key = app.adminKey();
    const api = async <T>(path: string): Promise<T> => {
      const res = await fetch(`${app.apiUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
      if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const keys = Array.from({ length: DEVICES }, () => generateDeviceKeyPair());
    const requests = keys.map((k, i) => ({ id: `audit-${i}`, type: 'pv-inverter', site: { id: `audit-site-${i % 10}`, lat: 52.5, lon: 13.4 }, publicKey: k.publicKey }));
    const passwords = await app.provision(requests);
    const devices = requests.map((r, i) => ({ id: r.id, username: r.id, password: passwords.get(r.id)!, privateKey: keys[i].privateKey }));

    const from = Date.now() - 1_000;
    const load = await runLoad({ brokerUrl: app.mqttUrl, messagesPerDevice: MESSAGES, qos: 1, inflight: 16, firstSeq: 1 }, devices, PROCESSES);
    console.log(`ingested: ${fmt(load.acked)} acknowledged in ${(load.ms / 1000).toFixed(1)} s`);
    const to = Date.now() + 1;
    // Anchored once a batch whose window ends after `to` is on chain and nothing waits.
    const deadline = Date.now() + 300_000;
    for (;;) {
      const s = await api<{ lastAnchored: { end: number } | null; backlog: number }>('/api/anchors/status');
      if (s.lastAnchored && s.lastAnchored.end >= to && s.backlog === 0) break;
      if (Date.now() > deadline) throw new Error(`not anchored in time: ${JSON.stringify(s)}`);
      await sleep(500);
    }

    const rates: number[] = [];
    const wallRates: number[] = [];
    let last: AuditReport | null = null;
    for (let run = 0; run < RUNS; run++) {
      const t0 = Date.now();
      const report = await api<AuditReport>(`/api/audit?from=${from}&to=${to}`);
      const wall = Date.now() - t0;
      rates.push((report.records * 1000) / report.durationMs);
      wallRates.push((report.records * 1000) / wall);
      last = report;
      console.log(`  audit ${run + 1}/${RUNS}: ${fmt(report.records)} records in ${report.batches.length} batches, ${report.verified} verified, ${report.failed} failed, ${fmt(report.durationMs)} ms (${fmt(rates.at(-1)!)} records/s; ${fmt(wall)} ms over HTTP)`);
    }
    if (!last || last.records !== load.acked || last.failed !== 0) throw new Error(`audit disagrees: ${last?.records} records, ${last?.failed} failed, ${load.acked} acknowledged`);
    if (last.keyHistory && !last.keyHistory.verified) throw new Error(`audit names key events: ${JSON.stringify(last.keyHistory)}`);
    if (last.keyHistory) console.log(`key history: ${last.keyHistory.checked} key events compared with the log, verified`);

    const summary = [
      '## Audit',
      '',
      `Command: \`npm run build && npm run bench:audit\` (BENCH_DEVICES=${DEVICES} BENCH_MESSAGES=${MESSAGES} BENCH_RUNS=${RUNS}), measured ${new Date(started).toISOString().slice(0, 16).replace('T', ' ')} UTC, ${Math.round((Date.now() - started) / 1000)} s.`,
      '',
      '```',
      header,
      '```',
      '',
      'An audit (`GET /api/audit?from&to`, the real app) reads every record of the period back from InfluxDB, rebuilds each batch\'s canonical records (RFC 8785) and RFC 6962 Merkle root, and compares the root with the one on chain. Every run found all acknowledged readings and no failed batch.',
      '',
      table(
        ['audited', 'records', 'batches', 'median records/s (server time)', 'runs records/s', 'median records/s (over HTTP)'],
        [['period of the load', fmt(last.records), last.batches.length, fmt(median(rates)), rates.map(fmt).join(', '), fmt(median(wallRates))]],
      ),
    ].join('\n');
    console.log(`\n${summary}\n`);
    console.log(`written to ${updateDocSection(repoRoot(), 'audit', summary)}`);
  } catch (err) {
    console.error(`bench failed: ${(err as Error).stack}\n--- GridProof output ---\n${app.tail()}`);
    process.exitCode = 1;
  } finally {
    await app.stop();
    await influx.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
