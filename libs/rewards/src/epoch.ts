/**
 * Epochs: fixed-length windows of device time aligned to the Unix epoch, so the default length
 * (86,400,000 ms) gives UTC days (Unix time has no leap seconds). Epoch n covers
 * [n × length, (n + 1) × length). Each epoch is cut into reporting slots of equal length; a
 * device is available in a slot when at least one of its valid readings falls in it.
 */
export interface Epoch {
  /** Index since 1970-01-01T00:00Z in epochs of `lengthMs` (a day number by default). */
  index: number;
  startMs: number;
  /** Exclusive. */
  endMs: number;
  lengthMs: number;
}

export const DAY_MS = 86_400_000;
/** The default reporting slot: 5 minutes (Glow counts 5-minute reports; 288 slots a day). */
export const DEFAULT_SLOT_MS = 300_000;

export function epochAt(index: number, lengthMs: number = DAY_MS): Epoch {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`epoch index must be a non-negative integer, got ${index}`);
  if (!Number.isSafeInteger(lengthMs) || lengthMs <= 0) throw new RangeError(`epoch length must be a positive whole number of ms, got ${lengthMs}`);
  return { index, startMs: index * lengthMs, endMs: (index + 1) * lengthMs, lengthMs };
}

/** The epoch holding a device time. */
export function epochOf(ts: number, lengthMs: number = DAY_MS): Epoch {
  return epochAt(Math.floor(ts / lengthMs), lengthMs);
}

/** Slots per epoch: the epoch length must be a whole number of slots (checked by the rule). */
export function slotsPerEpoch(epoch: Epoch, slotMs: number): number {
  return epoch.lengthMs / slotMs;
}

/** The slot of a device time inside its epoch (0-based), or -1 outside it. */
export function slotOf(epoch: Epoch, slotMs: number, ts: number): number {
  if (ts < epoch.startMs || ts >= epoch.endMs) return -1;
  return Math.floor((ts - epoch.startMs) / slotMs);
}
