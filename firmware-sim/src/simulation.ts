import { DeviceType } from '@gridproof/telemetry';
import { Environment } from './environment';
import { FaultLabel, FaultRuntime, FAULTS, SampleDraft } from './faults';
import { FleetFile, parseDuration, resolveFleet, ResolvedDevice, ResolvedFleet, ResolveOptions } from './fleet';
import { hashSeed, Rng } from './rng';
import { createModel, DeviceModel, NOISE, Readings } from './signals';
// A module-local Math: under jest's vm sandbox every global lookup is ~100x slower, and the
// models call Math millions of times per simulated year.
const Math = globalThis.Math;

/** One reading of one device, as the device would report it. */
export interface SimSample {
  device: string;
  type: DeviceType;
  site: string;
  /** True simulation time (Unix ms). */
  t: number;
  /** Timestamp the device reports (its clock; differs from t under clock skew). */
  ts: number;
  /** Metrics reported, in catalogue order (dropped-out metrics are absent). */
  readings: Readings;
  missing: string[];
  /** The device has no connectivity at t: the reading waits in its buffer. */
  offline: boolean;
  /** Evicted from the device's bounded buffer during an outage: never arrives. */
  lost: boolean;
}

/** One simulated device: its physics, its faults and its reporting schedule. */
export class SimDevice {
  readonly intervalMs: number;
  readonly firstEmitMs: number;
  nextMs: number;
  readonly faults: FaultRuntime[] = [];
  /** The last ts this device reported: the next one must be later (see emit). */
  private lastTs = -Infinity;

  constructor(
    readonly spec: ResolvedDevice,
    readonly index: number,
    readonly model: DeviceModel,
    startMs: number,
    seed: number,
  ) {
    // Timestamps are whole milliseconds: an interval below 1 ms would repeat them.
    this.intervalMs = Math.max(1, Math.round(spec.intervalS * 1000));
    // Spread devices over their interval so a fleet does not publish in lock-step.
    this.firstEmitMs = startMs + (hashSeed(seed, spec.id, 'phase') % this.intervalMs);
    this.nextMs = this.firstEmitMs;
  }

  /** Produces the reading due at nextMs and schedules the following one. */
  emit(): SimSample {
    const t = this.nextMs;
    this.nextMs += this.intervalMs;
    for (const f of this.faults) f.prepare?.(t);
    this.model.advance(t);
    const draft: SampleDraft = { t, ts: t, readings: this.model.read(t), missing: [], offline: false, lost: false };
    for (const f of this.faults) f.apply(draft);
    // Firmware rule (GridProof rejects the rest as ts_not_increasing, since InfluxDB would store
    // two readings with one ts as one point): each ts is above the last one sent. A clock set
    // back (clock-skew fault, NTP step) holds ts at last + 1 ms until it passes the last one.
    draft.ts = Math.max(draft.ts, this.lastTs + 1);
    this.lastTs = draft.ts;
    return { device: this.spec.id, type: this.spec.type, site: this.spec.site, ...draft };
  }
}

export type SimulationOptions = ResolveOptions;

/**
 * A deterministic fleet simulation: readings of every device in timestamp order (ties by
 * device order). The same fleet, seed and start always give the same readings.
 */
export class Simulation {
  readonly devices: SimDevice[];
  readonly startMs: number;
  private readonly heap: SimDevice[];
  private readonly labelsList: FaultLabel[] = [];
  private readonly runtimes: FaultRuntime[] = [];

  constructor(readonly fleet: ResolvedFleet) {
    this.startMs = Date.parse(fleet.start);
    const env = new Environment(hashSeed(fleet.seed, 'environment'));
    const sites = new Map(fleet.sites.map((s) => [s.id, s]));
    this.devices = fleet.devices.map((d, index) => {
      const site = sites.get(d.site)!;
      const model = createModel({
        deviceId: d.id,
        type: d.type,
        lat: site.lat,
        lon: site.lon,
        params: d.params,
        env,
        rng: Rng.derive(fleet.seed, 'device', d.id),
        grid: fleet.grid,
        startMs: this.startMs,
      });
      return new SimDevice(d, index, model, this.startMs, fleet.seed);
    });
    const byId = new Map(this.devices.map((d) => [d.spec.id, d]));
    fleet.faults.forEach((spec, i) => {
      const device = byId.get(spec.device);
      if (!device) throw new Error(`fault ${i} names unknown device ${spec.device}`);
      const startMs = Date.parse(spec.start);
      const duration = spec.duration ? parseDuration(spec.duration) : null;
      const runtime = FAULTS[spec.kind].create(spec, {
        model: device.model,
        rng: Rng.derive(fleet.seed, 'fault', spec.device, i),
        noise: NOISE[device.spec.type],
        startMs,
        endMs: duration === null ? null : startMs + duration,
        device: {
          id: device.spec.id,
          type: device.spec.type,
          intervalMs: device.intervalMs,
          firstEmitMs: device.firstEmitMs,
          bufferSize: fleet.bufferSize,
        },
      });
      device.faults.push(runtime);
      this.runtimes.push(runtime);
      this.labelsList.push(runtime.label);
    });
    this.heap = [...this.devices];
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** Time of the next reading of any device. */
  peekTime(): number {
    return this.heap[0].nextMs;
  }

  /** The next reading in timestamp order. */
  next(): SimSample {
    const device = this.heap[0];
    const sample = device.emit();
    this.siftDown(0);
    return sample;
  }

  /** Every reading with t < endMs, in order. */
  *until(endMs: number): Generator<SimSample> {
    while (this.peekTime() < endMs) yield this.next();
  }

  /** Ground truth so far: one label per declared fault. */
  labels(): FaultLabel[] {
    return this.labelsList.map((l) => ({ ...l }));
  }

  /** Faults in effect at t. */
  activeFaults(t: number): number {
    let n = 0;
    for (const r of this.runtimes) if (r.active(t)) n++;
    return n;
  }

  private less(a: SimDevice, b: SimDevice): boolean {
    return a.nextMs < b.nextMs || (a.nextMs === b.nextMs && a.index < b.index);
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(h[l], h[m])) m = l;
      if (r < n && this.less(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}

function isResolved(fleet: FleetFile | ResolvedFleet): fleet is ResolvedFleet {
  return typeof (fleet as ResolvedFleet).bufferSize === 'number' && typeof (fleet as ResolvedFleet).seed === 'number' && typeof fleet.start === 'string';
}

/**
 * Creates a simulation from a fleet file (expanded with the given seed and start) or from an
 * already resolved fleet (e.g. a fleet.json; then seed/start override its own when given).
 */
export function createSimulation(fleet: FleetFile | ResolvedFleet, opts: SimulationOptions = {}): Simulation {
  if (isResolved(fleet)) {
    const resolved = { ...fleet };
    if (opts.seed !== undefined) resolved.seed = opts.seed;
    if (opts.start !== undefined) {
      // Fault starts are absolute in a resolved fleet: shift them with the start.
      const newStart = new Date(typeof opts.start === 'string' && opts.start !== 'now' ? Date.parse(opts.start) : opts.start === 'now' ? Date.now() : opts.start).getTime();
      const shift = newStart - Date.parse(fleet.start);
      resolved.start = new Date(newStart).toISOString();
      resolved.faults = fleet.faults.map((f) => ({ ...f, start: new Date(Date.parse(f.start) + shift).toISOString() }));
    }
    return new Simulation(resolved);
  }
  return new Simulation(resolveFleet(fleet, opts));
}
