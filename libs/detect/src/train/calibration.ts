import { AlarmRule, applyRule, applyStreamRule, healthyPeak, RULE_GRID, ScoredSeries, StreamRule, STREAM_RULE_GRID, StreamScores } from './alarm-rules';
import { DeviceAlarms, evaluate, EvaluationReport } from './evaluation';
import type { FaultLabel } from './sim-export';

/**
 * Chooses a device type's alarm layer on a labelled training fleet: the maintenance alarms are
 * always on; one generic-detector rule (per-metric persistence, evidence kinds, optionally one
 * metric) and one autoencoder rule are added when they help. Objective, in order: precision
 * ≥ 0.9, recall, precision, the margin of the weakest detected fault; when no combination
 * reaches 0.9, the best F1. Never run this on the fleet the result is judged on.
 */
export interface DeviceDetectorScores {
  device: string;
  ts: number[];
  end: number;
  streams: StreamScores;
  /** Autoencoder score per reading (NaN before a full window), or empty without a model. */
  model: number[];
  maintenanceAlarms: number[];
}

export interface TypeAlarmRules {
  generic: StreamRule | null;
  model: AlarmRule | null;
  /** The multivariate detector's events: a rule of its own, or null for none (absent: the service's default, 0.9 on 3 of 5 readings). */
  multivariate?: AlarmRule | null;
}

export interface Calibration extends TypeAlarmRules {
  report: EvaluationReport;
  margin: number;
  /** How close the generic rule came to alarming on healthy readings (healthyPeak, worst device; computed on demand). */
  nearMiss: () => number;
}

type Judged = Pick<Calibration, 'report' | 'margin' | 'nearMiss'>;

const merge = (...lists: number[][]) => [...new Set(lists.flat())].sort((a, b) => a - b);

export class AlarmFusion {
  private readonly cache = new Map<string, number[]>();

  constructor(private readonly devices: DeviceDetectorScores[]) {}

  alarms(rules: TypeAlarmRules): DeviceAlarms[] {
    const { generic: g, model: m } = rules;
    return this.devices.map((d) => ({
      device: d.device,
      end: d.end,
      alarms: merge(
        d.maintenanceAlarms,
        g ? this.cached(`${d.device}|g|${g.peer ? 'p' : 'o'}|${g.metric ?? '*'}|${g.kinds}|${g.threshold}|${g.k}|${g.n}`, () => applyStreamRule(d.streams, g)) : [],
        m && d.model.length ? this.cached(`${d.device}|m|${m.threshold}|${m.k}|${m.n}`, () => applyRule(modelSeries(d), m)) : [],
      ),
    }));
  }

  private cached(key: string, f: () => number[]): number[] {
    let a = this.cache.get(key);
    if (!a) this.cache.set(key, (a = f()));
    return a;
  }
}

export const modelSeries = (d: DeviceDetectorScores): ScoredSeries => ({ device: d.device, ts: d.ts, scores: d.model, end: d.end });

/**
 * How firmly the weakest detected fault is detected: the fewest alarm readings inside a fault.
 * Among rules that tie on the training fleet, the one with the widest margin is the least
 * likely to have caught a fault by luck, so the most likely to carry over to another fleet.
 */
export function margin(alarms: DeviceAlarms[], labels: FaultLabel[]): number {
  let min = Infinity;
  for (const l of labels) {
    const d = alarms.find((a) => a.device === l.device);
    if (!d) continue;
    const end = l.failure ?? d.end;
    const n = d.alarms.filter((t) => t >= l.start && t <= end).length;
    if (n > 0 && n < min) min = n;
  }
  return min;
}

/**
 * Among rules equally good on the training fleet, prefer the one that came least close to a
 * false alarm on its healthy devices (a training fleet may lack the weather that trips a rule
 * elsewhere: a rule that was nowhere near alarming on healthy data carries over better), then
 * the one with the widest margin on its weakest fault.
 */
function better(a: Judged, b: Judged | null): boolean {
  if (!b) return true;
  const okA = a.report.precision >= 0.9;
  const okB = b.report.precision >= 0.9;
  if (okA !== okB) return okA;
  if (!okA) return a.report.f1 > b.report.f1;
  if (a.report.recall !== b.report.recall) return a.report.recall > b.report.recall;
  if (a.report.precision !== b.report.precision) return a.report.precision > b.report.precision;
  const nA = a.nearMiss();
  const nB = b.nearMiss();
  if (nA !== nB) return nA < nB;
  return a.margin > b.margin;
}

export function calibrate(devices: DeviceDetectorScores[], labels: FaultLabel[], metrics: string[], hasModel: boolean): Calibration {
  const fusion = new AlarmFusion(devices);
  const firstFault = new Map<string, number>();
  for (const l of labels) firstFault.set(l.device, Math.min(firstFault.get(l.device) ?? Infinity, l.start));
  const judge = (rules: TypeAlarmRules): Judged => {
    const alarms = fusion.alarms(rules);
    const g = rules.generic;
    let peak: number | undefined;
    const nearMiss = () => (peak ??= g ? Math.max(0, ...devices.map((d) => healthyPeak(d.streams, g, firstFault.get(d.device) ?? Infinity))) : 0);
    return { report: evaluate(alarms, labels), margin: margin(alarms, labels), nearMiss };
  };
  const own: StreamRule[] = [...STREAM_RULE_GRID, ...metrics.flatMap((metric) => STREAM_RULE_GRID.map((r) => ({ ...r, metric })))];
  const gGrid: Array<StreamRule | null> = [null, ...own, ...own.map((r) => ({ ...r, peer: true }))];
  const mGrid: Array<AlarmRule | null> = hasModel ? [null, ...RULE_GRID] : [null];
  let best: Calibration | null = null;
  // Coordinate search: the generic rule with the model's fixed, then the model's given it; twice.
  for (let pass = 0; pass < 2; pass++) {
    const m0: AlarmRule | null = best ? best.model : null;
    for (const generic of gGrid) {
      const j = judge({ generic, model: m0 });
      if (better(j, best)) best = { generic, model: m0, ...j };
    }
    const g0: StreamRule | null = best!.generic;
    for (const model of mGrid) {
      const j = judge({ generic: g0, model });
      if (better(j, best)) best = { generic: g0, model, ...j };
    }
  }
  return best!;
}
