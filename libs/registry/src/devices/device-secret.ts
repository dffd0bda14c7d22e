import { createHmac, randomBytes, scrypt, ScryptOptions, timingSafeEqual } from 'node:crypto';

/**
 * MQTT device secrets: 32 random bytes (base64url), stored only as a scrypt hash
 * (RFC 7914) encoded `scrypt$N$r$p$salt$hash` (salt and hash base64), so the parameters can
 * be raised later without breaking stored hashes.
 *
 * N = 2^12, r = 8, p = 1 (4 MiB, ≈7 ms on one core here; 2^14 costs ≈27 ms). The secrets are
 * 256 random bits, so no work factor is what stops guessing (nothing can enumerate 2^256); the
 * slow, salted hash keeps a leaked database from holding anything password-equivalent. What the
 * work factor does cost is the first login of every device after a start: a 10,000-device fleet
 * needs 10,000 checks before it is back (measured ≈1 min at 2^12, ≈4.5 min at 2^14).
 * Raise N here if your threat model differs; stored hashes keep their own parameters.
 */
export const SCRYPT_PARAMS = { N: 2 ** 12, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;

export function generateDeviceSecret(): string {
  return randomBytes(32).toString('base64url');
}

function scryptAsync(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

// 128 * N * r bytes plus headroom; Node's default maxmem (32 MiB) is too tight above N = 2^14.
const maxmem = (N: number, r: number) => 128 * N * r * 2;

export async function hashDeviceSecret(secret: string): Promise<string> {
  const { N, r, p, keyLength, saltLength } = SCRYPT_PARAMS;
  const salt = randomBytes(saltLength);
  const hash = await scryptAsync(secret, salt, keyLength, { N, r, p, maxmem: maxmem(N, r) });
  return ['scrypt', N, r, p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Constant-time check of a secret against a stored `scrypt$...` hash; false for any malformed hash. */
export async function verifyDeviceSecret(secret: string, encoded: string): Promise<boolean> {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) return false;
  const salt = Buffer.from(parts[4], 'base64');
  const expected = Buffer.from(parts[5], 'base64');
  if (expected.length === 0) return false;
  try {
    const actual = await scryptAsync(secret, salt, expected.length, { N, r, p, maxmem: maxmem(N, r) });
    return timingSafeEqual(actual, expected);
  } catch {
    // Parameters scrypt refuses (N not a power of two, too much memory): a corrupt hash.
    return false;
  }
}

/**
 * A cheap verifier remembered in memory after one successful scrypt check, so reconnect storms
 * cost an HMAC per login instead of a scrypt. Keyed with a per-process random key: a memory
 * dump does not yield something that could be checked offline against other processes.
 */
export class FastVerifier {
  private readonly key = randomBytes(32);

  digest(secret: string): Buffer {
    return createHmac('sha256', this.key).update(secret).digest();
  }

  matches(secret: string, digest: Buffer): boolean {
    return timingSafeEqual(this.digest(secret), digest);
  }
}

/**
 * Bounds how many scrypt checks run at once. scrypt runs on libuv's thread pool (4 threads by
 * default), which also serves file I/O: a login storm must not starve the ingest spool's writes
 * and fsyncs. Waiting checks are served round-robin by key (the device), in arrival order within
 * a key: a flood of wrong passwords for one device delays that device's logins, not the others'.
 */
export class ConcurrencyLimit {
  private running = 0;
  /** Waiters by key; the Map's order is the round (a key served goes to its end). */
  private readonly waiting = new Map<string, Array<() => void>>();

  constructor(private readonly max: number) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    if (this.running < this.max) this.running++;
    else {
      // Woken by release(), which hands over its slot: running stays counted.
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(key);
        if (queue) queue.push(resolve);
        else this.waiting.set(key, [resolve]);
      });
    }
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private release(): void {
    const next = this.waiting.entries().next();
    if (next.done) {
      this.running--;
      return;
    }
    const [key, queue] = next.value;
    const wake = queue.shift()!;
    this.waiting.delete(key);
    if (queue.length) this.waiting.set(key, queue);
    wake();
  }
}
