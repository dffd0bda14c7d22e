import type { FaultLabel } from './sim-export';

/**
 * Event-level evaluation against labelled faults. An alarm is a reading scored at or above the
 * threshold; alarms of one device closer than `gapMs` form one alarm episode (what a crew sees).
 * - recall: faults with an alarm on their device between the fault's start and its failure
 *   (or the end of the data when it has none);
 * - precision: alarm episodes that overlap a fault interval (from its start to the end of the
 *   data: see failedStaysFaulty), over all episodes;
 * - lead time (degradations): failure − first alarm of the fault.
 */
export interface DeviceAlarms {
  device: string;
  /** Alarm times, ascending. */
  alarms: number[];
  /** Last timestamp of the device's data. */
  end: number;
}

export interface EvaluationReport {
  faults: number;
  detected: number;
  episodes: number;
  truePositiveEpisodes: number;
  precision: number;
  recall: number;
  f1: number;
  /** Per degradation fault with a failure and an alarm before it: hours of warning. */
  leadTimesH: number[];
  medianLeadTimeH: number | null;
  byKind: Record<string, { faults: number; detected: number }>;
}

/**
 * A degradation that reached its failure leaves the device failed (tripped, locked out, at
 * end of life) until someone repairs it: an alarm on it after the failure is not a false
 * alarm. Recall still needs an alarm before the failure, which is what a prediction is for.
 */
export function evaluate(devices: DeviceAlarms[], labels: FaultLabel[], gapMs = 3_600_000, failedStaysFaulty = true): EvaluationReport {
  const byDevice = new Map(devices.map((d) => [d.device, d]));
  const relevant = labels.filter((l) => byDevice.has(l.device));
  let detected = 0;
  const leadTimesH: number[] = [];
  const byKind: EvaluationReport['byKind'] = {};
  for (const l of relevant) {
    const d = byDevice.get(l.device)!;
    const end = l.failure ?? d.end;
    const first = d.alarms.find((t) => t >= l.start && t <= end);
    const k = (byKind[l.kind] ??= { faults: 0, detected: 0 });
    k.faults++;
    if (first !== undefined) {
      detected++;
      k.detected++;
      if (l.failure !== null) leadTimesH.push((l.failure - first) / 3_600_000);
    }
  }
  let episodes = 0;
  let tp = 0;
  for (const d of devices) {
    const intervals = relevant.filter((l) => l.device === d.device).map((l) => [l.start, l.failure === null || failedStaysFaulty ? d.end : l.failure] as const);
    let i = 0;
    while (i < d.alarms.length) {
      const from = d.alarms[i];
      let to = from;
      while (i + 1 < d.alarms.length && d.alarms[i + 1] - to <= gapMs) to = d.alarms[++i];
      i++;
      episodes++;
      if (intervals.some(([s, e]) => from <= e && to >= s)) tp++;
    }
  }
  const precision = episodes ? tp / episodes : 1;
  const recall = relevant.length ? detected / relevant.length : 1;
  const sorted = [...leadTimesH].sort((a, b) => a - b);
  return {
    faults: relevant.length,
    detected,
    episodes,
    truePositiveEpisodes: tp,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    leadTimesH,
    medianLeadTimeH: sorted.length ? (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2 : null,
    byKind,
  };
}
