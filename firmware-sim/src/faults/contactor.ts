import { z } from 'zod';
import { EvChargerModel } from '../signals/ev-charger';
import { faultBase } from './common';
import { FaultContext, FaultRuntime, markOnset, newLabel } from './fault';

/**
 * Charger contactor failure from `start`: 'open' (it never closes: the next session goes
 * Preparing → Faulted with no current) or 'welded' (it never opens: the connector stays live
 * after a session and the self-test reports Faulted). Sudden, so no failure time: the onset is
 * the first Faulted reading.
 */
export const contactorFailureSchema = z
  .object({
    kind: z.literal('contactor-failure'),
    ...faultBase,
    mode: z.enum(['open', 'welded']).default('open'),
  })
  .strict();

export function createContactorFailure(spec: z.infer<typeof contactorFailureSchema>, ctx: FaultContext): FaultRuntime {
  const model = ctx.model as EvChargerModel;
  const label = newLabel(ctx, spec.kind);
  return {
    label,
    prepare(t) {
      if (t >= ctx.startMs) model.contactor = spec.mode;
    },
    apply(s) {
      if (s.t >= ctx.startMs && model.contactorFaultAt !== null) markOnset(label, s.t);
    },
    active: (t) => t >= ctx.startMs,
  };
}
