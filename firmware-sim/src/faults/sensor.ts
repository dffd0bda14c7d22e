import { CATALOGUE } from '@gridproof/telemetry';
import { z } from 'zod';
import { clamp } from '../environment';
import { round } from '../signals/model';
import { faultBase } from './common';
import { FaultContext, FaultRuntime, markOnset, newLabel, SampleDraft, within } from './fault';

const metricField = z.string().min(1);

/** Sensor drift: the metric's reading walks away at `ratePerHour` (its unit per hour). */
export const sensorDriftSchema = z
  .object({
    kind: z.literal('sensor-drift'),
    ...faultBase,
    metric: metricField,
    ratePerHour: z.number().refine((v) => v !== 0, 'ratePerHour must not be 0'),
    /** Drift at which it is visible; default 3 × the metric's sensor noise. */
    onsetDelta: z.number().positive().optional(),
  })
  .strict();

/** Stuck-at: the metric repeats one value (`value`, default the reading at `start`). */
export const stuckAtSchema = z
  .object({
    kind: z.literal('stuck-at'),
    ...faultBase,
    metric: metricField,
    value: z.number().optional(),
  })
  .strict();

/** Spikes: isolated readings off by `magnitude` (default 20 sd + half the value), Poisson `ratePerHour`. */
export const spikesSchema = z
  .object({
    kind: z.literal('spikes'),
    ...faultBase,
    metric: metricField,
    ratePerHour: z.number().positive().default(6),
    magnitude: z.number().positive().optional(),
  })
  .strict();

/** Dropouts: each reading loses `metrics` (default all: the whole reading) with `probability`. */
export const dropoutsSchema = z
  .object({
    kind: z.literal('dropouts'),
    ...faultBase,
    metrics: z.array(metricField).min(1).optional(),
    probability: z.number().gt(0).max(1).default(0.3),
  })
  .strict();

function limits(ctx: FaultContext, metric: string): { min: number; max: number } {
  const spec = CATALOGUE[ctx.device.type].metrics[metric];
  if (!spec || spec.kind !== 'number') throw new Error(`${ctx.device.type} has no numeric metric ${metric}`);
  return { min: spec.min, max: spec.max };
}

function decimalsOf(value: number): number {
  const text = String(value);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : Math.min(6, text.length - dot - 1);
}

function setNumber(s: SampleDraft, metric: string, value: number, lim: { min: number; max: number }, decimals: number): void {
  s.readings[metric] = round(clamp(value, lim.min, lim.max), decimals);
}

export function createSensorDrift(spec: z.infer<typeof sensorDriftSchema>, ctx: FaultContext): FaultRuntime {
  const label = newLabel(ctx, spec.kind);
  const lim = limits(ctx, spec.metric);
  const threshold = spec.onsetDelta ?? 3 * (ctx.noise[spec.metric] ?? 0);
  if (!(threshold > 0)) throw new Error(`sensor-drift on ${spec.metric} needs onsetDelta (the metric has no sensor noise to scale from)`);
  return {
    label,
    apply(s) {
      if (!within(s.t, ctx.startMs, ctx.endMs)) return;
      const v = s.readings[spec.metric];
      if (typeof v !== 'number') return;
      const drift = (spec.ratePerHour * (s.t - ctx.startMs)) / 3_600_000;
      setNumber(s, spec.metric, v + drift, lim, Math.max(2, decimalsOf(v)));
      if (Math.abs(drift) >= threshold) markOnset(label, s.t);
    },
    active: (t) => within(t, ctx.startMs, ctx.endMs),
  };
}

export function createStuckAt(spec: z.infer<typeof stuckAtSchema>, ctx: FaultContext): FaultRuntime {
  const label = newLabel(ctx, spec.kind);
  const lim = limits(ctx, spec.metric);
  let stuck: number | null = spec.value ?? null;
  return {
    label,
    apply(s) {
      if (!within(s.t, ctx.startMs, ctx.endMs)) return;
      const v = s.readings[spec.metric];
      if (typeof v !== 'number') return;
      if (stuck === null) stuck = clamp(v, lim.min, lim.max);
      s.readings[spec.metric] = stuck;
      markOnset(label, s.t);
    },
    active: (t) => within(t, ctx.startMs, ctx.endMs),
  };
}

export function createSpikes(spec: z.infer<typeof spikesSchema>, ctx: FaultContext): FaultRuntime {
  const label = newLabel(ctx, spec.kind);
  const lim = limits(ctx, spec.metric);
  const sd = ctx.noise[spec.metric] ?? 0;
  const pPerReading = 1 - Math.exp((-spec.ratePerHour * ctx.device.intervalMs) / 3_600_000);
  return {
    label,
    apply(s) {
      if (!within(s.t, ctx.startMs, ctx.endMs)) return;
      // Draw for every reading in the window so the spike times do not depend on the values.
      const hit = ctx.rng.chance(pPerReading);
      const up = ctx.rng.chance(0.7);
      const v = s.readings[spec.metric];
      if (!hit || typeof v !== 'number') return;
      const magnitude = spec.magnitude ?? 20 * sd + 0.5 * Math.abs(v) + 1;
      // Spike downward only when there is room below; sensors saturate at their limits.
      const spiked = up || v - magnitude < lim.min ? v + magnitude : v - magnitude;
      setNumber(s, spec.metric, spiked, lim, decimalsOf(v));
      if (s.readings[spec.metric] !== v) markOnset(label, s.t);
    },
    active: (t) => within(t, ctx.startMs, ctx.endMs),
  };
}

export function createDropouts(spec: z.infer<typeof dropoutsSchema>, ctx: FaultContext): FaultRuntime {
  const label = newLabel(ctx, spec.kind);
  const all = Object.keys(CATALOGUE[ctx.device.type].metrics);
  const metrics = spec.metrics ?? all;
  for (const m of metrics) if (!all.includes(m)) throw new Error(`${ctx.device.type} has no metric ${m}`);
  return {
    label,
    apply(s) {
      if (!within(s.t, ctx.startMs, ctx.endMs)) return;
      if (!ctx.rng.chance(spec.probability)) return;
      for (const m of metrics) {
        if (!s.missing.includes(m)) s.missing.push(m);
        delete s.readings[m];
      }
      markOnset(label, s.t);
    },
    active: (t) => within(t, ctx.startMs, ctx.endMs),
  };
}
