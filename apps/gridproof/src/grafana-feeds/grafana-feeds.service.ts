import { Inject, Injectable, Logger, Optional, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Counter } from 'prom-client';
import { AlertsService } from '@gridproof/alerts';
import { PipelineEvents } from '@gridproof/events';
import { InfluxTelemetryStore } from '@gridproof/influx';
import { METRIC, Registry } from '@gridproof/metrics';
import { DeviceRegistry } from '@gridproof/registry';
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
    registry: DeviceRegistry,
    alerts: AlertsService,
    events: PipelineEvents,
    metrics: Registry,
    @Optional() influx?: InfluxTelemetryStore,
  ) {
    this.errors =
      (metrics.getSingleMetric(METRIC.grafanaFeedErrors) as Counter<'feed'> | undefined) ??
      new Counter({ name: METRIC.grafanaFeedErrors, help: 'Failed reads or writes of the Grafana feeds (gp_sites, gp_alerts_open, gp_device_status)', labelNames: ['feed'], registers: [metrics] });
    // CoreModule provides the adapter whenever the config names an InfluxDB.
    if (!influx) {
      this.feeds = null;
      return;
    }
    this.feeds = new GrafanaFeeds(
      {
        devices: () => registry.list(),
        openAlerts: () => alerts.engine.openAlerts(),
        onConnectivity: (listener) =>
          events.on('connectivity', (e) => listener({ device: e.device.id, site: e.device.site, type: e.device.type, online: e.online, at: e.at })),
      },
      {
        write: (body) => influx.writeLines(body),
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
