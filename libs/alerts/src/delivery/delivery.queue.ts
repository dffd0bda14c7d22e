import type { DeliverySettings } from '../config/alerts-config';
import type { DeliveryRecord, DeliveryStatus, Notification } from '../model/alert';
import { DeliveryError, type Integration } from './channels';

interface Job {
  notification: Notification;
  attempt: number;
  notBefore: number;
}

export interface DeliveryOutcome {
  integration: Integration;
  notification: Notification;
  attempt: number;
  status: DeliveryStatus;
  error: string | null;
  durationMs: number;
}

/**
 * One queue per receiver integration, so a receiver that is down or slow only ever delays
 * itself: every attempt has a deadline, a failed attempt goes back into the queue with
 * exponential backoff (initial × 2^(attempt-1), capped) instead of holding a slot, and the
 * queue is bounded (the oldest waiting notification is dropped, logged and counted).
 */
export class DeliveryQueue {
  private readonly jobs: Job[] = [];
  private running = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly controllers = new Set<AbortController>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly integration: Integration,
    private readonly settings: DeliverySettings,
    private readonly onOutcome: (o: DeliveryOutcome) => void,
  ) {}

  enqueue(notification: Notification): void {
    if (this.closed) return;
    let n = notification;
    if (!this.integration.sendResolved) {
      const alerts = n.alerts.filter((a) => a.state !== 'resolved');
      if (!alerts.length) return;
      n = { ...n, alerts, status: 'firing' };
    }
    if (this.jobs.length >= this.settings.maxQueue) {
      const dropped = this.jobs.shift()!;
      this.onOutcome({ integration: this.integration, notification: dropped.notification, attempt: dropped.attempt, status: 'dropped', error: 'queue full', durationMs: 0 });
    }
    this.jobs.push({ notification: n, attempt: 1, notBefore: 0 });
    this.pump();
  }

  /** Pending + in flight. */
  depth(): number {
    return this.jobs.length + this.running;
  }

  idle(): Promise<void> {
    if (this.depth() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const c of this.controllers) c.abort(new Error('shutting down'));
    this.jobs.length = 0;
    this.integration.close?.();
    this.notifyIdle();
  }

  private pump(): void {
    if (this.closed) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const now = Date.now();
    while (this.running < this.settings.concurrency) {
      const index = this.jobs.findIndex((j) => j.notBefore <= now);
      if (index < 0) break;
      const [job] = this.jobs.splice(index, 1);
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
        this.notifyIdle();
      });
    }
    if (this.jobs.length && this.running < this.settings.concurrency) {
      const next = Math.min(...this.jobs.map((j) => j.notBefore));
      this.timer = setTimeout(() => this.pump(), Math.max(0, next - now));
      this.timer.unref();
    }
  }

  private async run(job: Job): Promise<void> {
    const controller = new AbortController();
    this.controllers.add(controller);
    const timeoutMs = this.integration.timeoutMs ?? this.settings.timeoutMs;
    const deadline = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs}ms`)), timeoutMs);
    const started = performance.now();
    let error: unknown = null;
    try {
      await this.integration.send(job.notification, controller.signal);
    } catch (err) {
      error = controller.signal.aborted ? controller.signal.reason : err;
    } finally {
      clearTimeout(deadline);
      this.controllers.delete(controller);
    }
    const durationMs = performance.now() - started;
    if (this.closed) return;
    if (error === null) {
      this.onOutcome({ integration: this.integration, notification: job.notification, attempt: job.attempt, status: 'ok', error: null, durationMs });
      return;
    }
    const message = describe(error);
    const permanent = error instanceof DeliveryError && error.permanent;
    if (permanent || job.attempt >= this.settings.maxAttempts) {
      this.onOutcome({ integration: this.integration, notification: job.notification, attempt: job.attempt, status: 'gave_up', error: message, durationMs });
      return;
    }
    this.onOutcome({ integration: this.integration, notification: job.notification, attempt: job.attempt, status: 'failed', error: message, durationMs });
    const backoff = Math.min(this.settings.maxBackoffMs, this.settings.initialBackoffMs * 2 ** (job.attempt - 1));
    this.jobs.push({ notification: job.notification, attempt: job.attempt + 1, notBefore: Date.now() + backoff });
  }

  private notifyIdle(): void {
    if (this.depth() > 0 && !this.closed) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

function describe(err: unknown): string {
  // Duck-typed: errors from fetch (undici) may come from another realm, where instanceof fails.
  if (!err || typeof err !== 'object' || !('message' in err)) return String(err);
  const e = err as { message: string; cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } };
  // fetch wraps the socket error (ECONNREFUSED, ...) in `cause`; crews need that part.
  const cause = e.cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  const causeText = cause ? `: ${code ?? cause.message ?? ''}` : '';
  return `${e.message}${causeText}`.slice(0, 500);
}

export function deliveryRecords(o: DeliveryOutcome, at: number): DeliveryRecord[] {
  return o.notification.alerts.map((a) => ({
    notificationId: o.notification.id,
    alertId: a.id,
    receiver: o.integration.receiver,
    integration: o.integration.name,
    attempt: o.attempt,
    status: o.status,
    error: o.error,
    durationMs: o.durationMs,
    at,
  }));
}
