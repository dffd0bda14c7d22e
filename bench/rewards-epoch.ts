/**
 * `npm run bench:rewards`: one contribution-ledger epoch (libs/rewards computeEpoch) for
 * BENCH_DEVICES devices (default 10,000) of synthetic stored records, one every 5 minutes for a
 * UTC day (289 each with the counters' starting point). Mix: 40 % PV inverters, 15 % EV
 * chargers, 15 % batteries, 20 % smart meters, 10 % weather stations, 20 devices a site; one PV
 * device in 40 reports three times what its panels can make (held: pv_above_clear_sky).
 *
 * The bulk epoch runs in the epoch job's signature mode, `present` (every record must carry a
 * well-formed signature; its validity was checked by ingest before the record was accepted and
 * anchored), so its records carry a placeholder signature: signing 2.9 million records here
 * would take ≈ 7 minutes and is not what is measured. The auditor's mode, `verify` (every
 * Ed25519 signature re-checked), is measured separately on BENCH_VERIFY_DEVICES devices with
 * really signed records. Record generation is not timed; computeEpoch is, end to end (grouping,
 * checks, counters, clear-sky bounds, peer check, split, both trees, manifest).
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { computeEpoch, epochAt, GENESIS_STATE, LedgerDevice, rewardRule } from '@gridproof/rewards';
import type { DeviceType, IngestRecord } from '@gridproof/telemetry';
import { pvPowerW, syntheticDevice, syntheticSeries } from '../libs/rewards/src/testing/synthetic-records';
import { fmt, machineReport, table, updateDocSection } from './lib/report';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 10_000);
const VERIFY_DEVICES = Number(process.env.BENCH_VERIFY_DEVICES ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DAY = Math.floor(Date.UTC(2026, 5, 21) / 86_400_000);
const rule = rewardRule();
const epoch = epochAt(DAY, rule.epochMs);
const FIVE_MIN = 300_000;
const domain = { chainId: 31337, distributor: '0x' + 'd1'.repeat(20) };

function typeOf(i: number): DeviceType {
  const k = i % 20;
  if (k < 8) return 'pv-inverter';
  if (k < 11) return 'ev-charger';
  if (k < 14) return 'battery';
  if (k < 18) return 'smart-meter';
  return 'weather';
}

function fleet(n: number, signature: 'real' | 'placeholder'): { devices: LedgerDevice[]; records: IngestRecord[] } {
  const devices: LedgerDevice[] = [];
  const records: IngestRecord[] = [];
  for (let i = 0; i < n; i++) {
    const type = typeOf(i);
    const s = Math.floor(i / 20);
    const site = { id: `site-${s}`, lat: 35 + (s % 25), lon: -10 + ((s * 7) % 40) };
    const d = syntheticDevice({ id: `${type}-${String(i).padStart(5, '0')}`, type, site, ratedKwp: type === 'pv-inverter' ? 5 + (i % 7) : null, owner: '0x' + (i % 3_000).toString(16).padStart(40, '0') });
    const base = { epoch, intervalMs: FIVE_MIN, signature, startKwh: 100 + i };
    let series: IngestRecord[];
    if (type === 'pv-inverter') series = syntheticSeries(d, { ...base, powerW: pvPowerW(site, d.device.ratedKwp! * 1000, i % 100 === 0 ? 3 : 0.5 + (i % 5) * 0.05), extra: (t) => ({ ac_power_w: Math.round((t / 1_000) % 5_000), heatsink_temp_c: 30 + ((t / FIVE_MIN) % 17) / 10 }) });
    else if (type === 'ev-charger') series = syntheticSeries(d, { ...base, powerW: (t) => ((t / 3_600_000) % 24 < 8 ? 7_400 : 0), extra: (t) => ({ status: 'Charging', power_w: 7_400 - ((t / FIVE_MIN) % 11), connector_temp_c: 40 + ((t / FIVE_MIN) % 7) / 10 }) });
    else if (type === 'smart-meter') series = syntheticSeries(d, { ...base, counter: 'energy_import_kwh', powerW: () => 800, extra: (t) => ({ power_w: 800 + ((t / FIVE_MIN) % 97), voltage_v: 230 + ((t / FIVE_MIN) % 5) / 10 }) });
    else if (type === 'battery') series = syntheticSeries(d, { ...base, counter: 'cycle_count', startKwh: 0.3, powerW: () => 0.05, extra: (t) => ({ soc_pct: 50 + ((t / FIVE_MIN) % 31), power_w: 1_000 + ((t / FIVE_MIN) % 13) }) });
    else series = syntheticSeries(d, { ...base, counter: 'pressure_hpa', startKwh: 1013, powerW: () => 0, extra: (t) => ({ temp_c: 15 + ((t / FIVE_MIN) % 13) / 10, humidity_pct: 60 + ((t / FIVE_MIN) % 9) }) });
    devices.push(d.device);
    for (const r of series) records.push(r);
  }
  return { devices, records };
}

/** Wall time and this process's CPU time (user + system): the machine is shared, so both are shown. */
function time<T>(f: () => T): { value: T; seconds: number; cpuSeconds: number } {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const value = f();
  const c = process.cpuUsage(c0);
  return { value, seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpuSeconds: (c.user + c.system) / 1e6 };
}

function main(): void {
  const started = Date.now();
  const loadAtStart = loadavg().map((l) => l.toFixed(1)).join(', ');
  console.log(machineReport());
  console.log(`load average ${loadAtStart}`);
  const gen = time(() => fleet(DEVICES, 'placeholder'));
  const { devices, records } = gen.value;
  console.log(`generated ${fmt(records.length)} records of ${fmt(DEVICES)} devices in ${gen.seconds.toFixed(1)} s (not timed below)`);
  const rows: Array<Array<string | number>> = [];
  let last: ReturnType<typeof computeEpoch> | null = null;
  for (let run = 1; run <= RUNS; run++) {
    const r = time(() => computeEpoch({ epoch: DAY, devices, records, logHead: { treeSize: records.length, root: 'ab'.repeat(32) }, previous: GENESIS_STATE, domain }, rule, 'present'));
    last = r.value;
    console.log(`run ${run}: ${r.seconds.toFixed(2)} s (CPU ${r.cpuSeconds.toFixed(2)} s), ${fmt(records.length / r.seconds)} readings/s`);
    rows.push([`present, run ${run}`, fmt(DEVICES), fmt(records.length), r.seconds.toFixed(2), r.cpuSeconds.toFixed(2), fmt(records.length / r.seconds)]);
  }
  const totals = last!.manifest.totals;
  console.log(`eligible ${totals.eligibleDevices}, held ${totals.heldDevices} ${JSON.stringify(totals.holds)}, owners ${totals.owners}, paid ${totals.paid} of ${totals.pool}`);

  const small = fleet(VERIFY_DEVICES, 'real');
  const v = time(() => computeEpoch({ epoch: DAY, devices: small.devices, records: small.records, logHead: { treeSize: small.records.length, root: 'ab'.repeat(32) }, previous: GENESIS_STATE, domain }, rule, 'verify'));
  console.log(`verify mode: ${VERIFY_DEVICES} devices, ${fmt(small.records.length)} signed records in ${v.seconds.toFixed(2)} s (CPU ${v.cpuSeconds.toFixed(2)} s), ${fmt(small.records.length / v.seconds)} readings/s`);
  rows.push(['verify (Ed25519 re-checked)', fmt(VERIFY_DEVICES), fmt(small.records.length), v.seconds.toFixed(2), v.cpuSeconds.toFixed(2), fmt(small.records.length / v.seconds)]);

  const md = [
    `### Contribution ledger: one epoch`,
    '',
    `Command: \`npm run build && npm run bench:rewards\` (BENCH_DEVICES=${DEVICES} BENCH_VERIFY_DEVICES=${VERIFY_DEVICES} BENCH_RUNS=${RUNS}), measured ${new Date(started).toISOString().slice(0, 16).replace('T', ' ')} UTC, ${Math.round((Date.now() - started) / 1000)} s.`,
    '',
    '```',
    machineReport(),
    '```',
    '',
    `One UTC day, a record every 5 minutes per device (mix: 40 % PV, 15 % EV chargers, 15 % batteries, 20 % meters, 10 % weather; 20 devices a site; one PV device in 40 over-reports threefold and is held). Timed: \`computeEpoch\` end to end (checks, counters, clear-sky bounds, peer check, pool split, both trees, manifest); record generation is not. \`present\`: signatures must be present and well formed (ingest verified them before acceptance); \`verify\`: every Ed25519 signature re-checked, as \`verifyEpoch\` does by default.`,
    '',
    table(['mode', 'devices', 'readings', 'wall s', 'CPU s', 'readings/s (wall)'], rows),
    '',
    `Load average when it started: ${loadAtStart}. The machine is shared: CPU s is the process's own CPU time during the computation (the main thread plus V8's GC helpers).`,
    '',
    `Last run: ${totals.eligibleDevices} devices eligible, ${totals.heldDevices} held ${JSON.stringify(totals.holds)}, ${totals.owners} owners paid ${totals.paid} of ${totals.pool} base units.`,
  ].join('\n');
  const file = updateDocSection(join(__dirname, '..', '..'), 'rewards', md);
  console.log(`wrote ${file}`);
}

main();
