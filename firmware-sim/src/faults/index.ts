import type { DeviceType } from '@gridproof/telemetry';
import { z } from 'zod';
import { capacityFadeSchema, cellImbalanceSchema, createCapacityFade, createCellImbalance } from './battery';
import { clockSkewSchema, createClockSkew } from './clock-skew';
import { connectivityLossSchema, createConnectivityLoss } from './connectivity';
import { contactorFailureSchema, createContactorFailure } from './contactor';
import { FaultContext, FaultRuntime } from './fault';
import {
  createDropouts,
  createSensorDrift,
  createSpikes,
  createStuckAt,
  dropoutsSchema,
  sensorDriftSchema,
  spikesSchema,
  stuckAtSchema,
} from './sensor';
import { connectorWearSchema, createConnectorWear, createFanFailure, fanFailureSchema } from './thermal';

export * from './fault';

/** A fault as declared in a fleet file (one of the kinds below). */
export const faultSpecSchema = z.discriminatedUnion('kind', [
  fanFailureSchema,
  connectorWearSchema,
  cellImbalanceSchema,
  capacityFadeSchema,
  contactorFailureSchema,
  sensorDriftSchema,
  stuckAtSchema,
  spikesSchema,
  dropoutsSchema,
  clockSkewSchema,
  connectivityLossSchema,
]);
export type FaultSpec = z.infer<typeof faultSpecSchema>;
export type FaultKind = FaultSpec['kind'];

interface FaultDefinition {
  /** Device types the fault applies to; null = any. */
  types: readonly DeviceType[] | null;
  /** Degradations progress to a failure time; the others label an onset only. */
  degradation: boolean;
  create(spec: FaultSpec, ctx: FaultContext): FaultRuntime;
}

const def = <S extends FaultSpec>(types: readonly DeviceType[] | null, degradation: boolean, create: (spec: S, ctx: FaultContext) => FaultRuntime): FaultDefinition => ({
  types,
  degradation,
  create: create as (spec: FaultSpec, ctx: FaultContext) => FaultRuntime,
});

/** The fault library: one entry per kind, one file per fault family. */
export const FAULTS: Record<FaultKind, FaultDefinition> = {
  'fan-failure': def(['pv-inverter'], true, createFanFailure),
  'connector-wear': def(['ev-charger'], true, createConnectorWear),
  'cell-imbalance': def(['battery'], true, createCellImbalance),
  'capacity-fade': def(['battery'], true, createCapacityFade),
  'contactor-failure': def(['ev-charger'], false, createContactorFailure),
  'sensor-drift': def(null, false, createSensorDrift),
  'stuck-at': def(null, false, createStuckAt),
  spikes: def(null, false, createSpikes),
  dropouts: def(null, false, createDropouts),
  'clock-skew': def(null, false, createClockSkew),
  'connectivity-loss': def(null, false, createConnectivityLoss),
};

export const FAULT_KINDS = Object.keys(FAULTS) as FaultKind[];
