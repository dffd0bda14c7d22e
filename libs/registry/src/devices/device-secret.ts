import { createHash, randomBytes, scrypt, ScryptOptions, timingSafeEqual } from 'node:crypto';

/**
 * MQTT device secrets: 32 random bytes (base64url) made by GridProof, stored as
 * `sha256$<base64 digest>` (FIPS 180-4).
 *
 * Why a plain hash and not a slow one (issue #21 item 2, issue #13 finding 4): a slow, salted
 * hash (scrypt, bcrypt) makes guessing a human's password expensive. These secrets are not
 * guessable: 256 uniformly random bits, so neither a dictionary nor any amount of work finds
 * one, and SHA-256's preimage resistance means a leaked table gives nothing that logs in. A
 * salt (against precomputed tables) or a server-side pepper (a keyed HMAC) add nothing for
 * such inputs; a pepper would add a key to keep and lose. What the slow hash did cost was real:
 * each first login after a restart took a scrypt (≈7 ms of a core), so a restart kept a large
 * fleet out for minutes and a burst of wrong passwords locked a device out. API keys were
 * already stored this way (api-keys.service.ts).
 *
 * Hashes written before are `scrypt$N$r$p$salt$hash` (RFC 7914); they still verify, and the
 * registry replaces one with its SHA-256 form on the device's next successful login.
 * GridProof verifies no secret a human chooses, so no slow hash is kept for new secrets.
 */
export const SECRET_HASH_PREFIX = 'sha256$';

export function generateDeviceSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashDeviceSecret(secret: string): string {
  return SECRET_HASH_PREFIX + createHash('sha256').update(secret, 'utf8').digest('base64');
}

/** Whether a stored hash is the old scrypt form, replaced on the next successful login. */
export function isLegacySecretHash(encoded: string): boolean {
  return encoded.startsWith('scrypt$');
}

/** Constant-time check of a secret against a stored `sha256$` hash; false for any other form. */
export function verifyDeviceSecretFast(secret: string, encoded: string): boolean {
  if (!encoded.startsWith(SECRET_HASH_PREFIX)) return false;
  const expected = Buffer.from(encoded.slice(SECRET_HASH_PREFIX.length), 'base64');
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

/** Checks a secret against either stored form; false for any malformed hash. */
export async function verifyDeviceSecret(secret: string, encoded: string): Promise<boolean> {
  if (encoded.startsWith(SECRET_HASH_PREFIX)) return verifyDeviceSecretFast(secret, encoded);
  return verifyLegacyScrypt(secret, encoded);
}

/** The parameters hashes were written with before SHA-256 (N = 2^12, r = 8, p = 1); tests make legacy rows with them. */
export const LEGACY_SCRYPT_PARAMS = { N: 2 ** 12, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;

function scryptAsync(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

// 128 * N * r bytes plus headroom; Node's default maxmem (32 MiB) is too tight above N = 2^14.
const maxmem = (N: number, r: number) => 128 * N * r * 2;

/** A hash in the old form, as provisioning wrote it before (tests of the migration). */
export async function legacyScryptHash(secret: string): Promise<string> {
  const { N, r, p, keyLength, saltLength } = LEGACY_SCRYPT_PARAMS;
  const salt = randomBytes(saltLength);
  const hash = await scryptAsync(secret, salt, keyLength, { N, r, p, maxmem: maxmem(N, r) });
  return ['scrypt', N, r, p, salt.toString('base64'), hash.toString('base64')].join('$');
}

async function verifyLegacyScrypt(secret: string, encoded: string): Promise<boolean> {
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
