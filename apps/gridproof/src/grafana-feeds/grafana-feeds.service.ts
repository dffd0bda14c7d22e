import { Inject, Injectable, Logger, Optional, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Counter } from 'prom-client';
import { AlertsService, type Alert } from '@gridproof/alerts';
import type { GridProofConfig } from '@gridproof/config';
import { GP_CONFIG } from '@gridproof/core';
import { PipelineEvents } from '@gridproof/events';
import { InfluxTelemetryStore } from '@gridproof/influx';
import { METRIC, Registry } from '@gridproof/metrics';
import { DeviceRegistry } from '@gridproof/registry';
import { deviceAttributes } from '@gridproof/telemetry';
import { GrafanaFeeds, type GrafanaFeedsOptions } from './grafana-feeds';

export const GRAFANA_FEEDS_OPTIONS = 'GP_GRAFANA_FEEDS_OPTIONS';

/**
 * Binds GrafanaFeeds to the running app: the registry (sites, devices), the alert engine's open
 * alerts, the broker's connectivity events, and InfluxDB through the one adapter. Failures are
 * counted in gridproof_grafana_feed_errors_total{feed} and logged once per failure streak.
 */
@Injectable()
export class GrafanaFeedsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('GrafanaFeeds');
  readonly feeds: GrafanaFeeds | null;
  readonly errors: Counter<'feed'>;

  constructor(
    @Inject(GRAFANA_FEEDS_OPTIONS) options: Partial<GrafanaFeedsOptions>,
    @Inject(GP_CONFIG) gp: GridProofConfig,
    registry: DeviceRegistry,
    alerts: AlertsService,
    events: PipelineEvents,
    metrics: Registry,
    @Optional() influx?: InfluxTelemetryStore,
  ) {
    this.errors =
      (metrics.getSingleMetric(METRIC.grafanaFeedErrors) as Counter<'feed'> | undefined) ??
      new Counter({ name: METRIC.grafanaFeedErrors, help: 'Failed reads or writes of the Grafana feeds (gp_sites, gp_alerts_open, gp_device_status)', labelNames: ['feed'], registers: [metrics] });
    // The base alert links use (libs/alerts: the routing file's external_url, else this API).
    const consoleBase = alerts.config.externalUrl ?? `http://${gp.host}:${gp.api.port}`;
    // CoreModule provides the adapter whenever the config names an InfluxDB.
    if (!influx) {
      this.feeds = null;
      return;
    }
    this.feeds = new GrafanaFeeds(
      {
        devices: async () => (await registry.list()).map((d) => ({ id: d.id, type: d.type, site: d.site, attributes: deviceAttributes(d.type, d.metadata).values })),
        openAlerts: () => alerts.engine.openAlerts().map((a) => alertRow(a, consoleBase)),
        onConnectivity: (listener) =>
          events.on('connectivity', (e) => listener({ device: e.device.id, site: e.device.site, type: e.device.type, online: e.online, at: e.at })),
      },
      {
        write: (body, writeOptions) => influx.writeLines(body, writeOptions),
        onError: (feed, err, first) => {
          this.errors.inc({ feed });
          const message = `${feed} not written to InfluxDB: ${(err as Error).message}`;
          if (first) this.logger.warn(`${message} (retrying; further failures are only counted)`);
          else this.logger.debug(message);
        },
        onRecovered: (feed) => this.logger.log(`${feed} written to InfluxDB again`),
      },
      options,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.feeds) {
      this.logger.warn('no InfluxDB URL: Grafana feeds are off');
      return;
    }
    await this.feeds.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.feeds?.stop();
  }
}

/** An open alert as the fleet dashboard's table shows it, linked to its page in the console (served at /, routes in the fragment). */
export function alertRow(a: Alert, consoleBase: string) {
  return {
    id: a.id,
    fingerprint: a.fingerprint,
    severity: a.severity,
    state: a.state,
    summary: a.summary,
    alertname: a.labels.alertname,
    device: a.labels.device,
    site: a.labels.site,
    startedAt: a.startsAt,
    url: `${consoleBase}/#/alerts/${encodeURIComponent(a.id)}`,
  };
}
