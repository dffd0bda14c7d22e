/**
 * Backoff for refused MQTT logins, per source address and per claimed device id.
 *
 * After `freeFailures` refusals, a key is blocked for baseDelayMs, doubling with each further
 * refusal up to maxDelayMs (OWASP Authentication Cheat Sheet, "Login Throttling"); a key with
 * no refusal for forgetAfterMs starts over. A blocked login is refused at once, before any
 * registry lookup or hash, and its socket is closed: an address that keeps guessing costs a
 * parsed CONNECT and a CONNACK per attempt, and holds no descriptor while it waits.
 *
 * Failures are only known once a check ends, and a burst arrives faster than that: so an
 * address may also have at most maxPendingPerAddress logins being checked at once; more are
 * refused as throttled (CONNACK 3, the client retries later; not counted as a failure). Without this, 500 wrong passwords sent at once all passed the backoff
 * and queued 500 slow checks ahead of the real device.
 *
 * Keeping real devices in (issue #13, finding 4):
 * - A device id that logged in from an address is trusted there: a later login of that pair
 *   is never throttled, so a device behind the same NAT as a guesser keeps reconnecting.
 * - The per-device backoff only applies to addresses that have themselves been refused
 *   recently: a guesser cannot lock the real device (another address) out of its own id.
 * Maps are bounded (oldest entries dropped first), so spraying addresses or ids costs memory
 * proportional to maxKeys, not to the attack. Written here rather than taken from a library
 * because it is one synchronous check per CONNECT with these two trust rules.
 */
export interface LoginThrottleOptions {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  forgetAfterMs: number;
  maxKeys: number;
  maxPendingPerAddress: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = {
  freeFailures: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  forgetAfterMs: 10 * 60_000,
  maxKeys: 100_000,
  maxPendingPerAddress: 64,
};

interface Failures {
  count: number;
  lastAt: number;
  blockedUntil: number;
}

export type ThrottleVerdict = null | 'address' | 'device';

export class LoginThrottle {
  private readonly addresses = new Map<string, Failures>();
  private readonly devices = new Map<string, Failures>();
  private readonly trusted = new Map<string, number>();
  private readonly pending = new Map<string, number>();

  constructor(private readonly options: LoginThrottleOptions = DEFAULT_LOGIN_THROTTLE) {}

  /** Whether a login may be checked now; which key blocks it otherwise. */
  check(address: string, deviceId: string, now = Date.now()): ThrottleVerdict {
    if (this.trusted.has(pair(address, deviceId))) return null;
    if ((this.pending.get(address) ?? 0) >= this.options.maxPendingPerAddress) return 'address';
    const byAddress = this.current(this.addresses, address, now);
    if (byAddress && byAddress.blockedUntil > now) return 'address';
    const byDevice = this.current(this.devices, deviceId, now);
    if (byDevice && byDevice.blockedUntil > now && byAddress) return 'device';
    return null;
  }

  /** A login from `address` is being checked; call the returned function once it is decided. */
  begin(address: string): () => void {
    this.pending.set(address, (this.pending.get(address) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = (this.pending.get(address) ?? 1) - 1;
      if (left > 0) this.pending.set(address, left);
      else this.pending.delete(address);
    };
  }

  /**
   * A login refused on its credentials (not a throttled or timed-out one: those say nothing
   * about the credentials, and counting them would let a restart storm of many devices behind
   * one address block that address by itself).
   */
  failed(address: string, deviceId: string | null, now = Date.now()): void {
    this.bump(this.addresses, address, now);
    if (deviceId) this.bump(this.devices, deviceId, now);
  }

  succeeded(address: string, deviceId: string, now = Date.now()): void {
    remember(this.trusted, pair(address, deviceId), now, this.options.maxKeys);
    this.devices.delete(deviceId);
  }

  /** Seconds until the key may try again (for log lines); 0 when not blocked. */
  blockedForS(address: string, now = Date.now()): number {
    const entry = this.addresses.get(address);
    return entry ? Math.max(0, Math.ceil((entry.blockedUntil - now) / 1000)) : 0;
  }

  private current(map: Map<string, Failures>, key: string, now: number): Failures | null {
    const entry = map.get(key);
    if (!entry) return null;
    if (now - entry.lastAt > this.options.forgetAfterMs) {
      map.delete(key);
      return null;
    }
    return entry;
  }

  private bump(map: Map<string, Failures>, key: string, now: number): void {
    const entry = this.current(map, key, now) ?? { count: 0, lastAt: now, blockedUntil: 0 };
    entry.count++;
    entry.lastAt = now;
    const over = entry.count - this.options.freeFailures;
    if (over > 0) entry.blockedUntil = now + Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** Math.min(over - 1, 30));
    remember(map, key, entry, this.options.maxKeys);
  }
}

function pair(address: string, deviceId: string): string {
  return `${address}\u0000${deviceId}`;
}

/** Sets key last in the map's order and drops the oldest entries above maxKeys. */
function remember<V>(map: Map<string, V>, key: string, value: V, maxKeys: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > maxKeys) map.delete(map.keys().next().value as string);
}
