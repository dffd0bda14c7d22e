import { Counter, Gauge, Registry } from 'prom-client';
import { METRIC } from '@gridproof/metrics';

/**
 * The broker's Prometheus metrics. Get-or-create, so a second broker on the same registry
 * (a restart inside one process) reuses the series instead of throwing on a duplicate name.
 */
export class BrokerMetrics {
  readonly connections: Gauge;
  readonly devicesOnline: Gauge;
  readonly authFailures: Counter<'reason'>;
  readonly clientErrors: Counter<'reason'>;
  readonly sinkFailures: Counter;
  readonly errorRepliesDropped: Counter<'reason'>;
  readonly loginFailuresByAddress: Counter<'address'>;

  constructor(registry: Registry) {
    this.connections = gauge(registry, METRIC.mqttConnections, 'Open MQTT connections (TCP, WebSocket and TLS), authenticated or not');
    this.devicesOnline = gauge(registry, METRIC.devicesOnline, 'Devices with an authenticated MQTT session');
    this.authFailures = counter(registry, METRIC.mqttAuthFailures, 'Refused device logins, publishes and subscribes, by reason', ['reason']);
    this.clientErrors = counter(registry, METRIC.mqttClientErrors, 'MQTT connections closed because of the client, by reason', ['reason']);
    this.sinkFailures = counter(registry, METRIC.mqttSinkFailures, 'Telemetry messages the ingest sink failed on (not acknowledged, client dropped)', []);
    this.errorRepliesDropped = counter(registry, METRIC.mqttErrorRepliesDropped, 'Replies on device errors topics not sent, by reason (not_draining, rate_limited, write_failed)', ['reason']);
    this.loginFailuresByAddress = counter(registry, METRIC.mqttLoginFailures, 'Refused MQTT logins by source address (the first 100 addresses by name, then "other")', ['address']);
    // Start from zero on (re)start: the gauges describe this broker's sockets only.
    this.connections.set(0);
    this.devicesOnline.set(0);
  }
}

function gauge(registry: Registry, name: string, help: string): Gauge {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge;
  return new Gauge({ name, help, registers: [registry] });
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ name, help, labelNames, registers: [registry] });
}
