import { randomUUID } from 'node:crypto';
import type { Alert, AlertEventType, AlertHistoryEntry, AlertLinks, Signal } from '../model/alert';
import { cleanLabels, fingerprintOf, Labels, severityRank } from '../model/labels';
import { recommendedActionFor } from '../model/recommended-actions';
import type { Dispatcher } from './dispatcher';
import { ConflictError, NotFoundError } from '@gridproof/core';

export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

/** The engine's view of the store: the AlertRepository, or an in-memory fake in unit tests. */
export interface AlertPersistence {
  insertAlert(alert: Alert, event: AlertHistoryEntry): Promise<void>;
  updateAlert(alert: Alert, event?: AlertHistoryEntry): Promise<void>;
  loadOpen(): Promise<Alert[]>;
  get(id: string): Promise<Alert | null>;
}

export class AlertNotFoundError extends NotFoundError {}
/** The transition asked for is not possible from the alert's state (already acknowledged, resolved). */
export class AlertStateError extends ConflictError {}

export interface AlertEngineOptions {
  persistence: AlertPersistence;
  dispatcher: Dispatcher;
  links: (id: string, labels: Labels) => AlertLinks;
  clock?: Clock;
  /** Called after every state change (firing, updated, acknowledged, resolved): annotations, metrics. */
  onChange?: (alert: Alert, type: AlertEventType) => void;
  onError?: (what: string, err: unknown) => void;
}

interface OpenAlert {
  alert: Alert;
  lastSignalAt: number;
  expiresAfterMs?: number;
  dirty: boolean;
}

export const SYSTEM_ACTOR = 'system';

/**
 * The alert lifecycle: firing → acknowledged → resolved, one open instance per fingerprint.
 * Sources call fire()/clear() from pipeline listeners, so both return at once: the work runs on
 * one serial queue (state changes stay ordered; the pipeline never waits on SQL). Repeated
 * signals for an open alert only refresh it in memory; tick() persists the refresh.
 */
export class AlertEngine {
  private readonly open = new Map<string, OpenAlert>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly clock: Clock;

  constructor(private readonly options: AlertEngineOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Loads open alerts so a restart neither loses them nor pages crews for them again. */
  async start(): Promise<void> {
    const now = this.clock.now();
    for (const alert of await this.options.persistence.loadOpen()) {
      this.open.set(alert.fingerprint, { alert, lastSignalAt: now, dirty: false });
      this.options.dispatcher.update(alert, now, true);
    }
  }

  openAlerts(): Alert[] {
    return [...this.open.values()].map((o) => o.alert);
  }

  /** Resolves when every queued operation has run (tests, shutdown). */
  async settled(): Promise<void> {
    await this.queue;
  }

  fire(signal: Signal): void {
    this.enqueue(() => this.doFire(signal)).catch((err) => this.options.onError?.('fire', err));
  }

  clear(labels: Labels, note: string): void {
    this.enqueue(() => this.doClear(labels, note)).catch((err) => this.options.onError?.('clear', err));
  }

  acknowledge(id: string, actor: string, note: string | null): Promise<Alert> {
    return this.enqueue(async () => {
      const open = await this.findOpen(id);
      if (open.alert.state !== 'firing') throw new AlertStateError(`alert ${id} is already acknowledged by ${open.alert.acknowledgedBy}`);
      const now = this.clock.now();
      open.alert = { ...open.alert, state: 'acknowledged', acknowledgedBy: actor, acknowledgedAt: now, ackNote: note, updatedAt: now };
      await this.persist(open.alert, 'acknowledged', actor, note);
      return open.alert;
    });
  }

  resolve(id: string, actor: string, note: string | null): Promise<Alert> {
    return this.enqueue(async () => this.resolveOpen(await this.findOpen(id), actor, note));
  }

  /** Expires alerts whose evidence stopped arriving and writes refreshed evidence. */
  tick(): Promise<void> {
    return this.enqueue(async () => {
      const now = this.clock.now();
      for (const open of [...this.open.values()]) {
        if (open.expiresAfterMs !== undefined && now - open.lastSignalAt >= open.expiresAfterMs) {
          await this.resolveOpen(open, SYSTEM_ACTOR, `no new evidence for ${Math.round(open.expiresAfterMs / 1000)}s`);
        } else if (open.dirty) {
          open.dirty = false;
          await this.options.persistence.updateAlert(open.alert);
        }
      }
    });
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const result = this.queue.then(op);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async findOpen(id: string): Promise<OpenAlert> {
    for (const open of this.open.values()) if (open.alert.id === id) return open;
    const stored = await this.options.persistence.get(id);
    if (!stored) throw new AlertNotFoundError(`alert ${id} not found`);
    throw new AlertStateError(`alert ${id} is already resolved`);
  }

  private async doFire(signal: Signal): Promise<void> {
    const now = this.clock.now();
    const labels = cleanLabels(signal.labels);
    const fingerprint = fingerprintOf(labels);
    const open = this.open.get(fingerprint);
    if (open) {
      open.lastSignalAt = now;
      open.expiresAfterMs = signal.expiresAfterMs;
      const escalated = severityRank(signal.severity) > severityRank(open.alert.severity);
      open.alert = {
        ...open.alert,
        severity: escalated ? signal.severity : open.alert.severity,
        summary: escalated ? signal.summary : open.alert.summary,
        description: escalated ? signal.description : open.alert.description,
        evidence: signal.evidence,
        timeToFailureMs: signal.timeToFailureMs ?? open.alert.timeToFailureMs,
        updatedAt: now,
      };
      if (escalated) {
        open.dirty = false;
        await this.persist(open.alert, 'updated', SYSTEM_ACTOR, `severity raised to ${signal.severity}`);
      } else {
        open.dirty = true;
        this.options.dispatcher.update(open.alert, now);
      }
      return;
    }
    const id = randomUUID();
    const alert: Alert = {
      id,
      fingerprint,
      source: signal.source,
      state: 'firing',
      severity: signal.severity,
      labels,
      summary: signal.summary,
      description: signal.description,
      evidence: signal.evidence,
      timeToFailureMs: signal.timeToFailureMs ?? null,
      recommendedAction: recommendedActionFor(labels.kind),
      links: this.options.links(id, labels),
      startsAt: now,
      updatedAt: now,
      endsAt: null,
      acknowledgedBy: null,
      acknowledgedAt: null,
      ackNote: null,
      resolvedBy: null,
      resolveNote: null,
    };
    this.open.set(fingerprint, { alert, lastSignalAt: now, expiresAfterMs: signal.expiresAfterMs, dirty: false });
    this.options.dispatcher.update(alert, now);
    this.options.onChange?.(alert, 'firing');
    await this.options.persistence.insertAlert(alert, this.entry(alert, 'firing', SYSTEM_ACTOR, null, now));
  }

  private async doClear(labels: Labels, note: string): Promise<void> {
    const open = this.open.get(fingerprintOf(cleanLabels(labels)));
    if (open) await this.resolveOpen(open, SYSTEM_ACTOR, note);
  }

  private async resolveOpen(open: OpenAlert, actor: string, note: string | null): Promise<Alert> {
    const now = this.clock.now();
    this.open.delete(open.alert.fingerprint);
    open.alert = { ...open.alert, state: 'resolved', endsAt: now, updatedAt: now, resolvedBy: actor, resolveNote: note };
    await this.persist(open.alert, 'resolved', actor, note);
    return open.alert;
  }

  private async persist(alert: Alert, type: AlertEventType, actor: string, note: string | null): Promise<void> {
    const now = this.clock.now();
    this.options.dispatcher.update(alert, now);
    this.options.onChange?.(alert, type);
    await this.options.persistence.updateAlert(alert, this.entry(alert, type, actor, note, now));
  }

  private entry(alert: Alert, type: AlertEventType, actor: string, note: string | null, at: number): AlertHistoryEntry {
    return { alertId: alert.id, type, actor, note, severity: alert.severity, at };
  }
}
