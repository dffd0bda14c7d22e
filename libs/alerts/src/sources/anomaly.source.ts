import type { AnomalyEvent } from '@gridproof/events';
import type { AlertsConfig } from '../config/alerts-config';
import type { Signal } from '../model/alert';
import { formatDuration } from '../model/duration';
import type { Severity } from '../model/labels';
import { deviceLabels } from './device-labels';

const pretty = (kind: string) => kind.replace(/_/g, ' ');

/**
 * Anomaly events and maintenance predictions from the detection layer. Every event for the same
 * device and fault kind refreshes one alert; the alert resolves after resolve_timeout without a
 * new event (detectors only say when something is wrong, never when it is fine again).
 */
export function anomalySignal(event: AnomalyEvent, config: AlertsConfig['anomaly']): Signal | null {
  if (!config.enabled || event.score < config.minScore) return null;
  const kind = event.kind ?? 'anomaly';
  const predictive = event.timeToFailureMs !== undefined;
  const severity: Severity =
    (predictive && event.timeToFailureMs! <= config.criticalTimeToFailureMs) || event.score >= config.criticalScore ? 'critical' : 'warning';
  const top = event.metrics
    .slice(0, 3)
    // Readable in a mail subject or a chat line: 4 significant digits (the evidence keeps the exact value).
    .map((m) => `${m.name}=${typeof m.value === 'number' ? Number(m.value.toPrecision(4)) : m.value}`)
    .join(', ');
  const summary = predictive
    ? `${pretty(kind)} predicted on ${event.device.id}: failure in about ${formatDuration(event.timeToFailureMs!)}`
    : `${kind === 'anomaly' ? 'Anomalous readings' : pretty(kind)} on ${event.device.id} (score ${event.score.toFixed(2)})`;
  return {
    source: 'anomaly',
    labels: { alertname: predictive ? 'PredictedFailure' : 'DeviceAnomaly', ...deviceLabels(event.device), kind },
    severity,
    summary,
    description:
      `The ${event.detector} detector (model ${event.modelVersion}) scored ${event.device.type} ${event.device.id} at site ` +
      `${event.device.site} ${event.score.toFixed(3)} (threshold ${event.threshold.toFixed(3)})` +
      (top ? `; driving metrics: ${top}.` : '.'),
    evidence: {
      detector: event.detector,
      modelVersion: event.modelVersion,
      score: event.score,
      threshold: event.threshold,
      metrics: event.metrics,
      observedAt: event.ts,
    },
    timeToFailureMs: event.timeToFailureMs,
    expiresAfterMs: config.resolveTimeoutMs,
  };
}
