import { z } from 'zod';
import { durationString, faultBase } from './common';
import { FaultContext, FaultRuntime, markOnset, newLabel, within } from './fault';

/**
 * Loss of connectivity for `duration` (a dead modem, a cut backhaul): the device keeps
 * measuring and buffers on the device. Its buffer holds `bufferSize` readings (fleet
 * setting); when the outage outlasts it the oldest are evicted, so those never arrive
 * (`lost`), the rest are replayed oldest-first once the link is back.
 */
export const connectivityLossSchema = z
  .object({
    kind: z.literal('connectivity-loss'),
    ...faultBase,
    duration: durationString,
  })
  .strict();

export function createConnectivityLoss(_spec: z.infer<typeof connectivityLossSchema>, ctx: FaultContext): FaultRuntime {
  const label = newLabel(ctx, 'connectivity-loss');
  const { intervalMs, firstEmitMs, bufferSize } = ctx.device;
  const end = ctx.endMs!;
  const kStart = Math.max(0, Math.ceil((ctx.startMs - firstEmitMs) / intervalMs));
  const kEnd = Math.max(0, Math.ceil((end - firstEmitMs) / intervalMs));
  const evicted = Math.max(0, kEnd - kStart - bufferSize);
  return {
    label,
    apply(s) {
      if (!within(s.t, ctx.startMs, end)) return;
      s.offline = true;
      const k = Math.round((s.t - firstEmitMs) / intervalMs);
      if (k - kStart < evicted) s.lost = true;
      markOnset(label, s.t);
    },
    active: (t) => within(t, ctx.startMs, end),
  };
}
