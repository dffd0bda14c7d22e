import type { Family } from '@gridproof/telemetry';
import { IngestLogger, RateLimitedLog } from './ingest-logger';

/** The seq and ts (device time, ms) of a device's newest accepted reading. */
export interface LastAccepted {
  seq: number;
  ts: number;
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
      state = { last: -1, lastTs: -1, loaded: false, tail: Promise.resolve(), retry: new Map() };
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
