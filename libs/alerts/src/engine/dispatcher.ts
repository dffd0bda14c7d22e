import { randomUUID } from 'node:crypto';
import type { CompiledRoute } from '../config/alerts-config';
import type { Alert, Notification } from '../model/alert';
import type { Labels } from '../model/labels';
import { commonLabelsOf, groupKeyOf, groupLabelsFor, matchLabelsOf, matchRoutes } from './routing';
import type { Suppressor } from './suppression';

interface AggregationGroup {
  key: string;
  route: CompiledRoute;
  labels: Labels;
  alerts: Map<string, Alert>;
  /** fingerprint:severity of the firing alerts in the last notification. */
  notified: Set<string>;
  lastNotifiedAt: number;
  nextFlushAt: number;
}

const notifiedKey = (a: Alert) => `${a.fingerprint}:${a.severity}`;

/**
 * Alertmanager's notification pipeline: alerts are routed into aggregation groups (route +
 * group_by label values). A new group waits group_wait before its first notification so that
 * alerts of one incident arrive together; after that it is flushed every group_interval, and
 * notifies only when something changed (a new firing alert, a severity change, a resolve) or
 * repeat_interval has passed. Acknowledged, silenced and inhibited alerts do not count as
 * firing, so acknowledging stops the repeats.
 */
export class Dispatcher {
  private readonly groups = new Map<string, AggregationGroup>();
  /** Group flushes so far (tests count flushes instead of sleeping). */
  flushes = 0;

  constructor(
    private readonly route: CompiledRoute,
    private readonly suppressor: Suppressor,
    private readonly notify: (n: Notification) => void,
  ) {}

  /**
   * Puts the latest state of an alert into its groups. `alreadyNotified` seeds groups with alerts
   * loaded at start-up so a restart does not page crews again for what they already know.
   */
  update(alert: Alert, now: number, alreadyNotified = false): void {
    for (const route of matchRoutes(this.route, matchLabelsOf(alert))) {
      const labels = groupLabelsFor(route, matchLabelsOf(alert));
      const key = groupKeyOf(route, labels);
      let group = this.groups.get(key);
      if (!group) {
        if (alert.state === 'resolved') continue;
        group = { key, route, labels, alerts: new Map(), notified: new Set(), lastNotifiedAt: alreadyNotified ? now : 0, nextFlushAt: now + route.groupWaitMs };
        this.groups.set(key, group);
      }
      group.alerts.set(alert.fingerprint, alert);
      if (alreadyNotified && alert.state === 'firing') group.notified.add(notifiedKey(alert));
    }
  }

  tick(now: number): void {
    for (const group of this.groups.values()) {
      if (group.nextFlushAt <= now) this.flush(group, now);
    }
  }

  groupCount(): number {
    return this.groups.size;
  }

  private flush(group: AggregationGroup, now: number): void {
    this.flushes++;
    const firing: Alert[] = [];
    const resolved: Alert[] = [];
    const notifiedFingerprints = new Set([...group.notified].map((k) => k.slice(0, k.lastIndexOf(':'))));
    for (const alert of group.alerts.values()) {
      if (alert.state === 'resolved') {
        if (notifiedFingerprints.has(alert.fingerprint)) resolved.push(alert);
      } else if (alert.state === 'firing' && !this.suppressor.mutedBy(alert, group.route, now)) {
        firing.push(alert);
      }
    }
    const changed = firing.some((a) => !group.notified.has(notifiedKey(a))) || resolved.length > 0;
    const repeatDue = firing.length > 0 && now - group.lastNotifiedAt >= group.route.repeatIntervalMs;
    if (changed || repeatDue) {
      const alerts = [...firing, ...resolved];
      this.notify({
        id: randomUUID(),
        receiver: group.route.receiver,
        groupKey: group.key,
        status: firing.length ? 'firing' : 'resolved',
        groupLabels: group.labels,
        commonLabels: commonLabelsOf(alerts),
        alerts,
        at: now,
      });
      group.lastNotifiedAt = now;
      // Acknowledged alerts crews were told about stay known, so their resolve is announced.
      const acknowledged = [...group.notified].filter((k) => group.alerts.get(k.slice(0, k.lastIndexOf(':')))?.state === 'acknowledged');
      group.notified = new Set([...firing.map(notifiedKey), ...acknowledged]);
    } else {
      // Alerts that stopped firing without a notification (acknowledged, muted) are forgotten,
      // so that a later resolve is not announced to crews who never heard of them.
      const stillFiring = new Set(firing.map(notifiedKey));
      for (const k of [...group.notified]) {
        const fp = k.slice(0, k.lastIndexOf(':'));
        const a = group.alerts.get(fp);
        if (!a || (a.state !== 'resolved' && a.state !== 'acknowledged' && !stillFiring.has(k))) group.notified.delete(k);
      }
    }
    for (const [fp, alert] of group.alerts) if (alert.state === 'resolved') group.alerts.delete(fp);
    if (group.alerts.size === 0) this.groups.delete(group.key);
    else group.nextFlushAt = now + group.route.groupIntervalMs;
  }
}
