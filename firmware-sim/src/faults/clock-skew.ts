import { z } from 'zod';
import { parseDuration } from '../fleet/duration';
import { durationString, faultBase } from './common';
import { FaultContext, FaultRuntime, markOnset, newLabel, within } from './fault';

/**
 * Clock skew: the device's clock is off by `offset` (e.g. "+90s", "-5m") and drifts by
 * `driftPpm` from `start` (a failing RTC or lost NTP). Readings carry the wrong timestamp.
 * Onset when the error reaches `onsetMs` (default 1 s).
 */
export const clockSkewSchema = z
  .object({
    kind: z.literal('clock-skew'),
    ...faultBase,
    offset: durationString.default('0s'),
    driftPpm: z.number().default(0),
    onsetMs: z.number().positive().default(1000),
  })
  .strict()
  .refine((s) => parseDuration(s.offset) !== 0 || s.driftPpm !== 0, 'clock-skew needs an offset or a driftPpm');

export function createClockSkew(spec: z.infer<typeof clockSkewSchema>, ctx: FaultContext): FaultRuntime {
  const label = newLabel(ctx, spec.kind);
  const offset = parseDuration(spec.offset)!;
  return {
    label,
    apply(s) {
      if (!within(s.t, ctx.startMs, ctx.endMs)) return;
      const skew = Math.round(offset + (spec.driftPpm * (s.t - ctx.startMs)) / 1e6);
      s.ts = Math.max(0, s.t + skew);
      if (Math.abs(skew) >= spec.onsetMs) markOnset(label, s.t);
    },
    active: (t) => within(t, ctx.startMs, ctx.endMs),
  };
}
