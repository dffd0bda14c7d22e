import type { CompiledInhibitRule, CompiledRoute, CompiledTimeInterval } from '../config/alerts-config';
import type { Alert, Silence } from '../model/alert';
import { compileMatchers, CompiledMatcher, matchesAll } from '../model/matchers';
import { recurrenceActive } from '../model/recurrence';
import { matchLabelsOf } from './routing';

interface ActiveSilence {
  silence: Silence;
  matchers: CompiledMatcher[];
}

/** A silence mutes matching alerts between startsAt and endsAt (and, if recurring, inside a window). */
export function silenceActive(s: Silence, at: number): boolean {
  if (at < s.startsAt || at >= s.endsAt) return false;
  return !s.recurrence?.length || s.recurrence.some((r) => recurrenceActive(r, at));
}

/**
 * Decides whether an alert is muted at a flush, and why: a silence, a standing maintenance
 * window (time interval with matchers), a route's mute_time_intervals, or an inhibition rule
 * whose source alert is open. Evaluated when notifying, as Alertmanager does, so a silence
 * that ends lets the alert through at the next flush.
 */
export class Suppressor {
  private silences = new Map<string, ActiveSilence>();

  constructor(
    private readonly inhibitRules: CompiledInhibitRule[],
    private readonly timeIntervals: CompiledTimeInterval[],
    private readonly openAlerts: () => Iterable<Alert>,
  ) {}

  setSilences(silences: Silence[]): void {
    this.silences = new Map(silences.map((s) => [s.id, { silence: s, matchers: compileMatchers(s.matchers) }]));
  }

  upsertSilence(s: Silence): void {
    this.silences.set(s.id, { silence: s, matchers: compileMatchers(s.matchers) });
  }

  /** Why the alert is muted for this route now, or null when it may be notified. */
  mutedBy(alert: Alert, route: CompiledRoute | null, at: number): string | null {
    const labels = matchLabelsOf(alert);
    for (const { silence, matchers } of this.silences.values()) {
      if (silenceActive(silence, at) && matchesAll(matchers, labels)) return `silence:${silence.id}`;
    }
    for (const ti of this.timeIntervals) {
      if (!ti.times.some((t) => recurrenceActive(t, at))) continue;
      if (ti.matchers.length && matchesAll(ti.matchers, labels)) return `maintenance:${ti.name}`;
      if (route?.muteTimeIntervals.includes(ti.name)) return `muted:${ti.name}`;
    }
    for (const rule of this.inhibitRules) {
      if (!matchesAll(rule.target, labels)) continue;
      for (const source of this.openAlerts()) {
        if (source.fingerprint === alert.fingerprint || source.state === 'resolved') continue;
        const sourceLabels = matchLabelsOf(source);
        if (!matchesAll(rule.source, sourceLabels)) continue;
        if (rule.equal.every((name) => (sourceLabels[name] ?? '') === (labels[name] ?? ''))) return `inhibited:${source.fingerprint}`;
      }
    }
    return null;
  }

  activeSilences(at: number): Silence[] {
    return [...this.silences.values()].map((s) => s.silence).filter((s) => at < s.endsAt);
  }
}
