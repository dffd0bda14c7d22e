#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import { exportCsv } from './export';
import { loadFleet } from './fleet';
import { httpProvisioner, startFleet, FleetStats } from './mqtt';

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
};
const positive = (v: string) => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('expected a positive number');
  return n;
};
const iso = (v: string) => {
  if (Number.isNaN(Date.parse(v))) throw new InvalidArgumentError('expected an ISO 8601 time, e.g. 2025-06-01T00:00:00Z');
  return v;
};

function statusLine(s: FleetStats): string {
  const sim = s.simTime ? new Date(s.simTime).toISOString().replace('.000Z', 'Z') : '-';
  return (
    `devices ${s.connected}/${s.devices} connected (${s.provisioned} provisioned) | ` +
    `${s.messagesPerSecond.toFixed(0)} msg/s | acked ${s.acked} | buffered ${s.buffered}` +
    (s.evicted ? ` | evicted ${s.evicted}` : '') +
    ` | faults ${s.faultsActive}/${s.faultsDeclared} active | sim ${sim} ×${s.speed}`
  );
}

const program = new Command('gridproof-sim').description('GridProof firmware simulator: device fleets with labelled faults');

program
  .command('run')
  .description('run a fleet as MQTT devices against a GridProof broker')
  .requiredOption('--fleet <file>', 'fleet file (YAML)')
  .option('--broker <url>', 'MQTT broker URL', 'mqtt://127.0.0.1:1883')
  .option('--api <url>', 'GridProof API for provisioning', 'http://127.0.0.1:3000')
  .option('--api-key <key>', 'API key with the operator role (or env GP_SIM_API_KEY)')
  .option('--speed <n>', 'simulated seconds per wall second', positive, 1)
  .option('--seed <n>', 'random seed (default: the fleet file seed)', int)
  .option('--start <iso>', 'simulated start (default: now; accelerated: so the run ends at the present)', iso)
  .option('--duration <s>', 'stop after this many wall-clock seconds', positive)
  .option('--state <file>', 'keys, credentials and sequence numbers', '.data/sim/state.json')
  .option('--labels <file>', 'ground-truth labels of injected faults (CSV)', '.data/sim/labels.csv')
  .option('--connect-rate <n>', 'new connections per second', positive, 500)
  .action(async (o: { fleet: string; broker: string; api: string; apiKey?: string; speed: number; seed?: number; start?: string; duration?: number; state: string; labels: string; connectRate: number }) => {
    const apiKey = o.apiKey ?? process.env.GP_SIM_API_KEY;
    if (!apiKey) {
      console.error('gridproof-sim: --api-key (or GP_SIM_API_KEY) is required to provision devices');
      process.exitCode = 2;
      return;
    }
    const fleet = loadFleet(o.fleet);
    // Accelerated runs start in the past so they end at the present (at most 6 days back:
    // the ingest's backfill window is 7).
    const start = o.start ?? (o.speed > 1 ? Date.now() - Math.min((o.duration ?? 3600) * o.speed * 1000, 6 * 86_400_000) : undefined);
    const handle = startFleet({
      fleet,
      brokerUrl: o.broker,
      provision: httpProvisioner(o.api, apiKey),
      seed: o.seed,
      start,
      speed: o.speed,
      statePath: o.state,
      labelsPath: o.labels,
      connectRatePerS: o.connectRate,
      onNotice: (message) => console.log(message),
    });
    const tty = process.stdout.isTTY;
    const show = () => {
      const line = statusLine(handle.stats());
      if (tty) process.stdout.write(`\r\x1b[2K${line}`);
      else console.log(line);
    };
    const display = setInterval(show, tty ? 1000 : 10_000);
    let stopping = false;
    const stop = async (code: number) => {
      if (stopping) return;
      stopping = true;
      clearInterval(display);
      await handle.stop();
      show();
      if (tty) process.stdout.write('\n');
      console.log(`labels: ${o.labels}`);
      process.exitCode = code;
    };
    process.once('SIGINT', () => void stop(0));
    process.once('SIGTERM', () => void stop(0));
    try {
      await handle.ready;
    } catch (err) {
      console.error(`\ngridproof-sim: ${(err as Error).message}`);
      await stop(1);
      return;
    }
    if (o.duration) setTimeout(() => void stop(0), o.duration * 1000).unref();
  });

program
  .command('export')
  .description('write the fleet signals and fault labels straight to CSV (no MQTT)')
  .requiredOption('--fleet <file>', 'fleet file (YAML)')
  .requiredOption('--from <iso>', 'simulated start, ISO 8601', iso)
  .requiredOption('--to <iso>', 'simulated end (exclusive), ISO 8601', iso)
  .option('--seed <n>', 'random seed (default: the fleet file seed)', int)
  .requiredOption('--out <dir>', 'output folder')
  .action(async (o: { fleet: string; from: string; to: string; seed?: number; out: string }) => {
    const started = Date.now();
    const result = await exportCsv({
      fleet: loadFleet(o.fleet),
      from: o.from,
      to: o.to,
      seed: o.seed,
      outDir: o.out,
      onProgress: (t, rows) => {
        if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${new Date(t).toISOString()}  ${rows} rows`);
      },
    });
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
    const total = Object.values(result.rows).reduce((a, b) => a + (b ?? 0), 0);
    console.log(`${total} rows, ${result.labels.length} labelled faults → ${o.out} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    for (const [type, rows] of Object.entries(result.rows)) console.log(`  ${join(o.out, `${type}.csv`)}  ${rows} rows`);
    console.log(`  ${join(o.out, 'labels.csv')}\n  ${join(o.out, 'fleet.json')}`);
  });

program.parseAsync(process.argv).catch((err: Error) => {
  console.error(`gridproof-sim: ${err.message}`);
  process.exitCode = 1;
});
