import { createHmac, randomBytes, scrypt, ScryptOptions, timingSafeEqual } from 'node:crypto';

/**
 * MQTT device secrets: 32 random bytes (base64url), stored only as a scrypt hash
 * (RFC 7914) encoded `scrypt$N$r$p$salt$hash` (salt and hash base64), so the parameters can
 * be raised later without breaking stored hashes.
 *
 * N = 2^14, r = 8, p = 1 (16 MiB, tens of ms): the secrets have 256 bits of entropy, so the
 * slow hash is defence in depth for a leaked database, not the only barrier; a higher N would
 * make the first reconnect storm after a restart (one scrypt per device) far slower.
 */
export const SCRYPT_PARAMS = { N: 2 ** 14, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;

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
