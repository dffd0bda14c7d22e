import type { LoginFailure } from '@gridproof/events';
import type { AlertsConfig } from '../config/alerts-config';
import type { Signal } from '../model/alert';
import { formatDuration } from '../model/duration';

/** Source addresses named in the alert's evidence, the busiest first. */
const TOP_ADDRESSES = 5;
/** Distinct addresses counted per window; more are summed under "other" (bounded memory). */
const MAX_ADDRESSES = 1_000;

/**
 * Refused MQTT logins of every source together, as ONE alert (LoginFailures, kind security).
 *
 * A refused login proves nothing about the device it names: anyone who can reach the port can
 * claim any id. Counting them per claimed device let an unauthenticated client raise critical
 * tampering alerts for devices that do not exist, or against a real one (issue #13, finding 3).
 * What a refused login does say is that some address is trying, so the alert names the
 * addresses and reasons; it has no device or site label, so its fingerprint is always the same
 * and the engine keeps one alert instance. It is re-sent at most once per window.
 */
export class LoginFailureDetector {
  private windowStart = 0;
  private count = 0;
  private readonly reasons = new Map<string, number>();
  private readonly addresses = new Map<string, number>();
  private firedInWindow = false;

  constructor(
    private readonly config: AlertsConfig['loginFailures'],
    private readonly fire: (signal: Signal) => void,
  ) {}

  record(failure: LoginFailure, now: number): void {
    if (!this.config.enabled) return;
    if (now - this.windowStart >= this.config.windowMs) this.reset(now);
    this.count++;
    this.reasons.set(failure.reason, (this.reasons.get(failure.reason) ?? 0) + 1);
    const address = this.addresses.has(failure.address) || this.addresses.size < MAX_ADDRESSES ? failure.address : 'other';
    this.addresses.set(address, (this.addresses.get(address) ?? 0) + 1);
    if (this.count < this.config.threshold || this.firedInWindow) return;
    this.firedInWindow = true;
    const top = [...this.addresses].sort((a, b) => b[1] - a[1]).slice(0, TOP_ADDRESSES);
    const window = formatDuration(this.config.windowMs);
    const reasons = Object.fromEntries(this.reasons);
    const topText = top.map(([a, c]) => `${a} (${c})`).join(', ');
    this.fire({
      source: 'security',
      labels: { alertname: 'LoginFailures', kind: 'security' },
      severity: this.config.severity,
      summary: `${this.count} refused MQTT logins within ${window} from ${this.addresses.size} address(es)`,
      description: `At least ${this.count} MQTT logins were refused within ${window}; busiest sources: ${topText}. Refused logins are not evidence against the device ids they name.`,
      evidence: { count: this.count, reasons, window: this.config.windowMs, addresses: Object.fromEntries(top), distinctAddresses: this.addresses.size },
      expiresAfterMs: this.config.resolveTimeoutMs,
    });
  }

  private reset(now: number): void {
    this.windowStart = now;
    this.count = 0;
    this.reasons.clear();
    this.addresses.clear();
    this.firedInWindow = false;
  }
}
