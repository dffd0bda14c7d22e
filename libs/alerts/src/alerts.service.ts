import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import type { GridProofConfig } from '@gridproof/config';
import { PipelineEvents } from '@gridproof/events';
import { InfluxTelemetryStore } from '@gridproof/influx';
import { Registry } from '@gridproof/metrics';
import { SqlStore } from '@gridproof/store';
import { isDeviceType } from '@gridproof/telemetry';
import { GP_CONFIG } from '@gridproof/core';
import type { AlertsConfig } from './config/alerts-config';
import { AlertsMetrics } from './alerts.metrics';
import { ALERTS_CLOCK, ALERTS_CONFIG, ALERTS_MQTT_PUBLISH } from './alerts.tokens';
import { DeliveryOutcome, DeliveryQueue, deliveryRecords } from './delivery/delivery.queue';
import { AlertPublisher, buildIntegrations } from './delivery/channels';
import { AlertEngine, Clock, systemClock } from './engine/alert.engine';
import { Dispatcher } from './engine/dispatcher';
import { Suppressor } from './engine/suppression';
import type { Alert, AlertEventType, AlertHistoryEntry, DeliveryRecord, Notification, Silence } from './model/alert';
import type { Labels } from './model/labels';
import { anomalySignal } from './sources/anomaly.source';
import { KnownDevices } from './sources/device-labels';
import { OfflineDetector } from './sources/offline.source';
import { LoginFailureDetector } from './sources/login-failures.source';
import { TamperingDetector } from './sources/tampering.source';
import { ThresholdEvaluator } from './sources/threshold.source';
import { AlertAnnotationWriter } from './storage/alert-annotation.writer';
import { AlertFilter, AlertRepository } from './storage/alert.repository';
import { ALERTS_MIGRATIONS } from './storage/alerts.migrations';
import { CreateSilenceInput, silenceFromInput } from './silences';
import { NotFoundError } from '@gridproof/core';

export interface AlertView extends Alert {
  /** Why notifications for it are held back right now (silence:<id>, inhibited:<fp>, ...). */
  mutedBy: string | null;
}

export interface AlertDetail extends AlertView {
  history: AlertHistoryEntry[];
  deliveries: DeliveryRecord[];
}

export class SilenceNotFoundError extends NotFoundError {}

/**
 * The alerting stage: subscribes to the pipeline bus (anomalies, accepted readings,
 * connectivity, rejections, refused logins), turns them into alerts, routes and delivers
 * notifications, and serves the REST API's reads and writes.
 */
@Injectable()
export class AlertsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Alerts');
  private readonly suppressor: Suppressor;
  readonly dispatcher: Dispatcher;
  readonly engine: AlertEngine;
  private readonly queues = new Map<string, DeliveryQueue[]>();
  private readonly metrics: AlertsMetrics;
  private readonly annotations: AlertAnnotationWriter | null;
  private readonly known = new KnownDevices();
  private readonly threshold: ThresholdEvaluator;
  private readonly offline: OfflineDetector;
  private readonly tampering: TamperingDetector;
  private readonly loginFailures: LoginFailureDetector;
  private readonly clock: Clock;
  private unsubscribe: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private logWrites: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(ALERTS_CONFIG) readonly config: AlertsConfig,
    @Inject(GP_CONFIG) private readonly gp: GridProofConfig,
    private readonly store: SqlStore,
    private readonly repo: AlertRepository,
    private readonly events: PipelineEvents,
    registry: Registry,
    @Optional() @Inject(ALERTS_MQTT_PUBLISH) publish?: AlertPublisher,
    @Optional() @Inject(ALERTS_CLOCK) clock?: Clock,
    /** CoreModule's InfluxDB adapter; without one, alert annotations are not written. */
    @Optional() influx?: InfluxTelemetryStore,
  ) {
    this.clock = clock ?? systemClock;
    const apiBase = config.externalUrl ?? `${gp.api.tls ? 'https' : 'http'}://${gp.host}:${gp.api.port}`;
    const grafana = gp.alerts.grafanaUrl.replace(/\/$/, '');
    this.suppressor = new Suppressor(config.inhibitRules, config.timeIntervals, () => this.engine.openAlerts());
    this.dispatcher = new Dispatcher(config.route, this.suppressor, (n) => this.deliver(n));
    this.metrics = new AlertsMetrics(registry, () => this.engine.openAlerts());
    this.annotations = influx
      ? new AlertAnnotationWriter(influx, (err) => {
          this.metrics.errors.inc({ what: 'annotation' });
          this.logger.warn(`alert annotation not written to InfluxDB: ${(err as Error).message}`);
        })
      : null;
    this.engine = new AlertEngine({
      persistence: this.repo,
      dispatcher: this.dispatcher,
      clock: this.clock,
      links: (id, labels) => ({
        api: `${apiBase}/api/alerts/${id}`,
        console: `${apiBase}/#/alerts/${encodeURIComponent(id)}`,
        // The device's own drill-down (one Grafana board per device type), else the generic one.
        ...(labels.device ? { dashboard: `${grafana}/d/gridproof-device${isDeviceType(labels.type) ? `-${labels.type}` : ''}?var-device=${encodeURIComponent(labels.device)}` } : {}),
      }),
      onChange: (alert, type) => this.onChange(alert, type),
      onError: (what, err) => {
        this.metrics.errors.inc({ what });
        this.logger.error(`alert ${what} failed: ${(err as Error).stack ?? err}`);
      },
    });
    const sink = { fire: this.engine.fire.bind(this.engine), clear: this.engine.clear.bind(this.engine) };
    this.threshold = new ThresholdEvaluator(config.rules, sink);
    this.offline = new OfflineDetector(config.offline, sink);
    this.tampering = new TamperingDetector(config.tampering, (id) => this.known.labelsOf(id), sink.fire);
    this.loginFailures = new LoginFailureDetector(config.loginFailures, sink.fire);
    const integrations = buildIntegrations(config.receivers, {
      externalUrl: apiBase,
      publish,
      log: (m) => this.logger.log(m),
      warn: (m) => this.logger.warn(m),
      defaultTimeoutMs: config.delivery.timeoutMs,
    });
    for (const integration of integrations) {
      const list = this.queues.get(integration.receiver) ?? [];
      list.push(new DeliveryQueue(integration, config.delivery, (o) => this.onOutcome(o)));
      this.queues.set(integration.receiver, list);
    }
  }

  async onModuleInit(): Promise<void> {
    await this.store.migrate(ALERTS_MIGRATIONS);
    this.suppressor.setSilences(await this.repo.silences());
    await this.engine.start();
    const now = () => this.clock.now();
    this.unsubscribe = [
      this.events.on('anomaly', (event) => {
        this.known.remember(event.device);
        const signal = anomalySignal(event, this.config.anomaly);
        if (signal) this.engine.fire(signal);
      }),
      this.events.on('accepted', (batch) => {
        const at = now();
        for (const { device } of batch) {
          this.known.remember(device);
          this.offline.seen(device, at);
        }
        this.threshold.onAccepted(batch);
      }),
      this.events.on('connectivity', (event) => {
        this.known.remember(event.device);
        this.offline.onConnectivity(event, now());
      }),
      this.events.on('rejected', (r) => this.tampering.record(r.deviceId, r.reason, r.detail, now())),
      // Refusals inside an authenticated session are evidence about that device; refused
      // logins are not (anyone can claim any id) and only feed the one LoginFailures alert.
      this.events.on('authFailure', (f) => this.tampering.record(f.deviceId, f.reason, `refused: ${f.reason}`, now())),
      this.events.on('loginFailure', (f) => this.loginFailures.record(f, now())),
    ];
    this.timer = setInterval(() => this.tick(), this.config.evaluationIntervalMs);
    this.timer.unref();
    const receivers = [...this.queues.entries()].map(([r, qs]) => `${r} (${qs.map((q) => q.integration.name).join(', ')})`);
    this.logger.log(`alert routing from ${this.config.source}; receivers: ${receivers.join('; ') || 'none'}`);
  }

  async onApplicationShutdown(): Promise<void> {
    for (const off of this.unsubscribe) off();
    if (this.timer) clearInterval(this.timer);
    await this.engine.settled();
    for (const qs of this.queues.values()) for (const q of qs) q.close();
    await this.logWrites;
    await this.annotations?.flush();
  }

  /** One evaluation round: timers of the sources, alert expiry, then group flushes. */
  tick(): void {
    if (this.ticking) return;
    this.ticking = true;
    const now = this.clock.now();
    this.offline.tick(now);
    this.tampering.prune(now);
    this.engine
      .tick()
      .then(() => this.dispatcher.tick(this.clock.now()))
      .catch((err) => {
        this.metrics.errors.inc({ what: 'tick' });
        this.logger.error(`alert evaluation failed: ${(err as Error).stack ?? err}`);
      })
      .finally(() => (this.ticking = false));
  }

  /** Waits until queued alert operations, deliveries and delivery-log writes are done (tests). */
  async idle(): Promise<void> {
    await this.engine.settled();
    await Promise.all([...this.queues.values()].flat().map((q) => q.idle()));
    await this.logWrites;
  }

  // --- REST API -------------------------------------------------------------------------

  async list(filter: AlertFilter): Promise<AlertView[]> {
    const now = this.clock.now();
    return (await this.repo.list(filter)).map((a) => this.view(a, now));
  }

  async get(id: string): Promise<AlertDetail | null> {
    const alert = await this.repo.get(id);
    if (!alert) return null;
    const [history, deliveries] = await Promise.all([this.repo.history(id), this.repo.deliveries(id)]);
    return { ...this.view(alert, this.clock.now()), history, deliveries };
  }

  acknowledge(id: string, actor: string, note: string | null): Promise<Alert> {
    return this.engine.acknowledge(id, actor, note);
  }

  resolve(id: string, actor: string, note: string | null): Promise<Alert> {
    return this.engine.resolve(id, actor, note);
  }

  silences(): Promise<Silence[]> {
    return this.repo.silences();
  }

  async createSilence(input: CreateSilenceInput, author: string): Promise<Silence> {
    const silence = silenceFromInput(input, author, this.clock.now(), randomUUID());
    await this.repo.insertSilence(silence);
    this.suppressor.upsertSilence(silence);
    this.logger.log(`silence ${silence.id} by ${author} until ${new Date(silence.endsAt).toISOString()}: ${silence.comment}`);
    return silence;
  }

  async expireSilence(id: string): Promise<Silence> {
    const existing = (await this.repo.silences()).find((s) => s.id === id);
    if (!existing) throw new SilenceNotFoundError(`silence ${id} not found`);
    const now = this.clock.now();
    await this.repo.expireSilence(id, now);
    const expired = { ...existing, endsAt: Math.min(existing.endsAt, now) };
    this.suppressor.upsertSilence(expired);
    return expired;
  }

  deliveryLog(receiver?: string): Promise<DeliveryRecord[]> {
    return this.repo.recentDeliveries(receiver);
  }

  // --- internals ------------------------------------------------------------------------

  private view(alert: Alert, now: number): AlertView {
    const open = alert.state !== 'resolved';
    return { ...alert, mutedBy: open ? this.suppressor.mutedBy(alert, null, now) : null };
  }

  private deliver(n: Notification): void {
    const queues = this.queues.get(n.receiver) ?? [];
    if (!queues.length) this.logger.warn(`receiver ${n.receiver} has no usable integration; notification for ${n.groupKey} not sent`);
    for (const q of queues) q.enqueue(n);
  }

  private onOutcome(o: DeliveryOutcome): void {
    const labels = { receiver: o.integration.receiver, integration: o.integration.name };
    this.metrics.notifications.inc({ ...labels, status: o.status });
    if (o.status !== 'dropped') this.metrics.deliverySeconds.observe(labels, o.durationMs / 1000);
    if (o.status !== 'ok') {
      this.logger.warn(`notification to ${o.integration.receiver}/${o.integration.name} attempt ${o.attempt} ${o.status}: ${o.error}`);
    }
    const records = deliveryRecords(o, Date.now());
    this.logWrites = this.logWrites
      .then(() => this.repo.logDeliveries(records))
      .catch((err) => {
        this.metrics.errors.inc({ what: 'delivery_log' });
        this.logger.error(`delivery log write failed: ${(err as Error).message}`);
      });
  }

  private onChange(alert: Alert, type: AlertEventType): void {
    this.metrics.transitions.inc({ state: type, source: alert.source });
    this.annotations?.write(alert, type, this.clock.now());
    const who = type === 'acknowledged' ? ` by ${alert.acknowledgedBy}` : type === 'resolved' ? ` by ${alert.resolvedBy}` : '';
    this.logger.log(`alert ${type}${who}: [${alert.severity}] ${alert.summary} (${labelsText(alert.labels)})`);
  }
}

function labelsText(labels: Labels): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
