import type { AlertsConfig } from '../config/alerts-config';
import type { Signal } from '../model/alert';
import { formatDuration } from '../model/duration';
import type { Labels } from '../model/labels';

/**
 * Possible tampering: a burst of bad signatures, replays or denied topics in one device's own
 * authenticated session within a window. One failure is noise (a reboot with a stale key);
 * `threshold` of them within `window` means someone or something is trying. Refused logins do
 * not count (anyone can claim any id): LoginFailureDetector aggregates those. The alert resolves after resolve_timeout without more.
 */
export class TamperingDetector {
  private readonly recent = new Map<string, Array<{ at: number; reason: string; detail: string }>>();
  private readonly reasons: Set<string>;

  constructor(
    private readonly config: AlertsConfig['tampering'],
    private readonly labelsOf: (deviceId: string) => Labels,
    private readonly fire: (signal: Signal) => void,
  ) {
    this.reasons = new Set(config.reasons);
  }

  record(deviceId: string, reason: string, detail: string, now: number): void {
    if (!this.config.enabled || !this.reasons.has(reason)) return;
    const list = (this.recent.get(deviceId) ?? []).filter((e) => now - e.at < this.config.windowMs);
    list.push({ at: now, reason, detail });
    this.recent.set(deviceId, list);
    if (list.length < this.config.threshold) return;
    const reasons: Record<string, number> = {};
    for (const e of list) reasons[e.reason] = (reasons[e.reason] ?? 0) + 1;
    const summaryReasons = Object.entries(reasons)
      .map(([r, c]) => `${c}× ${r}`)
      .join(', ');
    this.fire({
      source: 'tampering',
      labels: { alertname: 'PossibleTampering', ...this.labelsOf(deviceId), kind: 'tampering' },
      severity: this.config.severity,
      summary: `Possible tampering with ${deviceId}: ${summaryReasons} within ${formatDuration(this.config.windowMs)}`,
      description: `${list.length} security failures from device ${deviceId} within ${formatDuration(this.config.windowMs)} (${summaryReasons}); last: ${detail}.`,
      evidence: { count: list.length, reasons, window: this.config.windowMs, lastDetail: detail },
      expiresAfterMs: this.config.resolveTimeoutMs,
    });
  }

  /** Forgets devices whose failures fell out of the window (bounded memory). */
  prune(now: number): void {
    for (const [id, list] of this.recent) if (list.every((e) => now - e.at >= this.config.windowMs)) this.recent.delete(id);
  }
}
