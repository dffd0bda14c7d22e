import type { Family } from '@gridproof/telemetry';
import { IngestLogger, RateLimitedLog } from './ingest-logger';

/** Loads the last stored seq of several devices of one family (absent: nothing stored). */
export type LastSeqLoader = (family: Family, deviceIds: string[]) => Promise<Map<string, number>>;

export interface DeviceSequence {
  /** Highest accepted seq; -1 before the first. */
  last: number;
  loaded: boolean;
  /** Admission of this device's messages runs one at a time, in arrival order. */
  tail: Promise<unknown>;
  /** Seqs admitted whose write then failed (not acknowledged): the device's resend is welcome. */
  retry: Set<number>;
}

interface PendingLoad {
  family: Family;
  waiters: Array<{ resolve: () => void; reject: (err: Error) => void }>;
}

/**
 * The replay guard's memory: the last accepted seq per device. It survives restarts because on
 * first sight of a device it is read back from InfluxDB (`SELECT last(seq)`), combined with
 * what the spool of an earlier process still holds. Loads of devices seen in the same moment
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
    /** Last seq per device found in the spool at start. */
    private readonly spooled: Map<string, number>,
    private readonly logger: IngestLogger,
    private readonly options: { maxPerQuery?: number; retryMinMs?: number; retryMaxMs?: number } = {},
  ) {
    this.warnings = new RateLimitedLog((m) => logger.warn(m));
  }

  get(deviceId: string): DeviceSequence {
    let state = this.devices.get(deviceId);
    if (!state) {
      state = { last: -1, loaded: false, tail: Promise.resolve(), retry: new Set() };
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
          state.last = Math.max(state.last, found.get(id) ?? -1, this.spooled.get(id) ?? -1);
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
