import type { DeadLetteredReading } from '@gridproof/events';
import type { IndexedLeaf } from '../records/leaf-index';
import { leafKey, recordKey } from '../records/record-leaf';

/**
 * Assigns records to batch windows by their receive time rx. Windows are half-open [start, end),
 * consecutive, with no gaps: the next window starts where the previous ended. A window ends at
 * the next multiple of the interval (time cut) or, once it holds maxRecords, at the rx of the
 * first record with a later rx (size cut; records sharing one millisecond are never split, so a
 * window can exceed maxRecords by the records of that one millisecond).
 */
export interface OpenWindow {
  start: number;
  end: number;
  /** Records committed to the window (its leaves, counted once per device and seq). */
  seen: number;
  /**
   * The window's leaves, committed at ingest (docs/anchoring.md §3): by device and seq (key
   * events by id), so a leaf recovered from the journal after a restart and seen again counts once.
   */
  leaves: Map<string, IndexedLeaf>;
  /** Device-time bounds of the records seen (reports only). */
  minTs: number;
  maxTs: number;
  /** Largest rx seen: a size cut happens only after it, so one millisecond is never split. */
  maxRx: number;
  /** True when the window was opened before this process saw all of its records (restart). */
  partial: boolean;
  /**
   * Accepted records of the window that InfluxDB refused for good (by device and seq). Some may
   * be in InfluxDB after all (a partially refused write): sealing sorts that out.
   */
  deadLettered: Map<string, DeadLetteredReading>;
}

export class WindowPlanner {
  private readonly windows: OpenWindow[];

  constructor(
    private readonly intervalMs: number,
    private readonly maxRecords: number,
    sealedUpTo: number,
    now: number,
  ) {
    // After a restart the first window spans the downtime: one batch for it, not one per interval.
    this.windows = [this.window(sealedUpTo, now, true)];
  }

  /** Start of the newest window: the floor of the receive clock. */
  get openStart(): number {
    return this.windows[this.windows.length - 1].start;
  }

  /** End of the last sealed window: records with a smaller rx arrive too late to be anchored. */
  get sealedUpTo(): number {
    return this.windows[0].start;
  }

  get open(): readonly OpenWindow[] {
    return this.windows;
  }

  /** Adds a committed record's leaf to its window; false when its window is already sealed (late). */
  add(leaf: IndexedLeaf): boolean {
    const { rx, ts } = leaf;
    if (rx < this.sealedUpTo) return false;
    this.advanceTo(rx);
    let i = this.windows.length - 1;
    while (i > 0 && this.windows[i].start > rx) i--;
    let w = this.windows[i];
    if (i === this.windows.length - 1 && w.seen >= this.maxRecords && rx > w.maxRx) {
      w.end = rx;
      w = { start: rx, end: this.boundaryAfter(rx), seen: 0, leaves: new Map(), minTs: Infinity, maxTs: -Infinity, maxRx: -Infinity, partial: false, deadLettered: new Map() };
      this.windows.push(w);
    }
    const key = leafKey(leaf);
    if (w.leaves.has(key)) return true;
    w.leaves.set(key, leaf);
    w.seen++;
    // A key event's ts is when it took effect, not a device time: it does not widen the bounds.
    if (leaf.kind !== 'key-event') {
      if (ts < w.minTs) w.minTs = ts;
      if (ts > w.maxTs) w.maxTs = ts;
    }
    if (rx > w.maxRx) w.maxRx = rx;
    return true;
  }

  /**
   * Notes that an accepted record will never reach InfluxDB; false when its window is already
   * sealed. Its device ts widens the scan bounds like an accepted record's would.
   */
  deadLetter(r: DeadLetteredReading): boolean {
    if (r.rx < this.sealedUpTo) return false;
    this.advanceTo(r.rx);
    let i = this.windows.length - 1;
    while (i > 0 && this.windows[i].start > r.rx) i--;
    const w = this.windows[i];
    w.deadLettered.set(recordKey(r.device, r.seq), r);
    if (r.ts < w.minTs) w.minTs = r.ts;
    if (r.ts > w.maxTs) w.maxTs = r.ts;
    return true;
  }

  /** Opens the windows up to the one holding `now`. */
  advanceTo(now: number): void {
    let last = this.windows[this.windows.length - 1];
    while (last.end <= now) {
      last = this.window(last.end, now, false);
      this.windows.push(last);
    }
  }

  /** The oldest window when it ended at least settleMs ago (windows seal in order). */
  due(now: number, settleMs: number): OpenWindow | null {
    this.advanceTo(now);
    const head = this.windows[0];
    return this.windows.length > 1 && head.end + settleMs <= now ? head : null;
  }

  /** Drops the oldest window once it is sealed. */
  shift(): void {
    if (this.windows.length > 1) this.windows.shift();
  }

  private window(start: number, now: number, partial: boolean): OpenWindow {
    return { start, end: this.boundaryAfter(Math.max(start, now - this.intervalMs)), seen: 0, leaves: new Map(), minTs: Infinity, maxTs: -Infinity, maxRx: -Infinity, partial, deadLettered: new Map() };
  }

  private boundaryAfter(t: number): number {
    return (Math.floor(t / this.intervalMs) + 1) * this.intervalMs;
  }
}
