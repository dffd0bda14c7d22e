import type { DeviceType } from '@gridproof/telemetry';
import type { FaultSpec } from '../faults';
import type { SiteSpec } from './schema';

/** A fleet with every generator expanded: what fleet.json holds and what a simulation runs. */
export interface ResolvedFleet {
  name: string;
  seed: number;
  /** Simulation start, ISO 8601 UTC. */
  start: string;
  grid: { nominalVoltageV: number; frequencyHz: number };
  bufferSize: number;
  sites: SiteSpec[];
  devices: ResolvedDevice[];
  /** Concrete faults; `start` is an ISO 8601 instant. */
  faults: FaultSpec[];
}

export interface ResolvedDevice {
  id: string;
  type: DeviceType;
  site: string;
  intervalS: number;
  params: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}
