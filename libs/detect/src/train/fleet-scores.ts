import { DeviceType, numericMetrics } from '@gridproof/telemetry';
import { alarmEvidence, FleetGenericScorer, peerConfirmation } from '../fleet/fleet-generic-scorer';
import type { PeerOptions } from '../fleet/peer-consensus';
import { scoreFromP } from '../generic/stream-detector';
import { MaintenanceDetector } from '../maintenance/maintenance-detector';
import type { TypeModel } from '../models/type-model';
import { EVIDENCE_CODES, StreamScores } from './alarm-rules';
import type { DeviceDetectorScores } from './calibration';
import type { DeviceSeries } from './sim-export';

/**
 * Runs every detector over a fleet's readings and keeps what the alarm layer needs: per-metric
 * generic scores and evidence kinds (own and against peers), the service's combined generic
 * score, autoencoder scores and the maintenance at-risk times.
 *
 * Streaming as the service is: the fleet's readings are merged in time order (ties in device
 * order) and each one is scored with what came before it, so the peer consensus never looks
 * ahead. The generic part is FleetGenericScorer, the same class DetectionService uses.
 */
export interface FleetDeviceScores extends DeviceDetectorScores {
  /** The service's default generic score: all metrics of a reading combined (NaN in warm-up). */
  combined: number[];
}

const MODEL_FLUSH = 4096;

export function scoreFleet(type: DeviceType, series: DeviceSeries[], model: TypeModel | null, genericWarmupMs: number, peerOptions: Partial<PeerOptions> = {}): FleetDeviceScores[] {
  const metrics = numericMetrics(type);
  const scorer = new FleetGenericScorer(() => true, peerOptions);
  const maintenance = new MaintenanceDetector();
  const out: FleetDeviceScores[] = series.map((d) => {
    const n = d.ts.length;
    const streams: StreamScores = {
      device: d.device,
      ts: d.ts,
      end: d.ts[n - 1],
      metrics: metrics.map((name) => ({ name, scores: new Float32Array(n).fill(NaN), kinds: new Uint8Array(n), peer: new Float32Array(n).fill(NaN) })),
    };
    return { device: d.device, ts: d.ts, end: d.ts[n - 1], streams, model: model ? new Array<number>(n).fill(NaN) : [], maintenanceAlarms: [], combined: new Array<number>(n).fill(NaN) };
  });
  const metricIndex = new Map(metrics.map((m, j) => [m, j]));
  const deviceIndex = new Map(series.map((d, k) => [d.device, k]));
  const tsIndex = series.map(() => new Map<number, number>());
  let pending = 0;
  const flushModel = () => {
    if (!model) return;
    for (const s of model.flush()) {
      const k = deviceIndex.get(s.device)!;
      out[k].model[tsIndex[k].get(s.ts)!] = s.score;
    }
    pending = 0;
  };

  for (const [k, i] of timeOrder(series)) {
    const d = series[k];
    const o = out[k];
    const ts = d.ts[i];
    const r = d.readings[i];
    // The generic detector is still learning its daily and weekly profiles in a device's first days.
    const counted = ts - d.ts[0] >= genericWarmupMs;
    let pMin = 1;
    let scored = 0;
    for (const ev of scorer.score({ id: d.device, site: d.site, type }, ts, r)) {
      scored++;
      if (ev.raw.p < pMin) pMin = ev.raw.p;
      if (!counted) continue;
      const m = o.streams.metrics[metricIndex.get(ev.name)!];
      const own = alarmEvidence(ev);
      if (own) {
        m.scores[i] = own.score;
        m.kinds[i] = EVIDENCE_CODES[own.kind];
      }
      m.peer[i] = peerConfirmation(ev);
    }
    if (scored && counted) o.combined[i] = scoreFromP(Math.min(1, pMin * scored));
    maintenance.update(d.device, type, ts, r);
    if (maintenance.current(d.device).some((p) => p.state.atRisk)) o.maintenanceAlarms.push(ts);
    if (model) {
      tsIndex[k].set(ts, i);
      model.push(d.device, ts, r);
      if (++pending >= MODEL_FLUSH) flushModel();
    }
  }
  flushModel();
  return out;
}

/** [device index, reading index] of every reading, in time order (ties: device order, then reading order). */
function timeOrder(series: DeviceSeries[]): Array<[number, number]> {
  const order: Array<[number, number]> = [];
  series.forEach((d, k) => d.ts.forEach((_, i) => order.push([k, i])));
  return order.sort((a, b) => series[a[0]].ts[a[1]] - series[b[0]].ts[b[1]] || a[0] - b[0] || a[1] - b[1]);
}
