import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cleanups } from '../cleanup';
import { sharedInfluxUrl, startTestInfluxd, TestInfluxd, uniqueName } from '../influxd';
import { compileApp, GridProofProcess } from './gridproof-process';
import { fleetDevices, ResendingPublisher } from './qos1-fleet';
import { compareExactlyOnce, dropDatabase, ExactlyOnceReport, storedSeqs } from './stored-readings';

export interface FaultRigOptions {
  /** Names the database and the data folder. */
  name: string;
  /** A private InfluxDB the test may kill; otherwise the run's shared one. */
  ownInflux?: boolean;
  /** More environment for the app (GP_SPOOL_MAX_BYTES, ...). */
  env?: Record<string, string>;
  /** Compile and prepare, but leave the app stopped. */
  noStart?: boolean;
  /** No INFLUX_URL: the app starts and supervises its own influxd on this port (and port + 2). */
  localInfluxPort?: number;
}

export interface FaultRig {
  app: GridProofProcess;
  /** Set with ownInflux. */
  influx: TestInfluxd | null;
  influxUrl: string;
  database: string;
  /** The compiled main.js, for more processes of the same build. */
  entry: string;
  dataDir: string;
}

/**
 * The setup every process-level fault test shares: the app compiled from the current sources,
 * a fresh data folder and database, and the real GridProof process started like `npm start`.
 * Everything is registered with cleanups, last started first stopped.
 */
export async function startFaultRig(options: FaultRigOptions, cleanups: Cleanups): Promise<FaultRig> {
  const build = compileApp();
  cleanups.add(() => build.remove());
  const database = uniqueName(`fault_${options.name}`);
  let influx: TestInfluxd | null = null;
  if (options.localInfluxPort) {
    // Nothing to drop: the app's own influxd keeps its data in the data folder.
  } else if (options.ownInflux) {
    influx = await startTestInfluxd();
    const started = influx;
    cleanups.add(() => started.dispose());
  } else {
    cleanups.add(() => dropDatabase(sharedInfluxUrl(), database));
  }
  const influxUrl = options.localInfluxPort ? `http://127.0.0.1:${options.localInfluxPort}` : (influx?.url ?? sharedInfluxUrl());
  const env = options.localInfluxPort ? { ...options.env, INFLUX_URL: '', INFLUX_LOCAL_PORT: String(options.localInfluxPort) } : options.env;
  const dataDir = mkdtempSync(join(tmpdir(), `gp-fault-${options.name}-`));
  cleanups.add(() => rmSync(dataDir, { recursive: true, force: true }));
  const app = await GridProofProcess.create({ entry: build.entry, dataDir, influxUrl, influxDatabase: database, ...(env ? { env } : {}) });
  cleanups.add(() => app.stop());
  if (!options.noStart) await app.start();
  return { app, influx, influxUrl, database, entry: build.entry, dataDir };
}

export interface Qos1Load {
  publishers: ResendingPublisher[];
  /** Distinct readings acknowledged so far, over all devices. */
  acked(): number;
  unacked(): number;
  sent(): number;
}

/** Provisions `devices` devices and starts them publishing at QoS 1 with `window` messages in flight each. */
export async function startQos1Load(rig: FaultRig, prefix: string, devices: number, window: number, cleanups: Cleanups): Promise<Qos1Load> {
  const fleet = fleetDevices(prefix, devices);
  const passwords = await rig.app.provision(fleet.requests);
  for (const d of fleet.devices) d.password = passwords.get(d.id)!;
  const publishers = fleet.devices.map((d) => new ResendingPublisher(d, () => rig.app.mqttUrl, window));
  cleanups.add(() => Promise.all(publishers.map((p) => p.close())));
  publishers.forEach((p) => p.start());
  const sum = (f: (p: ResendingPublisher) => number) => () => publishers.reduce((n, p) => n + f(p), 0);
  return { publishers, acked: sum((p) => p.acked.size), unacked: sum((p) => p.unacked.size), sent: sum((p) => p.sent) };
}

/** What InfluxDB holds for the load's devices, compared reading by reading with what they sent and had acknowledged. */
export async function exactlyOnceReport(rig: FaultRig, load: Qos1Load): Promise<ExactlyOnceReport> {
  return compareExactlyOnce(
    await storedSeqs(rig.influxUrl, rig.database),
    load.publishers.map((p) => ({ id: p.device.id, acked: p.acked, sent: p.sent })),
  );
}
