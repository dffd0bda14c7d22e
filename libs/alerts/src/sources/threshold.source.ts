import type { AcceptedReading } from '@gridproof/events';
import type { CompiledThresholdRule } from '../config/alerts-config';
import type { Signal } from '../model/alert';
import { formatDuration } from '../model/duration';
import type { Labels } from '../model/labels';
import { matchesAll } from '../model/matchers';
import { deviceLabels } from './device-labels';

interface RuleState {
  pendingSince: number | null;
  firing: boolean;
  clearSince: number | null;
}

const COMPARE: Record<CompiledThresholdRule['op'], (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

export interface ThresholdSink {
  fire(signal: Signal): void;
  clear(labels: Labels, note: string): void;
}

/**
 * Threshold rules on accepted readings, as Prometheus alerting rules with `for`: the condition
 * must hold for `for` before the alert fires, and stay clear for `clear_for` before it resolves.
 * Durations are measured on the readings' device timestamps, so a replayed or accelerated
 * stream behaves like a live one and a late batch cannot fire a rule early.
 */
export class ThresholdEvaluator {
  private readonly state = new Map<string, RuleState>();

  constructor(
    private readonly rules: CompiledThresholdRule[],
    private readonly sink: ThresholdSink,
  ) {}

  onAccepted(batch: AcceptedReading[]): void {
    if (!this.rules.length) return;
    for (const { device, record } of batch) {
      const devLabels = deviceLabels(device);
      for (const rule of this.rules) {
        const value = record.readings[rule.metric];
        if (typeof value !== 'number' || !matchesAll(rule.matchers, devLabels)) continue;
        this.evaluate(rule, devLabels, value, record.ts);
      }
    }
  }

  private evaluate(rule: CompiledThresholdRule, devLabels: Labels, value: number, ts: number): void {
    const key = `${rule.name}\u0000${devLabels.device}`;
    let s = this.state.get(key);
    if (!s) this.state.set(key, (s = { pendingSince: null, firing: false, clearSince: null }));
    const labels: Labels = { alertname: rule.name, ...devLabels, kind: rule.kind };
    if (COMPARE[rule.op](value, rule.value)) {
      s.clearSince = null;
      s.pendingSince ??= ts;
      if (ts - s.pendingSince >= rule.forMs) {
        s.firing = true;
        this.sink.fire(this.signal(rule, labels, value, ts, s.pendingSince));
      }
      return;
    }
    s.pendingSince = null;
    if (!s.firing) {
      this.state.delete(key);
      return;
    }
    s.clearSince ??= ts;
    if (ts - s.clearSince >= rule.clearForMs) {
      this.state.delete(key);
      this.sink.clear(labels, `${rule.metric} ${rule.op} ${rule.value} clear for ${formatDuration(ts - s.clearSince)} (now ${value})`);
    }
  }

  private signal(rule: CompiledThresholdRule, labels: Labels, value: number, ts: number, since: number): Signal {
    const condition = `${rule.metric} ${rule.op} ${rule.value}`;
    return {
      source: 'threshold',
      labels,
      severity: rule.severity,
      summary: rule.summary ?? `${rule.name} on ${labels.device}: ${rule.metric} = ${value}`,
      description:
        rule.description ??
        `${labels.type} ${labels.device} at site ${labels.site}: ${condition} for ${formatDuration(ts - since)} (last value ${value}, rule ${rule.name}).`,
      evidence: { rule: rule.name, condition, metrics: [{ name: rule.metric, value }], threshold: rule.value, observedAt: ts, since },
    };
  }
}
