import type { Alert, DeviceTelemetry, ScorePoint } from './api-types';
import type { ChartSeries, EvidenceChartProps } from './components/evidence-chart';
import { query } from './api';

const HOUR = 3_600_000;

/** What to plot for an alert: its driving metric and, for detector alerts, the score. */
export interface EvidencePlan {
  device: string;
  metric: string | null;
  from: number;
  to: number;
  anchor: number;
  scores: boolean;
}

/**
 * The window is the hour before the reading that fired the alert (evidence.observedAt, or the
 * alert start) and up to two hours after it, never past now. The metric is the first numeric
 * one the evidence names (the detector's driving metric, or the rule's metric).
 */
export function evidencePlan(alert: Alert, now = Date.now()): EvidencePlan | null {
  const device = alert.labels.device;
  if (!device) return null;
  const anchor = typeof alert.evidence.observedAt === 'number' ? alert.evidence.observedAt : alert.startsAt;
  const metric = alert.evidence.metrics?.find((m) => typeof m.value === 'number')?.name ?? null;
  const scores = typeof alert.evidence.score === 'number';
  if (!metric && !scores) return null;
  return { device, metric, anchor, scores, from: anchor - HOUR, to: Math.max(anchor + 1, Math.min(now, anchor + 2 * HOUR)) };
}

export function telemetryPath(plan: EvidencePlan): string | null {
  if (!plan.metric) return null;
  return `/api/devices/${encodeURIComponent(plan.device)}/telemetry${query({ from: plan.from, to: plan.to, metrics: plan.metric, limit: 5_000 })}`;
}

export function scoresPath(plan: EvidencePlan, detector: string | undefined): string | null {
  if (!plan.scores) return null;
  return `/api/devices/${encodeURIComponent(plan.device)}/scores${query({ from: plan.from, to: plan.to, detector })}`;
}

/**
 * The chart: the metric on the left axis with the rule's limit (a threshold alert's
 * evidence.threshold is in the metric's unit), the score on the right axis with the detector's
 * threshold (an anomaly alert's evidence.threshold is on the score's scale).
 */
export function chartOf(alert: Alert, plan: EvidencePlan, telemetry: DeviceTelemetry | undefined, scores: ScorePoint[] | undefined): EvidenceChartProps {
  const series: ChartSeries[] = [];
  const limits: EvidenceChartProps['limits'] = [];
  if (plan.metric && telemetry) {
    const points = telemetry.points
      .map((p) => [p.ts, p.readings[plan.metric!]] as const)
      .filter((p): p is readonly [number, number] => typeof p[1] === 'number')
      .map(([t, v]) => [t, v] as [number, number]);
    series.push({ label: plan.metric, points, axis: 'value', color: '#1565c0' });
  }
  const threshold = alert.evidence.threshold;
  if (typeof threshold === 'number') {
    if (plan.scores) limits.push({ label: 'score threshold', value: threshold, axis: 'score', color: '#8e24aa' });
    else if (plan.metric) limits.push({ label: `limit (${alert.evidence.condition ?? threshold})`, value: threshold, axis: 'value', color: '#c62828' });
  }
  if (plan.scores && scores) {
    series.push({ label: 'anomaly score', points: scores.map((s) => [s.ts, s.score]), axis: 'score', color: '#ef6c00', dash: [2, 2] });
  }
  const title = [plan.metric, plan.scores ? 'anomaly score' : null].filter(Boolean).join(' and ') + ` of ${plan.device}`;
  return { title, series, limits, markerAt: plan.anchor, range: [plan.from, plan.to] };
}
