import { ConcurrencyLimit, generateDeviceSecret, hashDeviceSecret, SCRYPT_PARAMS, verifyDeviceSecret } from './device-secret';

describe('device secrets', () => {
  it('hashes with a fresh salt each time and verifies only the right secret', async () => {
    const secret = generateDeviceSecret();
    const [a, b] = await Promise.all([hashDeviceSecret(secret), hashDeviceSecret(secret)]);
    expect(a).not.toBe(b);
    expect(a.split('$').slice(0, 4)).toEqual(['scrypt', String(SCRYPT_PARAMS.N), String(SCRYPT_PARAMS.r), String(SCRYPT_PARAMS.p)]);
    expect(await verifyDeviceSecret(secret, a)).toBe(true);
    expect(await verifyDeviceSecret(secret, b)).toBe(true);
    expect(await verifyDeviceSecret(generateDeviceSecret(), a)).toBe(false);
  });

  it('verifies with the parameters stored in the hash, so they can be raised later', async () => {
    const secret = generateDeviceSecret();
    const hash = await hashDeviceSecret(secret);
    const [, , , , salt] = hash.split('$');
    const { scryptSync } = await import('node:crypto');
    const cheaper = ['scrypt', 1024, 8, 1, salt, scryptSync(secret, Buffer.from(salt, 'base64'), 32, { N: 1024, r: 8, p: 1 }).toString('base64')].join('$');
    expect(await verifyDeviceSecret(secret, cheaper)).toBe(true);
  });

  it.each([
    ['another scheme', 'bcrypt$2b$10$abc'],
    ['a missing hash', 'scrypt$4096$8$1$AAAA$'],
    ['an N that is not a power of two', 'scrypt$1000$8$1$AAAA$AAAA'],
    ['non-numeric parameters', 'scrypt$x$8$1$AAAA$AAAA'],
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
