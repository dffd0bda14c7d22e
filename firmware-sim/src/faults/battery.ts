import { z } from 'zod';
import { parseDuration } from '../fleet/duration';
import { BatteryModel } from '../signals/battery';
import { durationString, faultBase } from './common';
import { FaultContext, FaultRuntime, markFailure, markOnset, newLabel, progress } from './fault';

/**
 * Cell imbalance: one cell drifts away from the others (self-discharge, a weak cell), so the
 * spread between the highest and lowest cell voltage widens by up to `maxSpreadV` over
 * `ramp`. Onset when the extra spread reaches `onsetV`; failure when the BMS locks the pack
 * out (spread ≥ the battery's `lockoutSpreadV`, default 0.3 V).
 */
export const cellImbalanceSchema = z
  .object({
    kind: z.literal('cell-imbalance'),
    ...faultBase,
    ramp: durationString.default('14d'),
    maxSpreadV: z.number().positive().max(2).default(0.4),
    onsetV: z.number().positive().default(0.015),
  })
  .strict();

export function createCellImbalance(spec: z.infer<typeof cellImbalanceSchema>, ctx: FaultContext): FaultRuntime {
  const model = ctx.model as BatteryModel;
  const label = newLabel(ctx, spec.kind);
  const ramp = parseDuration(spec.ramp)!;
  return {
    label,
    prepare(t) {
      model.imbalanceV = spec.maxSpreadV * progress(t, ctx.startMs, ramp);
    },
    apply(s) {
      if (s.t < ctx.startMs) return;
      if (model.imbalanceV >= spec.onsetV) markOnset(label, s.t);
      if (model.lockedOutAt !== null) markFailure(label, s.t);
    },
    active: (t) => t >= ctx.startMs,
  };
}

/**
 * Accelerated capacity fade (e.g. lithium plating): state of health falls `ratePctPerDay`
 * faster than normal ageing. Onset when the extra loss reaches `onsetPct`; failure at end of
 * life (`eolPct`, default 70 %).
 */
export const capacityFadeSchema = z
  .object({
    kind: z.literal('capacity-fade'),
    ...faultBase,
    ratePctPerDay: z.number().positive().max(100).default(0.5),
    eolPct: z.number().min(0).max(100).default(70),
    onsetPct: z.number().positive().default(0.5),
  })
  .strict();

export function createCapacityFade(spec: z.infer<typeof capacityFadeSchema>, ctx: FaultContext): FaultRuntime {
  const model = ctx.model as BatteryModel;
  const label = newLabel(ctx, spec.kind);
  return {
    label,
    prepare(t) {
      model.extraFadePct = t <= ctx.startMs ? 0 : (spec.ratePctPerDay * (t - ctx.startMs)) / 86_400_000;
    },
    apply(s) {
      if (s.t < ctx.startMs) return;
      if (model.extraFadePct >= spec.onsetPct) markOnset(label, s.t);
      if (model.sohPct <= spec.eolPct) markFailure(label, s.t);
    },
    active: (t) => t >= ctx.startMs,
  };
}
