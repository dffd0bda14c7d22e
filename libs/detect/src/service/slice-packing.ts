import type { DeviceRef } from '@gridproof/events';
import type { Readings } from '@gridproof/telemetry';
import type { ScoringInput } from './detection-engine';

/**
 * One slice on its way to the worker, packed so that the main thread copies numbers, not
 * objects (a structured clone of each reading's object cost ≈ 2 µs of the broker's thread):
 * devices and key lists by index, sent once; the numeric readings in one transferred
 * Float64Array. A reading with a value that is not a number travels as its object in `other`.
 */
export interface PackedSlice {
  /** Clears both sides' device and key-list tables first (they are bounded). */
  reset: boolean;
  /** Devices new or changed since they were last sent: [index, ref]. */
  devices: Array<[number, DeviceRef]>;
  /** New key lists: [index, keys]. */
  keyLists: Array<[number, string[]]>;
  /** Per reading: device index, key-list index (-1: see other), ts. */
  device: Int32Array;
  keys: Int32Array;
  ts: Float64Array;
  /** The numeric readings, each reading's values in its key list's order. */
  values: Float64Array;
  other: Array<[number, Readings]>;
}

interface DeviceEntry {
  ref: DeviceRef;
  index: number;
  /** The key list this device's readings had last time, to check the next one against without allocating. */
  keys: string[] | null;
  keysIndex: number;
}

/** Main-thread side of PackedSlice: remembers what the worker already knows. */
export class SlicePacker {
  private devices = new Map<string, DeviceEntry>();
  private keyLists = new Map<string, number>();
  private nextDevice = 0;
  private reset = false;

  /** Bounded like the detectors: beyond maxEntries devices both tables start over. */
  constructor(private readonly maxEntries: number) {}

  pack(slice: readonly ScoringInput[]): PackedSlice {
    if (this.nextDevice > this.maxEntries || this.keyLists.size > this.maxEntries) {
      this.devices = new Map();
      this.keyLists = new Map();
      this.nextDevice = 0;
      this.reset = true;
    }
    const out: PackedSlice = {
      reset: this.reset,
      devices: [],
      keyLists: [],
      device: new Int32Array(slice.length),
      keys: new Int32Array(slice.length),
      ts: new Float64Array(slice.length),
      values: new Float64Array(0),
      other: [],
    };
    this.reset = false;
    let values = new Float64Array(slice.length * 8);
    let n = 0;
    for (let i = 0; i < slice.length; i++) {
      const { device, record } = slice[i];
      const entry = this.entryOf(device, out);
      out.device[i] = entry.index;
      out.ts[i] = record.ts;
      const readings = record.readings;
      let keys = entry.keys;
      if (!keys || !sameNumericKeys(readings, keys)) {
        keys = numericKeys(readings);
        if (!keys) {
          out.keys[i] = -1;
          out.other.push([i, readings]);
          continue;
        }
        entry.keys = keys;
        entry.keysIndex = this.keyListIndex(keys, out);
      }
      out.keys[i] = entry.keysIndex;
      if (n + keys.length > values.length) {
        const grown = new Float64Array(Math.max(values.length * 2, n + keys.length));
        grown.set(values);
        values = grown;
      }
      for (let j = 0; j < keys.length; j++) values[n++] = readings[keys[j]] as number;
    }
    // A view, not a copy: the thread takes the whole buffer (transferred) and reads n values.
    out.values = values.subarray(0, n);
    return out;
  }

  private entryOf(device: DeviceRef, out: PackedSlice): DeviceEntry {
    let entry = this.devices.get(device.id);
    if (!entry) {
      entry = { ref: device, index: this.nextDevice++, keys: null, keysIndex: -1 };
      this.devices.set(device.id, entry);
      out.devices.push([entry.index, device]);
    } else if (entry.ref !== device && !sameRef(entry.ref, device)) {
      // The device moved site or changed type: a new index, so that readings of this slice sent
      // with the old ref keep it. (Ingest hands out a new ref object per reading: compare fields.)
      entry.ref = device;
      entry.index = this.nextDevice++;
      out.devices.push([entry.index, device]);
    }
    return entry;
  }

  private keyListIndex(keys: string[], out: PackedSlice): number {
    const name = keys.join('\u0000');
    let index = this.keyLists.get(name);
    if (index === undefined) {
      index = this.keyLists.size;
      this.keyLists.set(name, index);
      out.keyLists.push([index, keys]);
    }
    return index;
  }
}

function sameRef(a: DeviceRef, b: DeviceRef): boolean {
  return a.site === b.site && a.type === b.type && a.family === b.family;
}

/** True when readings has exactly these keys, in this order, all with number values. */
function sameNumericKeys(readings: Readings, keys: string[]): boolean {
  let j = 0;
  for (const k in readings) {
    if (k !== keys[j++] || typeof readings[k] !== 'number') return false;
  }
  return j === keys.length;
}

/** The keys of readings in their order, or null if a value is not a number. */
function numericKeys(readings: Readings): string[] | null {
  const keys: string[] = [];
  for (const k in readings) {
    if (typeof readings[k] !== 'number') return null;
    keys.push(k);
  }
  return keys;
}

/** Worker side: rebuilds the slice from PackedSlice. */
export class SliceUnpacker {
  private devices: DeviceRef[] = [];
  private keyLists: string[][] = [];

  unpack(p: PackedSlice): ScoringInput[] {
    if (p.reset) {
      this.devices = [];
      this.keyLists = [];
    }
    for (const [i, ref] of p.devices) this.devices[i] = ref;
    for (const [i, keys] of p.keyLists) this.keyLists[i] = keys;
    const other = new Map(p.other);
    const slice: ScoringInput[] = new Array<ScoringInput>(p.device.length);
    let n = 0;
    for (let i = 0; i < slice.length; i++) {
      const device = this.devices[p.device[i]];
      if (!device) throw new Error(`detection thread: no device with index ${p.device[i]}`);
      let readings: Readings;
      if (p.keys[i] < 0) readings = other.get(i)!;
      else {
        const keys = this.keyLists[p.keys[i]];
        readings = {};
        for (let j = 0; j < keys.length; j++) readings[keys[j]] = p.values[n++];
      }
      slice[i] = { device, record: { ts: p.ts[i], readings } };
    }
    return slice;
  }
}
