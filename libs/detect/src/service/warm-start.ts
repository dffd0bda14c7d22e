import type { RecentReading } from '@gridproof/influx';
import { familyOf, isDeviceType } from '@gridproof/telemetry';
import type { DeviceRef } from '@gridproof/events';
import type { ScoringInput } from './detection-engine';

/**
 * Where detection finds the readings it saw before a restart: the telemetry store (InfluxDB in
 * the app, InfluxTelemetryStore.recentReadings). A narrow port, so the detection stage does not
 * hold a database client of its own.
 */
export interface TelemetryHistory {
  recentReadings(from: number, to: number, perDevice: number): Promise<RecentReading[]>;
}

/** Injection token of the TelemetryHistory (DetectModule.register({ history })). */
export const DETECT_HISTORY = Symbol('DETECT_HISTORY');

export interface WarmStartOptions {
  /** How far back to look (ms). */
  lookbackMs: number;
  /** At most this many readings per device (its last ones). */
  perDevice: number;
}

/**
 * The stored readings to replay through the detectors at start, in time order, as scoring
 * inputs: every device's last `perDevice` readings of the last `lookbackMs` before `now`.
 * Readings of a type GridProof does not know (an old database) are left out.
 */
export async function readingsToReplay(history: TelemetryHistory, now: number, o: WarmStartOptions): Promise<ScoringInput[]> {
  const rows = await history.recentReadings(now - o.lookbackMs, now, o.perDevice);
  const refs = new Map<string, DeviceRef>();
  const out: ScoringInput[] = [];
  for (const r of rows) {
    if (!isDeviceType(r.type)) continue;
    let device = refs.get(r.device);
    if (!device || device.type !== r.type) refs.set(r.device, (device = { id: r.device, type: r.type, family: familyOf(r.type), site: r.site }));
    out.push({ device, record: { ts: r.ts, readings: r.readings } });
  }
  return out;
}
