import { ConcurrencyLimit, generateDeviceSecret, hashDeviceSecret, isLegacySecretHash, legacyScryptHash, verifyDeviceSecret, verifyDeviceSecretFast } from './device-secret';

describe('device secrets', () => {
  it('stores a SHA-256 of the random secret and verifies only the right secret', async () => {
    const secret = generateDeviceSecret();
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    const stored = hashDeviceSecret(secret);
    expect(stored).toMatch(/^sha256\$[A-Za-z0-9+/]{43}=$/);
    expect(isLegacySecretHash(stored)).toBe(false);
    expect(verifyDeviceSecretFast(secret, stored)).toBe(true);
    expect(await verifyDeviceSecret(secret, stored)).toBe(true);
    expect(verifyDeviceSecretFast(generateDeviceSecret(), stored)).toBe(false);
    expect(verifyDeviceSecretFast(secret + 'x', stored)).toBe(false);
  });

  it('still verifies hashes in the old scrypt form, with the parameters stored in them', async () => {
    const secret = generateDeviceSecret();
    const legacy = await legacyScryptHash(secret);
    expect(isLegacySecretHash(legacy)).toBe(true);
    expect(await verifyDeviceSecret(secret, legacy)).toBe(true);
    expect(await verifyDeviceSecret(generateDeviceSecret(), legacy)).toBe(false);
    // The fast path never accepts the old form: it goes through scrypt.
    expect(verifyDeviceSecretFast(secret, legacy)).toBe(false);
    const [, , , , salt] = legacy.split('$');
    const { scryptSync } = await import('node:crypto');
    const cheaper = ['scrypt', 1024, 8, 1, salt, scryptSync(secret, Buffer.from(salt, 'base64'), 32, { N: 1024, r: 8, p: 1 }).toString('base64')].join('$');
    expect(await verifyDeviceSecret(secret, cheaper)).toBe(true);
  });

  it.each([
    ['another scheme', 'bcrypt$2b$10$abc'],
    ['a missing hash', 'scrypt$4096$8$1$AAAA$'],
    ['an N that is not a power of two', 'scrypt$1000$8$1$AAAA$AAAA'],
    ['non-numeric parameters', 'scrypt$x$8$1$AAAA$AAAA'],
    ['a truncated SHA-256', 'sha256$AAAA'],
  ])('treats %s as a mismatch, never a crash', async (_name, stored) => {
    expect(await verifyDeviceSecret('anything', stored)).toBe(false);
  });
});

describe('ConcurrencyLimit', () => {
  it('runs at most the limit at once, in arrival order for one key', async () => {
    const limit = new ConcurrencyLimit(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const gates: Array<() => void> = [];
    const tasks = Array.from({ length: 5 }, (_, i) =>
      limit.run('device-1', async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
        return i;
      }),
    );
    // Release the tasks one by one as they start.
    while (order.length < 5 || gates.length) {
      await new Promise((r) => setImmediate(r));
      gates.shift()?.();
    }
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4]);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });

  it('serves waiting keys round-robin: a flood for one device does not hold back another', async () => {
    const limit = new ConcurrencyLimit(1);
    const started: string[] = [];
    const gates: Array<() => void> = [];
    const task = (label: string) => async () => {
      started.push(label);
      await new Promise<void>((resolve) => gates.push(resolve));
    };
    // Five attempts for the flooded device, then one for another device, then one more flood.
    const runs = [...['f1', 'f2', 'f3', 'f4', 'f5'].map((l) => limit.run('flooded', task(l))), limit.run('other', task('o1')), limit.run('flooded', task('f6'))];
    let peak = 0;
    while (started.length < 7 || gates.length) {
      await new Promise((r) => setImmediate(r));
      peak = Math.max(peak, gates.length);
      gates.shift()?.();
    }
    await Promise.all(runs);
    expect(started).toEqual(['f1', 'f2', 'o1', 'f3', 'f4', 'f5', 'f6']);
    expect(peak).toBe(1);
  });
});
