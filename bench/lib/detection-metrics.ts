/**
 * Row- and event-level figures of a detector's scores against labelled segments, as the
 * development corpus's protocol asks (/work/shared/datasets/devcorpus/README.md).
 */

/** ROC AUC by ranks (ties get their average rank: a constant score gives 0.5). */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (labels[order[k]]) {
      pos++;
      rankSum += rank;
    }
    i = j + 1;
  }
  const neg = n - pos;
  return pos && neg ? (rankSum - (pos * (pos + 1)) / 2) / (pos * neg) : NaN;
}

export interface Sweep {
  /** Average precision (PR AUC as scikit-learn computes it: ties form one step). */
  averagePrecision: number;
  bestF1: number;
  bestThreshold: number;
}

export function sweep(scores: ArrayLike<number>, labels: ArrayLike<number>): Sweep {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let total = 0;
  for (let i = 0; i < n; i++) total += labels[i] ? 1 : 0;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let prevRecall = 0;
  let bestF1 = 0;
  let bestThreshold = Infinity;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    for (let k = i; k <= j; k++) if (labels[order[k]]) tp++;
    else fp++;
    const precision = tp / (tp + fp);
    const recall = total ? tp / total : 0;
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    if (f1 > bestF1) {
      bestF1 = f1;
      bestThreshold = scores[order[i]];
    }
    i = j + 1;
  }
  return { averagePrecision: ap, bestF1, bestThreshold };
}

export interface PointFigures {
  precision: number;
  recall: number;
  f1: number;
  alarms: number;
}

export function atFlags(flags: ArrayLike<number>, labels: ArrayLike<number>): PointFigures {
  let tp = 0;
  let fp = 0;
  let pos = 0;
  for (let i = 0; i < flags.length; i++) {
    if (labels[i]) pos++;
    if (flags[i]) {
      if (labels[i]) tp++;
      else fp++;
    }
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = pos ? tp / pos : 0;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, alarms: tp + fp };
}

export interface EventFigures {
  segments: number;
  detected: number;
  /** Rows from a segment's start to its first alarm, for the detected ones. */
  delays: number[];
  /** Alarm episodes (alarm rows closer than the merge gap form one) that touch no segment. */
  falseEpisodes: number;
  episodes: number;
}

/**
 * Event level on one entity's test rows: flags and labels per row. An episode is a run of
 * alarm rows with gaps shorter than `mergeGap` rows; it is false when none of its rows is
 * labelled.
 */
export function events(flags: ArrayLike<number>, labels: ArrayLike<number>, mergeGap: number): EventFigures {
  const out: EventFigures = { segments: 0, detected: 0, delays: [], falseEpisodes: 0, episodes: 0 };
  for (let i = 0; i < labels.length; ) {
    if (!labels[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < labels.length && labels[j + 1]) j++;
    out.segments++;
    for (let k = i; k <= j; k++) if (flags[k]) {
      out.detected++;
      out.delays.push(k - i);
      break;
    }
    i = j + 1;
  }
  let last = -Infinity;
  let touches = false;
  for (let i = 0; i < flags.length; i++) {
    if (!flags[i]) continue;
    if (i - last >= mergeGap) {
      if (out.episodes && !touches) out.falseEpisodes++;
      out.episodes++;
      touches = false;
    }
    if (labels[i]) touches = true;
    last = i;
  }
  if (out.episodes && !touches) out.falseEpisodes++;
  return out;
}
