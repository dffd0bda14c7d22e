import { z } from 'zod';
import { parseDuration } from '../fleet/duration';
import { EvChargerModel } from '../signals/ev-charger';
import { PvInverterModel } from '../signals/pv-inverter';
import { durationString, faultBase } from './common';
import { FaultContext, FaultRuntime, markFailure, markOnset, newLabel, progress } from './fault';

/**
 * Inverter cooling-fan failure: the fan slows and finally seizes, so the heat-sink thermal
 * resistance climbs from 1× to `maxFactor`× over `ramp`. Symptoms: heat-sink temperature above
 * a healthy unit's at the same load (onset when the excess reaches `onsetExcessC`), then
 * derating, then an over-temperature trip (failure).
 */
export const fanFailureSchema = z
  .object({
    kind: z.literal('fan-failure'),
    ...faultBase,
    ramp: durationString.default('2d'),
    maxFactor: z.number().min(1).max(50).default(8),
    onsetExcessC: z.number().positive().default(2),
  })
  .strict();

export function createFanFailure(spec: z.infer<typeof fanFailureSchema>, ctx: FaultContext): FaultRuntime {
  const model = ctx.model as PvInverterModel;
  const label = newLabel(ctx, spec.kind);
  const ramp = parseDuration(spec.ramp)!;
  return {
    label,
    prepare(t) {
      model.fanFactor = 1 + (spec.maxFactor - 1) * progress(t, ctx.startMs, ramp);
    },
    apply(s) {
      if (s.t < ctx.startMs) return;
      if (model.excessC >= spec.onsetExcessC) markOnset(label, s.t);
      if (model.trippedAt !== null) markFailure(label, s.t);
    },
    active: (t) => t >= ctx.startMs,
  };
}

/**
 * Charger connector wear: pitting raises the contact resistance, so the contact heating per A²
 * climbs from 1× to `maxFactor`× over `ramp`. Symptoms: connector temperature above a healthy
 * connector's at the same current (onset at `onsetExcessC`), then the over-temperature trip:
 * the connector goes Faulted (failure).
 */
export const connectorWearSchema = z
  .object({
    kind: z.literal('connector-wear'),
    ...faultBase,
    ramp: durationString.default('7d'),
    maxFactor: z.number().min(1).max(50).default(5),
    onsetExcessC: z.number().positive().default(2),
  })
  .strict();

export function createConnectorWear(spec: z.infer<typeof connectorWearSchema>, ctx: FaultContext): FaultRuntime {
  const model = ctx.model as EvChargerModel;
  const label = newLabel(ctx, spec.kind);
  const ramp = parseDuration(spec.ramp)!;
  return {
    label,
    prepare(t) {
      model.contactFactor = 1 + (spec.maxFactor - 1) * progress(t, ctx.startMs, ramp);
    },
    apply(s) {
      if (s.t < ctx.startMs) return;
      if (model.excessC >= spec.onsetExcessC) markOnset(label, s.t);
      if (model.trippedAt !== null) markFailure(label, s.t);
    },
    active: (t) => t >= ctx.startMs,
  };
}
