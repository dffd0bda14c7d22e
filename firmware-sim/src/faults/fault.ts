import type { DeviceType } from '@gridproof/telemetry';
import type { DeviceModel, Readings } from '../signals/model';
import type { Rng } from '../rng';

/** Ground truth for one injected fault (a row of labels.csv). Times are Unix ms. */
export interface FaultLabel {
  device: string;
  type: DeviceType;
  kind: string;
  start: number;
  /** First reading in which the symptoms are visible in the signal; null until then. */
  onset: number | null;
  /** When a degradation reached its failure (trip, lockout, end of life); null otherwise. */
  failure: number | null;
}

/** One reading on its way out of a device, before it is published or written. */
export interface SampleDraft {
  /** True (simulation) time of the reading. */
  t: number;
  /** Timestamp the device reports (its own clock: differs under clock skew). */
  ts: number;
  readings: Readings;
  /** Metrics not reported in this reading (sensor dropout). */
  missing: string[];
  /** The device has no connectivity: the reading is buffered on the device. */
  offline: boolean;
  /** The reading was evicted from the device's bounded buffer and never arrives. */
  lost: boolean;
}

export interface FaultContext {
  model: DeviceModel;
  rng: Rng;
  /** Sensor noise per metric of the device type. */
  noise: Record<string, number>;
  startMs: number;
  endMs: number | null;
  device: { id: string; type: DeviceType; intervalMs: number; firstEmitMs: number; bufferSize: number };
}

/** A fault running on one device: adjusts the physics before a step, the reading after. */
export interface FaultRuntime {
  readonly label: FaultLabel;
  /** Sets the model's fault knobs for the step that ends at t. */
  prepare?(t: number): void;
  /** Alters the reading at t and records onset / failure as they become visible. */
  apply(sample: SampleDraft): void;
  /** Whether the fault is in effect at t (for the progress display). */
  active(t: number): boolean;
}

export const progress = (t: number, start: number, rampMs: number) =>
  t <= start ? 0 : rampMs <= 0 ? 1 : Math.min(1, (t - start) / rampMs);

export function newLabel(ctx: FaultContext, kind: string): FaultLabel {
  return { device: ctx.device.id, type: ctx.device.type, kind, start: ctx.startMs, onset: null, failure: null };
}

export function markOnset(label: FaultLabel, t: number): void {
  if (label.onset === null) label.onset = t;
}

export function markFailure(label: FaultLabel, t: number): void {
  if (label.failure === null) {
    label.failure = t;
    markOnset(label, t);
  }
}

export function within(t: number, start: number, end: number | null): boolean {
  return t >= start && (end === null || t < end);
}
