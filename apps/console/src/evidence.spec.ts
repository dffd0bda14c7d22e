import type { Alert } from './api-types';
import { chartOf, evidencePlan, scoresPath, telemetryPath } from './evidence';

const HOUR = 3_600_000;
const now = Date.parse('2026-06-02T12:00:00Z');
const alert = (over: Partial<Alert>): Alert => ({
  id: 'a1',
  fingerprint: 'f',
  source: 'threshold',
  state: 'firing',
  severity: 'critical',
  labels: { alertname: 'ConnectorOverTemp', device: 'evc-1', site: 'north-1' },
  summary: 's',
  description: 'd',
  evidence: {},
  timeToFailureMs: null,
  recommendedAction: 'r',
  links: { api: 'x' },
  startsAt: now - 10 * 60_000,
  updatedAt: now,
  endsAt: null,
  acknowledgedBy: null,
  acknowledgedAt: null,
  ackNote: null,
  resolvedBy: null,
  resolveNote: null,
  ...over,
});

describe('evidence chart', () => {
  it("draws a threshold rule's metric with the rule's limit on the metric's own axis", () => {
    const observedAt = now - 15 * 60_000;
    const a = alert({ evidence: { rule: 'ConnectorOverTemp', condition: 'connector_temp_c > 90', threshold: 90, metrics: [{ name: 'connector_temp_c', value: 95 }], observedAt } });
    const plan = evidencePlan(a, now)!;
    expect(plan).toMatchObject({ device: 'evc-1', metric: 'connector_temp_c', scores: false, anchor: observedAt, from: observedAt - HOUR, to: now });
    expect(telemetryPath(plan)).toBe(`/api/devices/evc-1/telemetry?from=${observedAt - HOUR}&to=${now}&metrics=connector_temp_c&limit=5000`);
    expect(scoresPath(plan, undefined)).toBeNull();
    const chart = chartOf(a, plan, { device: 'evc-1', from: 0, to: 0, points: [{ ts: 1, seq: 0, readings: { connector_temp_c: 95 } }, { ts: 2, seq: 1, readings: { connector_temp_c: 'n/a' } }] }, undefined);
    expect(chart.series).toEqual([expect.objectContaining({ label: 'connector_temp_c', axis: 'value', points: [[1, 95]] })]);
    expect(chart.limits).toEqual([expect.objectContaining({ value: 90, axis: 'value' })]);
    expect(chart.markerAt).toBe(observedAt);
  });

  it("draws a detector's driving metric and its score, the threshold on the score's axis", () => {
    const a = alert({ source: 'anomaly', evidence: { detector: 'generic', score: 0.97, threshold: 0.9, metrics: [{ name: 'status', value: 'Faulted' }, { name: 'heatsink_temp_c', value: 90 }] } });
    const plan = evidencePlan(a, now)!;
    expect(plan).toMatchObject({ metric: 'heatsink_temp_c', scores: true, anchor: a.startsAt, to: now });
    expect(scoresPath(plan, 'generic')).toContain('/api/devices/evc-1/scores?');
    const chart = chartOf(a, plan, undefined, [{ ts: 5, detector: 'generic', score: 0.97, threshold: 0.9 }]);
    expect(chart.series).toEqual([expect.objectContaining({ label: 'anomaly score', axis: 'score', points: [[5, 0.97]] })]);
    expect(chart.limits).toEqual([expect.objectContaining({ value: 0.9, axis: 'score' })]);
  });

  it('plots nothing for an alert without a device or a metric (offline, site alerts)', () => {
    expect(evidencePlan(alert({ labels: { alertname: 'SiteOffline', site: 'north-1' } }), now)).toBeNull();
    expect(evidencePlan(alert({ labels: { alertname: 'DeviceOffline', device: 'evc-1' }, evidence: { lastSeenAt: now - HOUR } }), now)).toBeNull();
  });

  it('shows at most two hours after the evidence, never the future', () => {
    const old = now - 48 * HOUR;
    const plan = evidencePlan(alert({ evidence: { metrics: [{ name: 'power_w', value: 1 }], observedAt: old } }), now)!;
    expect([plan.from, plan.to]).toEqual([old - HOUR, old + 2 * HOUR]);
  });
});
