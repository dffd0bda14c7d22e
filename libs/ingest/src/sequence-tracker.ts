import type { Family, TelemetryMessage } from '@gridproof/telemetry';
import { IngestLogger, RateLimitedLog } from './ingest-logger';

/** The seq and ts (device time, ms) of a device's newest accepted reading. */
export interface LastAccepted {
  seq: number;
  ts: number;
  /** Its signature, when known (InfluxDB): lets a redelivery after a restart count as duplicate. */
  sig?: string | null;
}

/**
 * 48 bits that identify a message's content, only used to tell a QoS 1 redelivery from a
 * replay, never to accept anything.
 *
 * Signed: the first 6 bytes of its Ed25519 signature (verified, canonical base64), which covers
 * device, ts, seq and readings. Decoded from the first 8 characters alone; after a restart the
 * newest stored point's signature (InfluxDB) goes through the same decoding, so a redelivery of
 * it still matches.
 *
 * Unsigned: a fingerprint of ts, seq and the readings as RFC 8785 sees them (own keys in any
 * order, numbers by value with −0 = 0, strings by their UTF-16 code units, a number never equal
 * to a string), so a message re-serialised by the device is the same content, as its canonical
 * form would be. It is computed from the parsed message, without serialising it a second time
 * (signingBytes + SHA-1 cost ≈ 6 % of the broker thread). It is not a cryptographic hash: an
 * unsigned device's credentials could also just publish new seqs, so nothing is gained by
 * forging one. After a restart an unsigned device's stored point has no signature and matches
 * on seq and ts alone (RecentAccepted.has with a NaN digest).
 */
export function contentDigest(message: Pick<TelemetryMessage, 'ts' | 'seq' | 'readings' | 'sig'>): number {
  return message.sig !== undefined ? signatureDigest(message.sig) : readingsDigest(message.ts, message.seq, message.readings);
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) BASE64_VALUE[BASE64.charCodeAt(i)] = i;

/** The first 6 bytes of the base64 text's decoding, big-endian: 8 characters of 6 bits. */
function signatureDigest(sig: string): number {
  let x = 0;
  for (let i = 0; i < 8 && i < sig.length; i++) {
    const c = sig.charCodeAt(i);
    const v = c < 128 ? BASE64_VALUE[c] : -1;
    // Not the canonical alphabet (never for a verified or stored signature): Node's lenient decoder decides.
    if (v < 0) return signatureDigestSlow(sig);
    x = x * 64 + v;
  }
  return sig.length >= 8 ? x : signatureDigestSlow(sig);
}

function signatureDigestSlow(sig: string): number {
  const bytes = Buffer.from(sig, 'base64');
  return bytes.length >= 6 ? bytes.readUIntBE(0, 6) : NaN;
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

function readingsDigest(ts: number, seq: number, readings: TelemetryMessage['readings']): number {
  // Two 32-bit lanes, each over every bit of every entry; an entry (name, type, value) is hashed
  // as a whole and the entries are summed, so their order does not count.
  let a = 0;
  let b = 0;
  for (const name in readings) {
    if (!Object.prototype.hasOwnProperty.call(readings, name)) continue;
    const value = readings[name];
    let lo: number;
    let hi: number;
    let tag: number;
    if (typeof value === 'number') {
      F64[0] = value === 0 ? 0 : value; // RFC 8785 writes −0 as 0
      lo = U32[0];
      hi = U32[1];
      tag = 0x27d4eb2d;
    } else {
      lo = stringHash(value, 0x3c6ef372);
      hi = stringHash(value, 0x7f4a7c15);
      tag = 0x165667b1;
    }
    const k = stringHash(name, 0x9e3779b9);
    a = (a + fmix(k ^ fmix(lo ^ fmix(hi ^ tag)))) | 0;
    b = (b + fmix(fmix(k + tag) ^ fmix(hi ^ fmix(lo + 0x85ebca6b)))) | 0;
  }
  F64[0] = ts;
  const t = fmix(U32[0] ^ fmix(U32[1] ^ 0x5bd1e995));
  F64[0] = seq;
  const q = fmix(U32[0] ^ fmix(U32[1] ^ 0x1b873593));
  a = fmix(a ^ fmix(t + q));
  b = fmix(b ^ fmix(q ^ fmix(t + a)));
  return (a >>> 0) * 65_536 + (b >>> 16);
}

function stringHash(s: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return fmix(h ^ s.length);
}

/** MurmurHash3's 32-bit finaliser: every input bit reaches every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * The last few accepted messages of a device as (seq, ts, digest), oldest dropped first: a
 * message whose seq is not new is a duplicate (a QoS 1 redelivery: harmless) only if it matches
 * one of these; otherwise it is a replay. Sized for the messages a device has in flight when its
 * connection drops; a redelivery older than that is counted as a replay (still never stored).
 */
export class RecentAccepted {
  static readonly CAPACITY = 8;
  private readonly entries: number[] = [];

  add(seq: number, ts: number, digest: number): void {
    this.entries.push(seq, ts, digest);
    if (this.entries.length > 3 * RecentAccepted.CAPACITY) this.entries.splice(0, 3);
  }

  /** A NaN digest (recovered without a signature) matches on seq and ts alone. */
  has(seq: number, ts: number, digest: number): boolean {
    for (let i = 0; i < this.entries.length; i += 3) {
      if (this.entries[i] === seq && this.entries[i + 1] === ts && (Number.isNaN(this.entries[i + 2]) || this.entries[i + 2] === digest)) return true;
    }
    return false;
  }
}

/** Loads the last stored seq and ts of several devices of one family (absent: nothing stored). */
export type LastSeqLoader = (family: Family, deviceIds: string[]) => Promise<Map<string, LastAccepted>>;

export interface DeviceSequence {
  /** Highest accepted seq; -1 before the first. */
  last: number;
  /**
   * Highest accepted ts; -1 before the first. A new reading needs a ts above it: InfluxDB keys a
   * point by measurement, tags and time, so an equal ts would overwrite the earlier reading.
   */
  lastTs: number;
  /** Recently accepted messages, to recognise a redelivery; null until the first. */
  recent: RecentAccepted | null;
  loaded: boolean;
  /** Admission of this device's messages runs one at a time, in arrival order. */
  tail: Promise<unknown>;
  /** Seqs admitted whose write then failed (not acknowledged), with their ts: the device's resend is welcome. */
  retry: Map<number, number>;
}

interface PendingLoad {
  family: Family;
  waiters: Array<{ resolve: () => void; reject: (err: Error) => void }>;
}

/**
 * The replay guard's memory: the last accepted seq and ts per device. It survives restarts
 * because on first sight of a device it is read back from InfluxDB (`SELECT last(seq)`, whose
 * time is the ts), combined with what the spool of an earlier process still holds. Loads of devices seen in the same moment
 * share one query. While InfluxDB cannot answer, loads retry with backoff and the device's
 * messages wait (push back, never guess: guessing could store a redelivered message twice).
 */
export class SequenceTracker {
  private readonly devices = new Map<string, DeviceSequence>();
  private readonly pending = new Map<string, PendingLoad>();
  private scheduled = false;
  private closed = false;
  private readonly retrying = new Map<NodeJS.Timeout, Array<[string, PendingLoad]>>();

  private readonly warnings: RateLimitedLog;

  constructor(
    private readonly loader: LastSeqLoader,
    /** Last seq and ts per device found in the spool at start. */
    private readonly spooled: Map<string, LastAccepted>,
    private readonly logger: IngestLogger,
    private readonly options: { maxPerQuery?: number; retryMinMs?: number; retryMaxMs?: number } = {},
  ) {
    this.warnings = new RateLimitedLog((m) => logger.warn(m));
  }

  get(deviceId: string): DeviceSequence {
    let state = this.devices.get(deviceId);
    if (!state) {
      state = { last: -1, lastTs: -1, recent: null, loaded: false, tail: Promise.resolve(), retry: new Map() };
      this.devices.set(deviceId, state);
    }
    return state;
  }

  get size(): number {
    return this.devices.size;
  }

  /** Resolves once the device's last seq is known. */
  ensureLoaded(deviceId: string, family: Family): Promise<void> {
    const state = this.get(deviceId);
    if (state.loaded) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('ingest is shutting down'));
    return new Promise<void>((resolve, reject) => {
      let load = this.pending.get(deviceId);
      if (!load) {
        load = { family, waiters: [] };
        this.pending.set(deviceId, load);
      }
      load.waiters.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  close(): void {
    this.closed = true;
    const err = new Error('ingest is shutting down');
    for (const [timer, entries] of this.retrying) {
      clearTimeout(timer);
      for (const [, load] of entries) for (const w of load.waiters) w.reject(err);
    }
    this.retrying.clear();
    for (const load of this.pending.values()) for (const w of load.waiters) w.reject(err);
    this.pending.clear();
  }

  private flush(): void {
    this.scheduled = false;
    const byFamily = new Map<Family, Array<[string, PendingLoad]>>();
    for (const entry of this.pending) {
      const list = byFamily.get(entry[1].family) ?? [];
      list.push(entry);
      byFamily.set(entry[1].family, list);
    }
    this.pending.clear();
    const max = this.options.maxPerQuery ?? 200;
    for (const [family, entries] of byFamily) {
      for (let i = 0; i < entries.length; i += max) void this.load(family, entries.slice(i, i + max), this.options.retryMinMs ?? 200);
    }
  }

  private async load(family: Family, entries: Array<[string, PendingLoad]>, delay: number): Promise<void> {
    if (this.closed) return;
    try {
      const found = await this.loader(
        family,
        entries.map(([id]) => id),
      );
      for (const [id, load] of entries) {
        const state = this.get(id);
        if (!state.loaded) {
          const stored = found.get(id);
          const spooled = this.spooled.get(id);
          state.last = Math.max(state.last, stored?.seq ?? -1, spooled?.seq ?? -1);
          state.lastTs = Math.max(state.lastTs, stored?.ts ?? -1, spooled?.ts ?? -1);
          if (stored && stored.seq === state.last) {
            const digest = stored.sig ? contentDigest({ ts: stored.ts, seq: stored.seq, readings: {}, sig: stored.sig }) : NaN;
            (state.recent ??= new RecentAccepted()).add(stored.seq, stored.ts, digest);
          }
          state.loaded = true;
        }
        for (const w of load.waiters) w.resolve();
      }
    } catch (err) {
      if (this.closed) {
        for (const [, load] of entries) for (const w of load.waiters) w.reject(new Error('ingest is shutting down'));
        return;
      }
      this.warnings.log('load', `cannot read the last sequence of ${entries.length} device(s) from InfluxDB (${(err as Error).message}); their messages wait, retrying in ${delay} ms`);
      const timer = setTimeout(() => {
        this.retrying.delete(timer);
        void this.load(family, entries, Math.min(this.options.retryMaxMs ?? 5_000, delay * 2));
      }, delay);
      this.retrying.set(timer, entries);
    }
  }
}
