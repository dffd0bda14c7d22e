import { KeyObject } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateDeviceKeyPair, privateKeyFromBase64, signMessage } from '@gridproof/telemetry';
import { SimClock } from '../clock';
import { labelsToCsv } from '../export/labels';
import { FleetFile, resolveFleet, ResolvedFleet } from '../fleet';
import { registrationMetadata } from '../signals';
import { createSimulation, SimSample, Simulation } from '../simulation';
import { DeviceConnection } from './device-connection';
import { Provisioner } from './provision';
import { SimStateFile } from './state-file';

export interface StartFleetOptions {
  fleet: FleetFile | ResolvedFleet;
  brokerUrl: string;
  /** Registers a device and returns its MQTT credentials (HTTP: httpProvisioner; in-process: the registry). */
  provision: Provisioner;
  seed?: number;
  /** Simulated start (default: now at speed 1; one day ago when accelerated). */
  start?: Date | number | string;
  /** Simulated seconds per wall second (default 1 = real time). */
  speed?: number;
  /**
   * Never report timestamps ahead of the wall clock (default true): an accelerated run
   * started in the past runs fast until it reaches the present, then in real time.
   */
  clampToPresent?: boolean;
  /** Keys, credentials and sequence numbers (default .data/sim/state.json; null = memory only). */
  statePath?: string | null;
  /** Where the labels of injected faults are kept up to date (null = not written). */
  labelsPath?: string | null;
  /** Device buffer size in readings (default: the fleet's bufferSize). */
  bufferSize?: number;
  maxInflight?: number;
  /** New connection attempts per second, fleet-wide (default 500). */
  connectRatePerS?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Concurrent provisioning calls (default 8). */
  provisionConcurrency?: number;
  tickMs?: number;
  /** Messages to sign per tick at most, so a fast clock never starves the event loop. */
  maxSamplesPerTick?: number;
  /**
   * How often the state file is written with the newest timestamp the run may have published by
   * the next write (default 30 s): a run restarted after a crash resumes after it.
   */
  stateFlushMs?: number;
  /** Told when the run starts later than asked (it resumes after an earlier run's last reading). */
  onNotice?: (message: string) => void;
  /** Sets whether devices mark themselves as requiring signatures (default: registry default). */
  requireSignature?: boolean;
}

export interface FleetStats {
  devices: number;
  provisioned: number;
  connected: number;
  /** Readings generated, published (sent), acknowledged (PUBACK), evicted from full buffers. */
  generated: number;
  sent: number;
  acked: number;
  evicted: number;
  buffered: number;
  /** Acknowledged messages per second over the last few seconds. */
  messagesPerSecond: number;
  faultsActive: number;
  faultsDeclared: number;
  simTime: number;
  speed: number;
}

export interface FleetHandle {
  /** Resolves when every device is provisioned and the clock runs. */
  ready: Promise<void>;
  simulation(): Simulation | null;
  stats(): FleetStats;
  /**
   * Stops generating readings, waits up to `drainMs` (default 5000) for the device buffers to
   * empty (a graceful shutdown delivers what was measured), then disconnects every device.
   */
  stop(opts?: { drainMs?: number }): Promise<void>;
}

interface Device {
  id: string;
  key: KeyObject;
  nextSeq: number;
  reservedUntil: number;
  conn: DeviceConnection;
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]);
  });
  await Promise.all(workers);
}

/**
 * A run with a state file from an earlier run resumes after that run's newest timestamp: the
 * ingest refuses readings whose ts is not above a device's last one.
 */
export function resumeStart(start: Date | number | string, lastTs: number | undefined, notice?: (message: string) => void): number {
  const asked = typeof start === 'number' ? start : new Date(start).getTime();
  if (lastTs === undefined || asked > lastTs) return asked;
  notice?.(`resuming after the previous run's last reading (${new Date(lastTs).toISOString()}) instead of ${new Date(asked).toISOString()}`);
  return lastTs + 1;
}

/**
 * Runs a fleet as MQTT devices: provisions each one (keys and credentials are kept in the
 * state file), opens one connection per device, and publishes every simulated reading signed,
 * in simulated time (speed × wall clock).
 */
export function startFleet(opts: StartFleetOptions): FleetHandle {
  const speed = opts.speed ?? 1;
  const state = SimStateFile.open(opts.statePath === undefined ? '.data/sim/state.json' : opts.statePath);
  const counters = { provisioned: 0, connected: 0, generated: 0, sent: 0, acked: 0, evicted: 0 };
  const rate: Array<{ at: number; acked: number }> = [];
  let sim: Simulation | null = null;
  let clock: SimClock | null = null;
  let devices: Device[] = [];
  let stopped = false;
  let tickTimer: NodeJS.Timeout | null = null;
  let admitTimer: NodeJS.Timeout | null = null;
  let labelsTimer: NodeJS.Timeout | null = null;
  let stateTimer: NodeJS.Timeout | null = null;

  // Fleet-wide connect rate: a queue released in slices every 100 ms.
  const admitQueue: Array<() => void> = [];
  const perSlice = Math.max(1, Math.round((opts.connectRatePerS ?? 500) / 10));
  admitTimer = setInterval(() => {
    for (let n = 0; n < perSlice && admitQueue.length; n++) admitQueue.shift()!();
  }, 100);

  const onEvent = (event: string, count = 1) => {
    if (event === 'connected') counters.connected++;
    else if (event === 'disconnected') counters.connected--;
    else if (event === 'acked') counters.acked++;
    else if (event === 'sent') counters.sent++;
    else if (event === 'evicted') counters.evicted += count;
  };

  const writeLabels = () => {
    if (!opts.labelsPath || !sim) return;
    mkdirSync(dirname(opts.labelsPath), { recursive: true });
    writeFileSync(opts.labelsPath, labelsToCsv(sim.labels()));
  };

  const handle = (sample: SimSample) => {
    const d = devices[indexOf.get(sample.device)!];
    d.conn.setLinkDown(sample.offline);
    if (Object.keys(sample.readings).length === 0) return; // a whole-reading dropout: nothing to send
    if (d.nextSeq >= d.reservedUntil) d.reservedUntil = state.reserve(d.id, d.nextSeq);
    const message = signMessage({ v: 1 as const, device: d.id, ts: sample.ts, seq: d.nextSeq++, readings: sample.readings }, d.key);
    state.noteSent(sample.ts);
    counters.generated++;
    pendingSends.push([d, JSON.stringify(message)]);
  };
  const indexOf = new Map<string, number>();
  let pendingSends: Array<[Device, string]> = [];

  const tick = () => {
    if (stopped || !sim || !clock) return;
    const now = clock.now();
    const max = opts.maxSamplesPerTick ?? 20_000;
    let n = 0;
    while (n < max && sim.peekTime() <= now) {
      handle(sim.next());
      n++;
    }
    // Reserved sequence blocks are on disk before any message using them leaves.
    state.flush();
    const sends = pendingSends;
    pendingSends = [];
    for (const [d, payload] of sends) d.conn.enqueue(payload);
    const wall = Date.now();
    rate.push({ at: wall, acked: counters.acked });
    while (rate.length > 2 && wall - rate[0].at > 5_000) rate.shift();
  };

  const ready = (async () => {
    const resolved = 'bufferSize' in opts.fleet && typeof (opts.fleet as ResolvedFleet).seed === 'number' && typeof opts.fleet.start === 'string'
      ? (opts.fleet as ResolvedFleet)
      : resolveFleet(opts.fleet as FleetFile, { seed: opts.seed, start: opts.start });
    const sites = new Map(resolved.sites.map((s) => [s.id, s]));
    await mapLimit(resolved.devices, opts.provisionConcurrency ?? 8, async (spec) => {
      if (stopped) return;
      let entry = state.get(spec.id);
      if (!entry) {
        const keys = generateDeviceKeyPair();
        entry = { publicKey: keys.publicKey, privateKey: keys.privateKey, seq: 1 };
        state.set(spec.id, entry);
      }
      if (!entry.credentials) {
        const site = sites.get(spec.site)!;
        entry.credentials = await opts.provision({
          id: spec.id,
          type: spec.type,
          site: { id: site.id, ...(site.name ? { name: site.name } : {}), lat: site.lat, lon: site.lon },
          ...metadataOf(spec),
          publicKey: entry.publicKey,
          ...(opts.requireSignature !== undefined ? { requireSignature: opts.requireSignature } : {}),
        });
        state.set(spec.id, entry);
      }
      counters.provisioned++;
    });
    state.flush();
    if (stopped) return;
    const defaultStart = speed > 1 ? Date.now() - 86_400_000 : Date.now();
    sim = createSimulation(resolved, { seed: opts.seed, start: resumeStart(opts.start ?? defaultStart, state.lastTs, opts.onNotice) });
    const bufferSize = opts.bufferSize ?? sim.fleet.bufferSize;
    devices = sim.devices.map((simDevice, i) => {
      const entry = state.get(simDevice.spec.id)!;
      indexOf.set(simDevice.spec.id, i);
      const conn = new DeviceConnection(simDevice.spec.id, entry.credentials!, {
        brokerUrl: opts.brokerUrl,
        bufferSize,
        maxInflight: opts.maxInflight ?? 8,
        backoffMinMs: opts.backoffMinMs ?? 500,
        backoffMaxMs: opts.backoffMaxMs ?? 30_000,
        admit: (start) => admitQueue.push(start),
        onEvent,
      });
      return { id: simDevice.spec.id, key: privateKeyFromBase64(entry.privateKey), nextSeq: entry.seq, reservedUntil: entry.seq, conn };
    });
    for (const d of devices) d.conn.start();
    clock = new SimClock(sim.startMs, speed, undefined, opts.clampToPresent ?? true);
    tickTimer = setInterval(tick, opts.tickMs ?? 100);
    const flushMs = opts.stateFlushMs ?? 30_000;
    const simClock = clock;
    // Until the next flush (twice its interval, for timer jitter) the run publishes no later than this.
    const reserveUntil = () => {
      const ahead = simClock.now() + 2 * flushMs * speed;
      return (opts.clampToPresent ?? true) ? Math.min(ahead, Date.now() + 2 * flushMs) : ahead;
    };
    stateTimer = setInterval(() => state.flush({ withLastTs: true, reserveUntil: reserveUntil() }), flushMs);
    if (opts.labelsPath) {
      writeLabels();
      labelsTimer = setInterval(writeLabels, 2_000);
    }
  })();
  // Surface provisioning failures through `ready`, never as an unhandled rejection.
  ready.catch(() => undefined);

  return {
    ready,
    simulation: () => sim,
    stats() {
      const first = rate[0];
      const last = rate[rate.length - 1];
      const mps = first && last && last.at > first.at ? ((last.acked - first.acked) * 1000) / (last.at - first.at) : 0;
      const now = clock?.now() ?? 0;
      let buffered = 0;
      for (const d of devices) buffered += d.conn.buffered;
      return {
        devices: devices.length || (sim?.devices.length ?? 0),
        provisioned: counters.provisioned,
        connected: counters.connected,
        generated: counters.generated,
        sent: counters.sent,
        acked: counters.acked,
        evicted: counters.evicted,
        buffered,
        messagesPerSecond: mps,
        faultsActive: sim ? sim.activeFaults(now) : 0,
        faultsDeclared: sim ? sim.fleet.faults.length : 0,
        simTime: now,
        speed,
      };
    },
    async stop(stopOpts = {}) {
      if (stopped) return;
      stopped = true;
      if (tickTimer) clearInterval(tickTimer);
      if (labelsTimer) clearInterval(labelsTimer);
      if (stateTimer) clearInterval(stateTimer);
      await ready.catch(() => undefined);
      for (const [d, payload] of pendingSends) d.conn.enqueue(payload);
      pendingSends = [];
      const drainUntil = Date.now() + (stopOpts.drainMs ?? 5_000);
      while (Date.now() < drainUntil && devices.some((d) => d.conn.buffered > 0)) await new Promise((r) => setTimeout(r, 50));
      if (admitTimer) clearInterval(admitTimer);
      await Promise.all(devices.map((d) => d.conn.stop()));
      state.flush({ withLastTs: true });
      writeLabels();
    },
  };
}

/** The device's nameplate (a PV inverter's rated power) and the fleet file's metadata, when any. */
function metadataOf(spec: ResolvedFleet['devices'][number]): { metadata?: Record<string, unknown> } {
  const metadata = registrationMetadata(spec);
  return metadata ? { metadata } : {};
}
