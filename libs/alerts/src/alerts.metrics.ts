import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRIC } from '@gridproof/metrics';
import type { Alert } from './model/alert';

export class AlertsMetrics {
  readonly transitions: Counter<'state' | 'source'>;
  readonly notifications: Counter<'receiver' | 'integration' | 'status'>;
  readonly deliverySeconds: Histogram<'receiver' | 'integration'>;
  readonly errors: Counter<'what'>;

  constructor(registry: Registry, openAlerts: () => Alert[]) {
    new Gauge({
      name: METRIC.alertsOpen,
      help: 'Open alerts by severity and state',
      labelNames: ['severity', 'state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const severity of ['critical', 'warning', 'info']) for (const state of ['firing', 'acknowledged']) this.set({ severity, state }, 0);
        for (const a of openAlerts()) this.inc({ severity: a.severity, state: a.state });
      },
    });
    this.transitions = new Counter({ name: METRIC.alertTransitions, help: 'Alert state changes', labelNames: ['state', 'source'], registers: [registry] });
    this.notifications = new Counter({
      name: METRIC.alertNotifications,
      help: 'Notification delivery attempts by receiver, integration and outcome',
      labelNames: ['receiver', 'integration', 'status'],
      registers: [registry],
    });
    this.deliverySeconds = new Histogram({
      name: METRIC.alertDeliverySeconds,
      help: 'Time per notification delivery attempt',
      labelNames: ['receiver', 'integration'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
      registers: [registry],
    });
    this.errors = new Counter({ name: METRIC.alertErrors, help: 'Internal alerting errors by kind', labelNames: ['what'], registers: [registry] });
  }
}
