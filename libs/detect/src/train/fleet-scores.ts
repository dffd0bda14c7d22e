import { DeviceType, numericMetrics } from '@gridproof/telemetry';
import { GenericDetector } from '../generic/generic-detector';
import { scoreFromP } from '../generic/stream-detector';
import { MaintenanceDetector } from '../maintenance/maintenance-detector';
import type { TypeModel } from '../models/type-model';
import { EVIDENCE_CODES, StreamScores } from './alarm-rules';
import type { DeviceDetectorScores } from './calibration';
import type { DeviceSeries } from './sim-export';

/**
 * Runs every detector over a fleet's readings, streaming and in order per device, and keeps
 * what the alarm layer needs: per-metric generic scores and evidence kinds, the service's
 * combined generic score, autoencoder scores and the maintenance at-risk times.
 */
export interface FleetDeviceScores extends DeviceDetectorScores {
  /** The service's default generic score: all metrics of a reading combined (NaN in warm-up). */
  combined: number[];
}

export function scoreFleet(type: DeviceType, series: DeviceSeries[], model: TypeModel | null, genericWarmupMs: number): FleetDeviceScores[] {
  const metrics = numericMetrics(type);
  return series.map((d) => {
    const generic = new GenericDetector();
    const maintenance = new MaintenanceDetector();
    const combined: number[] = [];
    const m: number[] = model ? new Array<number>(d.ts.length).fill(NaN) : [];
    const maint: number[] = [];
    const index = new Map<number, number>();
    const streams: StreamScores = { device: d.device, ts: d.ts, end: d.ts[d.ts.length - 1], metrics: metrics.map((name) => ({ name, scores: new Float32Array(d.ts.length).fill(NaN), kinds: new Uint8Array(d.ts.length) })) };
    // The generic detector is still learning its daily and weekly profiles in a device's first days.
    const warm = (i: number) => d.ts[i] - d.ts[0] >= genericWarmupMs;
    for (let i = 0; i < d.ts.length; i++) {
      const r = d.readings[i];
      let pMin = 1;
      let n = 0;
      for (let j = 0; j < metrics.length; j++) {
        const v = r[metrics[j]];
        if (typeof v !== 'number') continue;
        const s = generic.update(metrics[j], d.ts[i], v);
        if (warm(i)) {
          streams.metrics[j].scores[i] = s.score;
          streams.metrics[j].kinds[i] = EVIDENCE_CODES[s.kind];
        }
        n++;
        if (s.p < pMin) pMin = s.p;
      }
      combined.push(n && warm(i) ? scoreFromP(Math.min(1, pMin * n)) : NaN);
      maintenance.update(d.device, type, d.ts[i], r);
      if (maintenance.current(d.device).some((p) => p.state.atRisk)) maint.push(d.ts[i]);
      if (model) {
        index.set(d.ts[i], i);
        model.push(d.device, d.ts[i], r);
      }
    }
    if (model) for (const s of model.flush()) m[index.get(s.ts)!] = s.score;
    return { device: d.device, ts: d.ts, end: d.ts[d.ts.length - 1], streams, model: m, maintenanceAlarms: maint, combined };
  });
}
